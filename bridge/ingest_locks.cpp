#include "bridge/ingest_locks.h"

#include <algorithm>
#include <functional>

namespace causeway {

IngestLocks::Guard IngestLocks::lock(const std::vector<std::string>& ids) {
  std::vector<std::size_t> stripes;
  for (const auto& id : ids)
    if (!id.empty()) stripes.push_back(std::hash<std::string>{}(id) % kStripes);
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  Guard guard;
  for (std::size_t s : stripes) {
    stripes_[s].lock();
    guard.held_.push_back(&stripes_[s]);
  }
  return guard;
}

}  // namespace causeway
