// Retention (storage.retention): the store forgets what it no longer needs, in the background.
// Events, seen ids, decisions and Flag reports older than their configured age are removed in
// bounded batches, each family by its own owner (EventLog, SeenIds, Decisions, FlagReports), so
// no key format is read here. Whatever a queued, dead or held job still refers to stays: its event,
// the seen mark of that event and the decisions about it. Removals are logged and counted
// (causeway_pruned_total{family}).
//
// Thread-safety: start() runs passes on a thread the pruner owns until stop() (or destruction);
// run_once() must not run on two threads at once (a test calls it instead of start()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "bridge/base/metrics.h"
#include "bridge/base/result.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

class RetentionPruner {
 public:
  struct Counts {
    std::size_t events = 0, seen = 0, decisions = 0, flags = 0;
    std::size_t still_wanted = 0;  // events kept past their age for a queued, dead or held job
  };

  // `clock` gives microseconds since the epoch (bridge/base/clock.h); ages are measured with it.
  RetentionPruner(Store& store, const EventLog& events, const DeliveryQueue& queue, Metrics& metrics,
                  RetentionConfig retention, std::function<std::int64_t()> clock);
  ~RetentionPruner();  // stops the timer thread

  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  // One pass over every family as of the clock's now. Stops at the first storage error; what was
  // removed before it stays removed, and the next pass goes on from there.
  Result<Counts> run_once();

  // Runs a pass after `first` and then every `every`, until stop().
  void start(std::chrono::milliseconds first = std::chrono::minutes(1),
             std::chrono::milliseconds every = std::chrono::hours(1));
  void stop();

 private:
  Store& store_;
  const EventLog& events_;
  const DeliveryQueue& queue_;
  Metrics& metrics_;
  RetentionConfig retention_;
  std::function<std::int64_t()> clock_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread timer_;
};

}  // namespace causeway
