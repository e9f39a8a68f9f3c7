// Why each item crossed the bridge or did not: one record per decision, keyed by the native id it
// is about (an ActivityPub activity or object id, or an at-uri), so an operator can ask
// `causeway why <id>` and read the whole story ("held for approval", then "bridged as at://...").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway {

enum class Outcome { bridged, not_bridged, held, queued, failed };
const char* to_string(Outcome outcome);

struct Decision {
  std::string native_id;
  std::string bridge;  // empty when no bridge applied
  Outcome outcome = Outcome::not_bridged;
  std::string reason;  // "followers-only", "author's domain blocked: spam.example" ...
  std::string copy;    // the id of the copy on the other network, once bridged
  std::string event_id;
  std::int64_t at_us = 0;

  // One line for people: "bridged as at://...", "not bridged: followers-only".
  std::string describe() const;
};

class Decisions {
 public:
  explicit Decisions(Store& store) : store_(store) {}

  // Records `d` (for d.native_id) in `batch`.
  void record(WriteBatch& batch, const Decision& d) const;
  // Every decision about `native_id`, oldest first.
  Result<std::vector<Decision>> about(const std::string& native_id) const;
  // Whether the last decision about `native_id` says it is still queued or held, and the item
  // waiting for it (received at `received_us`) has not waited too long (ten minutes): a reply
  // then waits for its parent's copy instead of giving up.
  bool still_coming(const std::string& native_id, std::int64_t received_us, std::int64_t now_us) const;
  // Retention: removes the decisions made before `cutoff_us`, except those about an event `keep`
  // names (an item still queued or held keeps its story). Returns how many were removed.
  Result<std::size_t> prune_older_than(std::int64_t cutoff_us,
                                       const std::function<bool(const std::string& event_id)>& keep) const;

 private:
  Store& store_;
};

}  // namespace causeway
