// Reports (ActivityPub Flag activities) kept for the operator, in the `social` family:
//   "flag/<activity id>" -> {"received_us": <microseconds since the epoch>, "activity": <the Flag>}
// The one owner of those keys. Stateless apart from the store reference; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway {

class FlagReports {
 public:
  explicit FlagReports(Store& store) : store_(store) {}

  // Adds the report to `batch`; `activity_json` is the Flag as received (a JSON object).
  static void record(WriteBatch& batch, std::string_view activity_id, std::string_view activity_json,
                     std::int64_t received_us);

  // Retention: removes reports received before `cutoff_us`. Reports stored before the time was
  // kept with them (a bare activity) have no known age and are kept. Returns how many went.
  Result<std::size_t> prune_older_than(std::int64_t cutoff_us) const;

 private:
  Store& store_;
};

}  // namespace causeway
