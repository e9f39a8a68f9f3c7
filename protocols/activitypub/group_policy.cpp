#include "protocols/activitypub/group_policy.h"

#include <optional>

#include "protocols/activitypub/actor_document.h"
#include "protocols/activitypub/stable_id.h"

namespace causeway::activitypub {
namespace {

bool mentions(const nlohmann::json* object, const std::string& id) {
  if (!object) return false;
  auto tags = object->find("tag");
  if (tags == object->end()) return false;
  auto check = [&](const nlohmann::json& tag) {
    return string_member(tag, "type") == "Mention" && string_member(tag, "href") == id;
  };
  if (tags->is_array()) {
    for (const auto& t : *tags)
      if (check(t)) return true;
    return false;
  }
  return check(*tags);
}

// Why a Create or Update does not speak for its object: the group would put the words of an
// object's claimed author, or another server's post, in front of its members as the actor's.
std::optional<std::string> not_own_object(const ActivityView& activity) {
  if (activity.type != "Create" && activity.type != "Update") return std::nullopt;
  if (!activity.object_id || host_of_url(*activity.object_id) != host_of_url(activity.actor))
    return "its object is not on the server of its actor " + activity.actor;
  if (activity.object && activity.object->is_object()) {
    auto author = activity.object->contains("attributedTo") ? id_of((*activity.object)["attributedTo"]) : std::nullopt;
    if (author.value_or("") != activity.actor)
      return "its object is attributed to " + (author ? *author : std::string("nobody")) + ", not to the actor " +
             activity.actor;
  }
  return std::nullopt;
}

// Why an Undo is not relayed: only an Undo of a Like or an Announce means something to the
// members, and only its maker's: anyone else's would take back a member's reaction in their name.
std::optional<std::string> not_own_undo(const ActivityView& activity) {
  if (activity.type != "Undo") return std::nullopt;
  if (!activity.object || !activity.object->is_object())
    return std::string("it names what it undoes only by id, so what it undoes is unknown");
  std::string undone = string_member(*activity.object, "type");
  if (undone != "Like" && undone != "Announce")
    return "an Undo of " + (undone.empty() ? std::string("an object without a type") : undone) + " is not relayed";
  auto actor = activity.object->contains("actor") ? id_of((*activity.object)["actor"]) : std::nullopt;
  if (actor.value_or("") != activity.actor)
    return "it undoes the " + undone + " of " + (actor ? *actor : std::string("nobody")) + ", not of its actor " +
           activity.actor;
  return std::nullopt;
}

}  // namespace

bool is_for_group(const LocalActors& actors, const LocalActor& group, const ActivityView& activity) {
  std::string id = actors.id(group);
  return activity.addressed_to(id) || activity.addressed_to(actors.followers(group)) || mentions(activity.object, id);
}

GroupDecision decide_group_announce(const LocalActors& actors, const LocalActor& group, const ActivityView& activity,
                                    bool author_is_member, bool author_domain_blocked) {
  if (!is_for_group(actors, group, activity)) return {false, "not addressed to the group"};
  if (author_domain_blocked) return {false, "author's domain is blocked"};
  if (!author_is_member) return {false, "author is not a member of the group"};
  // A post addressed to the group alone is meant for its members: relay it to them, not publicly.
  bool to_group = activity.addressed_to(actors.followers(group)) || activity.addressed_to(actors.id(group));
  if (!activity.is_public() && !to_group) return {false, "neither public nor addressed to the group"};
  if (activity.type != "Create" && activity.type != "Update" && activity.type != "Delete" && activity.type != "Like" &&
      activity.type != "Undo")
    return {false, activity.type + " is not relayed by groups"};
  if (auto refused = not_own_object(activity)) return {false, *refused};
  if (auto refused = not_own_undo(activity)) return {false, *refused};
  return {true, ""};
}

GroupAnnounces group_announces(const LocalActors& actors, const LocalActor& group, const ActivityView& activity,
                               const nlohmann::json& activity_json, const std::string& published) {
  std::string group_id = actors.id(group);
  nlohmann::json cc = nlohmann::json::array();
  if (activity.is_public()) cc.push_back(kPublic);
  auto announce = [&](const std::string& id, const nlohmann::json& object) {
    return nlohmann::json{{"@context", "https://www.w3.org/ns/activitystreams"},
                          {"id", id},
                          {"type", "Announce"},
                          {"actor", group_id},
                          {"object", object},
                          {"to", {actors.followers(group)}},
                          {"cc", cc},
                          {"audience", group_id},
                          {"published", published}};
  };
  GroupAnnounces out{announce(group_id + "/announce/" + stable_id(activity.id), activity_json), std::nullopt};
  if (activity.type == "Create" && activity.object_id)
    out.boost = announce(group_id + "/boost/" + stable_id(*activity.object_id), *activity.object_id);
  return out;
}

}  // namespace causeway::activitypub
