// Membership of hosted groups that vet their members: list held follow requests, approve (the
// requester becomes a member and gets an Accept) or deny (a Reject). Used by the admin API of a
// running daemon and by `causeway members` directly on the store when no daemon is running.
#pragma once

#include <string>
#include <vector>

#include "protocols/activitypub/local_actors.h"
#include "protocols/activitypub/outbox.h"
#include "protocols/activitypub/social_graph.h"

namespace causeway {

class GroupMembers {
 public:
  GroupMembers(Store& store, activitypub::SocialGraph& social, activitypub::Outbox& outbox,
               const activitypub::LocalActors& actors)
      : store_(store), social_(social), outbox_(outbox), actors_(actors) {}

  Result<std::vector<activitypub::Follower>> pending(const std::string& group) const;
  Status approve(const std::string& group, const std::string& actor);
  Status deny(const std::string& group, const std::string& actor);

 private:
  Result<const activitypub::LocalActor*> group_named(const std::string& name) const;
  Result<std::pair<const activitypub::LocalActor*, activitypub::Follower>> held_request(const std::string& group,
                                                                                      const std::string& actor) const;

  Store& store_;
  activitypub::SocialGraph& social_;
  activitypub::Outbox& outbox_;
  const activitypub::LocalActors& actors_;
};

}  // namespace causeway
