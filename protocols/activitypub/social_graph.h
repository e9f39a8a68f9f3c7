// Who follows whom, per local actor, in the `social` family: accepted followers with where to
// deliver to them, follow requests held for approval, and the remote actors we follow.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct Follower {
  std::string actor;         // remote actor id
  std::string inbox;
  std::string shared_inbox;  // empty when the remote server has none
  std::string follow_id;     // the Follow activity, for Accept/Reject
  std::int64_t since_us = 0;
};

struct Following {
  std::string target;
  std::string follow_id;
  std::string state;  // pending, accepted, rejected
  std::int64_t since_us = 0;  // when the Follow was sent (0: not recorded by older versions)
};

class SocialGraph {
 public:
  explicit SocialGraph(Store& store) : store_(store) {}

  void add_follower(WriteBatch& batch, const std::string& local_key, const Follower& follower);
  void remove_follower(WriteBatch& batch, const std::string& local_key, const std::string& actor);
  void hold_request(WriteBatch& batch, const std::string& local_key, const Follower& request);
  void drop_request(WriteBatch& batch, const std::string& local_key, const std::string& actor);

  Result<std::vector<Follower>> followers(const std::string& local_key) const;
  Result<std::vector<Follower>> pending_requests(const std::string& local_key) const;
  Result<std::optional<Follower>> pending_request(const std::string& local_key, const std::string& actor) const;
  bool is_follower(const std::string& local_key, const std::string& actor) const;

  // A remote actor (a group, say) blocking one of ours: we stop sending as that actor to it.
  void set_blocked_by(WriteBatch& batch, const std::string& remote, const std::string& local_key, bool blocked);
  bool is_blocked_by(const std::string& remote, const std::string& local_key) const;

  void set_following(WriteBatch& batch, const std::string& local_key, const Following& following);
  Result<std::optional<Following>> following(const std::string& local_key, const std::string& target) const;
  Result<std::vector<Following>> all_following(const std::string& local_key) const;

 private:
  Result<std::vector<Follower>> list(const std::string& prefix) const;
  Store& store_;
};

}  // namespace causeway::activitypub
