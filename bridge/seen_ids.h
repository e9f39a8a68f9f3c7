// Inbound ids already taken in (the `seen` family): retries, shared-inbox copies and stream replays
// are recognised by them. This class is the one owner of the family's keys and values:
//   "ap/<activity id>"     -> when it was stored, microseconds since the epoch (decimal)
//   "at/<at-uri>"          -> the id of the event the record became (time-ordered, event_log.h)
//   "at-deleted/<at-uri>"  -> the id of the event its delete became
// Stateless apart from the store reference; safe to use from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway {

class SeenIds {
 public:
  explicit SeenIds(Store& store) : store_(store) {}

  static std::string activitypub_key(std::string_view activity_id);
  static std::string bluesky_key(std::string_view at_uri);
  static std::string bluesky_delete_key(std::string_view at_uri);

  // Marks `key` taken in, in `batch` (so with the event it produced): an ActivityPub id with the
  // time it was stored, a Bluesky key with the event it became.
  static void mark_received(WriteBatch& batch, const std::string& key, std::int64_t now_us);
  static void mark_event(WriteBatch& batch, const std::string& key, const std::string& event_id);

  // Whether `key` was taken in. A read failure counts as not seen (the write that follows fails
  // the same way, and nothing is acknowledged).
  bool contains(const std::string& key) const;

  // Retention: removes marks made before `cutoff_us`, except those of an event `keep` names (a
  // record still held or queued stays recognised, so its delete is still matched). Marks whose
  // time cannot be read are kept. Returns how many were removed.
  Result<std::size_t> prune_older_than(std::int64_t cutoff_us,
                                       const std::function<bool(const std::string& event_id)>& keep) const;

 private:
  Store& store_;
};

}  // namespace causeway
