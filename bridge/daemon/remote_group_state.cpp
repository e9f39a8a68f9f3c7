#include "bridge/daemon/remote_group_state.h"

#include <nlohmann/json.hpp>

#include "protocols/activitypub/social_graph.h"

namespace causeway {

RemoteGroupState remote_group_state(Store& store, const std::string& bridge) {
  RemoteGroupState s;
  s.follow = "unresolved";
  auto kept = store.get(Family::meta, "remote-group-info/" + bridge);
  if (!kept.ok() || !kept->has_value()) return s;
  auto j = nlohmann::json::parse(**kept, nullptr, false);
  if (!j.is_object()) return s;
  s.id = j.value("id", "");
  s.handle = j.value("handle", "");
  s.kind = j.value("kind", "");
  s.locked = j.value("locked", false);
  // The service actor ("bridge") is the one that follows the group.
  auto f = activitypub::SocialGraph(store).following("bridge", s.id);
  if (f.ok() && f->has_value()) s.follow = (*f)->state;
  return s;
}

double follow_state_value(const std::string& follow) {
  if (follow == "accepted") return 1;
  if (follow == "pending") return 0;
  if (follow == "rejected") return -1;
  return -2;
}

}  // namespace causeway
