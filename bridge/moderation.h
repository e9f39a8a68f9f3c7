// The operators' say over who may post into a group: from Bluesky (members.bluesky_posting), and
// from the fediverse into a followed group's mirrored threads (members.fediverse_replies). In the
// `social` family, per bridge; this class is the one owner of these keys:
//   "bsky/follower/<bridge>/<did>"     the account follows the mirror account (value: follow at-uri)
//   "bsky/follow-record/<at-uri>"      "<bridge>\n<did>", to forget the follower when it unfollows
//   "bsky/verdict/<bridge>/<did>"      "approved" or "denied" by an operator
//   "bsky/held/<bridge>/<did>/<event>" a job held until the operator decides
//   "fedi/announced/<bridge>\n<actor>" the followed group announced a post by this fediverse actor
//                                      (value: the event of the announce)
//   "fedi/banned/<bridge>\n<actor>"     the followed group's moderators banned this actor (value:
//                                      the event of the ban), so their posts no longer cross
//   "fedi/deleted/<actor>"             the account deleted itself (value: the event): nothing of it crosses
// Reads and batch additions only; thread-safe as the store is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "bridge/delivery_queue.h"
#include "storage/store.h"

namespace causeway {

enum class Verdict { none, approved, denied };

struct HeldAccount {
  std::string did;
  std::string handle;  // as last seen, may be empty
  std::vector<std::string> event_ids;
};

class Moderation {
 public:
  explicit Moderation(Store& store) : store_(store) {}

  void add_follower(WriteBatch& batch, const std::string& bridge, const std::string& did,
                    const std::string& follow_uri) const;
  // Forgets the follower whose follow record this was; false when it is not one.
  bool remove_follow_record(WriteBatch& batch, const std::string& follow_uri) const;
  bool is_follower(const std::string& bridge, const std::string& did) const;

  // A post by `actor` reached the bridge through its followed group's Announce (fetched from its
  // origin, so the author is the origin's word, not the announcer's).
  void add_announced_author(WriteBatch& batch, const std::string& bridge, const std::string& actor,
                            const std::string& event_id) const;
  bool was_announced(const std::string& bridge, const std::string& actor) const;

  // The followed group banned (or unbanned) `actor` (Lemmy's Block with the community as target).
  void set_banned(WriteBatch& batch, const std::string& bridge, const std::string& actor, const std::string& event_id,
                  bool banned) const;
  bool is_banned(const std::string& bridge, const std::string& actor) const;
  void set_deleted_account(WriteBatch& batch, const std::string& actor, const std::string& event_id) const;
  bool is_deleted_account(const std::string& actor) const;

  Verdict verdict(const std::string& bridge, const std::string& did) const;
  // Every account approved on `bridge` (to fill a list of them made after they were approved).
  Result<std::vector<std::string>> approved(const std::string& bridge) const;
  void hold(WriteBatch& batch, const std::string& bridge, const std::string& did, const std::string& event_id,
            const Job& job) const;
  Result<std::vector<HeldAccount>> held(const std::string& bridge) const;
  // Every held job of every bridge, with the event it carries.
  Status for_each_held(const std::function<void(const std::string& event_id, const Job& job)>& visit) const;
  // Approves the account: its held jobs go to the queue in the same batch. Returns their events.
  Result<std::vector<std::string>> approve(WriteBatch& batch, DeliveryQueue& queue, const std::string& bridge,
                                           const std::string& did) const;
  // Held jobs of accounts that already have a verdict (an item held in the instant its author was
  // approved or denied): queued or dropped now. Returns how many were settled.
  Result<std::size_t> settle_decided(WriteBatch& batch, DeliveryQueue& queue, const std::string& bridge) const;
  // Denies the account: its held jobs are dropped. Returns their events.
  Result<std::vector<std::string>> deny(WriteBatch& batch, const std::string& bridge, const std::string& did) const;

 private:
  Result<std::vector<std::pair<std::string, Job>>> held_jobs(const std::string& bridge, const std::string& did) const;
  Store& store_;
};

}  // namespace causeway
