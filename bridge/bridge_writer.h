// The outbound verb the core calls: each adapter's writer turns one loaded bridge job into its
// copy on the other network. The bridge worker (bridge_worker.h) claims the job, loads its event
// and bridge, calls write(), and settles the outcome: the decision recorded and the queue updated
// in the same batch as whatever write() added (the id-map entries of the copy, outbox rows).
//
// Contract for implementers:
// - write() is called from the worker's one thread, one job at a time; it must not throw for
//   hostile remote input (the worker catches and retries, but a throw is a bug).
// - Every target operation is idempotent: a job may be written again after a crash.
// - Store changes that belong with the copy go into `batch`, never written directly, so a crash
//   leaves either both the copy's mapping and the job's completion or neither. The worker writes
//   `batch` when the outcome is done (with the completion) or give_up (with the refusal: what
//   write() undid on the way, an unlink after deleting records, is kept); on retry or wait it is
//   dropped, so a writer must not leave in it what a later try cannot redo.
// - `settling` may receive an ingest lock the worker keeps until the job is settled (so a Delete
//   arriving meanwhile either is seen by write() or finds the copy mapped).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bridge/bridge_job.h"
#include "bridge/event.h"
#include "bridge/ingest_locks.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

enum class Step { done, retry, give_up, wait };

struct StepOutcome {
  Step step = Step::done;
  // done: the copy's id, then optionally "\n" and notes for `why`; otherwise the reason.
  std::string message;
  std::optional<std::int64_t> retry_at_us;  // retry/wait: when to try again (default: the queue's backoff)
};

// A job with what it names: its event (as stored) and its bridge (as configured now).
struct LoadedJob {
  BridgeJob job;
  Event event;
  const BridgeConfig* bridge = nullptr;  // never null when handed to a writer
};

class BridgeWriter {
 public:
  virtual ~BridgeWriter() = default;
  // The network written to ("atproto" or "activitypub"), for logs and metrics.
  virtual const char* network() const = 0;
  virtual StepOutcome write(LoadedJob& job, WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) = 0;
  // Runs on the worker's thread about every few seconds while no job is due.
  virtual void idle() {}
};

}  // namespace causeway
