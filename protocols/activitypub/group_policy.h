// FEP-1b12 for groups hosted here: which incoming posts a group boosts to its members, and the
// Announce it sends. A post reaches the group when it is addressed to it (to, cc, audience) or
// mentions it; only accepted members' public or unlisted posts are boosted, and a Create or Update
// only of the actor's own object (on its server, attributed to it).
#pragma once

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

// The group's Announce of a member's activity. A Create is announced by its object's id, which
// Mastodon shows as a boost and every receiver fetches from its origin (so it need not trust
// us); other activities (Update, Delete, Like) are announced whole, as FEP-1b12 describes.
nlohmann::json group_announce(const LocalActors& actors, const LocalActor& group, const ActivityView& activity,
                              const nlohmann::json& activity_json, const std::string& published);

}  // namespace causeway::activitypub
