#include "bridge/approved_list.h"

namespace causeway {
namespace {

std::string key_of(const std::string& bridge) { return "bsky/approved-list/" + bridge; }

}  // namespace

std::optional<std::string> ApprovedList::uri(const std::string& bridge) const {
  auto v = store_.get(Family::social, key_of(bridge));
  if (!v.ok() || !v->has_value()) return std::nullopt;
  return **v;
}

void ApprovedList::set_uri(WriteBatch& batch, const std::string& bridge, const std::string& at_uri) const {
  batch.put(Family::social, key_of(bridge), at_uri);
}

}  // namespace causeway
