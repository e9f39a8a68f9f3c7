// The one loop that runs bridge jobs: claim the due jobs of one direction from the durable queue,
// load each (its event, its bridge), hand it to that direction's BridgeWriter, and settle the
// outcome — the decision about the event recorded and the job completed in the batch that carries
// the copy's id-map entries, or retried, released to wait, or given up; the delivery counted.
// A job whose payload is damaged, whose event is gone or whose bridge was removed is given up
// with the reason. A writer that throws does not take the daemon down: the job is retried.
//
// Thread-safety: one thread per worker (start/stop from the owner's thread). run_due() may be
// called directly by tests instead of start().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "bridge/base/metrics.h"
#include "bridge/bridge_writer.h"
#include "bridge/decisions.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

struct BridgeWorkerDeps {
  const Config& config;
  Store& store;
  const EventLog& events;
  DeliveryQueue& queue;
  const Decisions& decisions;
  Metrics& metrics;
  std::function<std::int64_t()> clock;
};

class BridgeWorker {
 public:
  // `kind` is the queue kind it claims (kToBlueskyJob or kToFediverseJob); `writer` outlives it.
  BridgeWorker(BridgeWorkerDeps deps, std::string kind, BridgeWriter& writer,
               std::chrono::milliseconds idle_every = std::chrono::seconds(5));
  ~BridgeWorker();

  void start();
  // Returns after the job in hand is settled; jobs claimed but not started go back untouched.
  void stop();
  // Runs the jobs due now (at most one claim); returns how many were handled.
  std::size_t run_due();

 private:
  void handle(Job job);
  std::optional<LoadedJob> load(const Job& job);
  void settle(const Job& job, const LoadedJob& loaded, const StepOutcome& outcome, WriteBatch& batch);

  BridgeWorkerDeps d_;
  std::string kind_;
  BridgeWriter& writer_;
  std::chrono::milliseconds idle_every_;
  std::atomic<bool> running_{false};
  std::atomic<bool> started_{false};
  std::thread thread_;
};

}  // namespace causeway
