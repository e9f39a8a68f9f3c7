// FEP-1b12 for groups hosted here: which incoming posts a group boosts to its members, and the
// Announce it sends. A post reaches the group when it is addressed to it (to, cc, audience) or
// mentions it; only accepted members' public or unlisted posts are boosted, and a Create or Update
// only of the actor's own object (on its server, attributed to it); an Undo only of the actor's own
// Like or Announce.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/local_actors.h"

namespace causeway::activitypub {

// Whether the activity is meant for `group` (addressed or mentioned).
bool is_for_group(const LocalActors& actors, const LocalActor& group, const ActivityView& activity);

struct GroupDecision {
  bool announce = false;
  std::string reason;  // why not, for the log and `causeway why`
};

GroupDecision decide_group_announce(const LocalActors& actors, const LocalActor& group, const ActivityView& activity,
                                    bool author_is_member, bool author_domain_blocked);

// The group's Announces of a member's activity. Forum software (FEP-1b12) wants the activity
// itself, embedded as received, and Mastodon-style servers read an Announce only as a boost of a
// post, so a Create is announced both ways and the deliverer picks per server (peer_software.h);
// other activities (Update, Delete, Like, Undo) have no boost form and go to everyone whole.
// Both carry `audience`: the group. Their ids are derived from what they announce, so a retry or a
// restart makes the same ids, and the two bodies never share one: `<group>/announce/<hash of the
// activity id>` for the activity, `<group>/boost/<hash of the object id>` for the boost.
struct GroupAnnounces {
  nlohmann::json of_activity;
  std::optional<nlohmann::json> boost;  // only for a Create of an object with an id
};
GroupAnnounces group_announces(const LocalActors& actors, const LocalActor& group, const ActivityView& activity,
                               const nlohmann::json& activity_json, const std::string& published);

}  // namespace causeway::activitypub
