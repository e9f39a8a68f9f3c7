// Runs `ap.deliver` jobs: signed POSTs of activities to remote inboxes, a few at a time per host,
// with Mastodon's retry rules (no retry on 4xx but 408 and 429; Retry-After honoured), a circuit
// breaker per host, and the signature "double knock": when a server refuses the configured scheme
// it is tried once with the other, and what worked is remembered for that host. A job carrying a
// group's Announce in two bodies (outbox.h) sends the one the receiving server expects, asking
// `announce_style` on the delivering thread, which may fetch (slow work belongs to workers).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bridge/base/metrics.h"
#include "bridge/delivery_queue.h"
#include "protocols/activitypub/peer_software.h"
#include "protocols/activitypub/signature_verifier.h"
#include "protocols/net/http_client.h"

namespace causeway::activitypub {

// Adds signature headers for `actor_key` to a request about to be sent to `url`.
using RequestSigner = std::function<Status(HttpRequest& request, const Url& url, const std::string& actor_key,
                                           SignatureScheme scheme)>;

struct DelivererOptions {
  int threads = 2;
  int per_host_concurrency = 2;
  int breaker_failures = 5;  // consecutive failures that open a host's circuit
  std::chrono::seconds breaker_cooldown{600};
  SignatureScheme first_scheme = SignatureScheme::cavage;
};

// What the server of `inbox` expects of a group's Announce; called from delivery threads.
using AnnounceStyleOf = std::function<AnnounceStyle(const std::string& inbox)>;

class Deliverer {
 public:
  using Clock = std::function<std::int64_t()>;

  // Without `announce_style` every server gets the boost body of a two-bodied job.
  Deliverer(DeliveryQueue& queue, const HttpClient& http, RequestSigner sign, Metrics& metrics, Clock clock,
            DelivererOptions options = {}, AnnounceStyleOf announce_style = nullptr);
  ~Deliverer();

  void start();
  void stop();  // finishes the deliveries in flight, then returns
  // Claims and runs the jobs due now on the calling thread; returns how many were attempted.
  std::size_t run_due();

 private:
  struct HostState {
    int in_flight = 0;
    int consecutive_failures = 0;
    std::int64_t open_until_us = 0;
    std::optional<SignatureScheme> works;
  };
  void deliver(Job job);
  bool acquire(const std::string& host, std::int64_t now);
  void finish(const std::string& host, bool success);

  DeliveryQueue& queue_;
  const HttpClient& http_;
  RequestSigner sign_;
  Metrics& metrics_;
  Clock clock_;
  DelivererOptions options_;
  AnnounceStyleOf announce_style_;
  std::mutex mu_;
  std::map<std::string, HostState> hosts_;
  std::atomic<bool> running_{false};
  std::vector<std::thread> threads_;
};

}  // namespace causeway::activitypub
