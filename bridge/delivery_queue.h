// The durable outbound queue (the `queue` and `dead` families). A job is self-contained: what to
// send, where, and as whom, so any worker (in this process or, later, another one) can run it.
// Delivery is at-least-once; receivers dedupe on the stable activity ids inside the payload.
//
// Retries follow Mastodon's schedule (attempt^4 + 15 s + jitter, 16 tries: about two days); a job
// that fails permanently or runs out of tries moves to `dead`, where an admin can list and retry it.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway {

struct Job {
  std::string id;      // unique; also names the job in logs and the admin CLI
  std::string kind;    // which worker runs it, e.g. "ap.deliver"
  std::string target;  // where it goes (an inbox URL); its host keys per-host limits
  std::string payload;
  int attempt = 0;  // failed tries so far
  std::int64_t due_us = 0;
  std::int64_t created_us = 0;
  std::string last_error;
};

inline constexpr int kMaxDeliveryAttempts = 16;

// Seconds to wait after the `attempt`-th failure (1-based), before jitter.
std::int64_t retry_delay_seconds(int attempt);

class DeliveryQueue {
 public:
  using Clock = std::function<std::int64_t()>;  // microseconds since the epoch

  DeliveryQueue(Store& store, Clock clock) : store_(store), clock_(std::move(clock)) {}

  // Adds the job to `batch` (so it is queued atomically with whatever caused it), due now.
  void enqueue(WriteBatch& batch, Job job);
  // Up to `max` due jobs whose kind starts with `kind_prefix` and that no worker holds, oldest due
  // first; they stay held until finished.
  Result<std::vector<Job>> claim_due(std::size_t max, std::string_view kind_prefix = "");
  Status complete(const Job& job);
  // Completes the job together with what its success changed (an id map entry, a decision).
  Status complete(const Job& job, WriteBatch& with);
  // A failure worth retrying: reschedules with backoff (or at `retry_after_us`), or moves the job
  // to `dead` after kMaxDeliveryAttempts.
  Status retry_later(Job job, const std::string& error, std::optional<std::int64_t> retry_after_us = std::nullopt);
  Status give_up(Job job, const std::string& error);
  // Hands a claimed job back untried (its host is busy or its circuit is open), due at `due_us`.
  Status release(Job job, std::int64_t due_us);

  Result<std::vector<Job>> dead_jobs(std::size_t max = 1000) const;
  // Every job waiting in the queue (held by a worker or not), and every dead one (an admin may
  // revive it), for retention to know which events are still wanted.
  Status for_each_queued(const std::function<void(const Job&)>& visit) const;
  Status for_each_dead(const std::function<void(const Job&)>& visit) const;
  // Moves a dead job back to the queue, due now, with its attempt count reset.
  Status revive(const std::string& job_id);
  Result<std::size_t> pending_count() const;

 private:
  static std::string queue_key(const Job& job);
  Status move(const Job& job, Family from, const std::string& from_key, Family to, const std::string& to_key);

  Store& store_;
  Clock clock_;
  std::mutex mu_;
  std::set<std::string> held_;  // queue keys claimed by a worker and not finished yet
};

std::string encode_job(const Job& job);
Result<Job> decode_job(std::string_view bytes);

}  // namespace causeway
