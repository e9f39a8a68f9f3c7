#include "bridge/daemon/members.h"

#include "protocols/activitypub/inbox.h"

namespace causeway {

namespace ap = activitypub;

Result<const ap::LocalActor*> GroupMembers::group_named(const std::string& name) const {
  const ap::LocalActor* group = actors_.by_key(ap::group_key(name));
  if (!group) return make_error("no group named \"" + name + "\" is hosted here (see bridges[].fediverse.host)");
  return group;
}

Result<std::vector<ap::Follower>> GroupMembers::pending(const std::string& group) const {
  auto g = group_named(group);
  if (!g) return Error{g.error()};
  return social_.pending_requests((*g)->key);
}

Result<std::pair<const ap::LocalActor*, ap::Follower>> GroupMembers::held_request(const std::string& group,
                                                                                 const std::string& actor) const {
  auto g = group_named(group);
  if (!g) return Error{g.error()};
  auto request = social_.pending_request((*g)->key, actor);
  if (!request) return Error{request.error()};
  if (!request->has_value()) return make_error("no pending request from " + actor + " to join " + group);
  return std::pair{*g, **request};
}

Status GroupMembers::approve(const std::string& group, const std::string& actor) {
  auto held = held_request(group, actor);
  if (!held) return Error{held.error()};
  WriteBatch batch = store_.batch();
  if (Status s = ap::accept_follow_request(batch, social_, outbox_, actors_, *held->first, held->second); !s.ok()) return s;
  return store_.write(batch);
}

Status GroupMembers::deny(const std::string& group, const std::string& actor) {
  auto held = held_request(group, actor);
  if (!held) return Error{held.error()};
  WriteBatch batch = store_.batch();
  ap::reject_follow_request(batch, social_, outbox_, actors_, *held->first, held->second);
  return store_.write(batch);
}

}  // namespace causeway
