// What both bridge writers share around one job: loading it (the job, its event, its bridge),
// telling whether a parent's copy is still on its way, and settling it — the decision recorded and
// the queue updated in the batch that carries the copy's id-map entry, the delivery counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bridge/base/metrics.h"
#include "bridge/decisions.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "bridge/router.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

enum class Step { done, retry, give_up, wait };

struct StepOutcome {
  Step step = Step::done;
  std::string message;  // when done: the copy's id, then optionally "\n" and notes; else the error
  std::optional<std::int64_t> retry_at_us;
};

struct LoadedJob {
  BridgeJob job;
  Event event;
  const BridgeConfig* bridge = nullptr;
};

// The job's parts, or nullopt after giving the job up (damaged, event gone, bridge removed).
std::optional<LoadedJob> load_bridge_job(const Job& job, DeliveryQueue& queue, const EventLog& events,
                                         const Config& config, const char* direction);

// Whether the last decision about `native_id` says it is still queued or held, and the item that
// waits for it (received at `received_us`) has not waited too long (ten minutes).
bool still_coming(const Decisions& decisions, const std::string& native_id, std::int64_t received_us);

struct Settle {
  DeliveryQueue& queue;
  Store& store;
  const Decisions& decisions;
  Metrics& metrics;
  const char* to;  // "atproto" or "activitypub", for logs and metrics
};

// Records the outcome as a decision about the event (its activity and object ids) and finishes the
// job: completed together with `batch` when done, given up, retried later, or released to wait.
void settle_bridge_job(const Settle& s, const Job& job, const LoadedJob& loaded, const StepOutcome& outcome,
                       WriteBatch& batch);

}  // namespace causeway
