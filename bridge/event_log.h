// The durable log of Events (the `events` family). Ids are time-ordered, so a scan of the family
// is a scan in order of arrival. The log sits behind this small interface so another engine
// could replace RocksDB (DESIGN.md, "The flow").
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "bridge/base/result.h"
#include "bridge/event.h"
#include "bridge/ingest_locks.h"
#include "storage/store.h"

namespace causeway {

// Makes ids "<16 hex digits of microseconds><6 hex digits of sequence>": unique within a process,
// ordered by time, and equal-length so byte order is time order.
// The two parts of such an id (0 when the id is not one).
std::int64_t event_id_time_us(const std::string& id);
unsigned event_id_sequence(const std::string& id);

class EventIdGenerator {
 public:
  std::string next(std::int64_t now_us);

 private:
  std::atomic<std::uint64_t> sequence_{0};
};

class EventLog {
 public:
  // Called for every appended event, in the same batch: the router decides where it goes, so an
  // event is never stored without its routing (or routed without being stored).
  using Observer = std::function<void(WriteBatch& batch, const Event& event)>;

  explicit EventLog(Store& store) : store_(store) {}

  // Set once, before any adapter appends.
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // Assigns `event.id` when empty and adds the event to `batch`, so it lands atomically with
  // whatever else the caller writes (a cursor, a dedupe mark, queue jobs).
  void append(WriteBatch& batch, Event& event, std::int64_t now_us);
  Result<std::optional<Event>> get(const std::string& id) const;
  // Visits events with id >= `from_id` in order until `visit` returns false.
  Status scan(const std::string& from_id, const std::function<bool(const Event&)>& visit) const;
  // Retention: removes the events received before `cutoff_us` (a prefix of the log, ids being
  // time-ordered) except those `keep` names (still wanted by a queued or held job), in bounded
  // batches. Keys that are not event ids are left alone. Returns how many were removed.
  Result<std::size_t> prune_older_than(std::int64_t cutoff_us,
                                       const std::function<bool(const std::string& event_id)>& keep) const;

  // Held by every adapter from its duplicate check until its batch is written (ingest_locks.h),
  // so the router's "already on its way" check is atomic with the write too.
  IngestLocks& locks() { return locks_; }

 private:
  Store& store_;
  EventIdGenerator ids_;
  Observer observer_;
  IngestLocks locks_;
};

}  // namespace causeway
