// The inbox (per actor and shared): verify the HTTP signature and that the key's owner is the
// activity's actor, parse, drop duplicates by activity id, write durably, then answer 202. What
// the activity means for local actors (follows, group posts) is decided and queued in the same
// write batch, so an acknowledged activity is never half-handled.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "bridge/base/metrics.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/http_request_view.h"
#include "protocols/activitypub/local_actors.h"
#include "protocols/activitypub/outbox.h"
#include "protocols/activitypub/social_graph.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct InboxRequest {
  HttpRequestView http;
  std::string remote_address;
};

struct InboxResponse {
  int status = 202;
  std::string reason;  // for the log and, on errors, the response body
};

// Proves who sent a request: the id of the actor owning the key that signed it, or why not.
using RequestAuthenticator = std::function<Result<std::string>(const InboxRequest& request)>;

// Remote actor documents, for inbox URLs of new followers (fetched through the outbound guard).
using ActorResolver = std::function<Result<nlohmann::json>(const std::string& actor_id)>;

struct InboxDeps {
  Store& store;
  EventLog& events;
  SocialGraph& social;
  Outbox& outbox;
  const LocalActors& actors;
  Metrics& metrics;
  RequestAuthenticator authenticate;
  ActorResolver resolve_actor;
  std::function<std::int64_t()> clock;
  std::function<bool(const std::string& host)> domain_blocked;
};

class Inbox {
 public:
  explicit Inbox(InboxDeps deps) : d_(std::move(deps)) {}

  InboxResponse receive(const InboxRequest& request);

 private:
  InboxResponse reject(int status, const std::string& reason, const InboxRequest& request);
  void handle_follow(WriteBatch& batch, const ActivityView& a, const nlohmann::json& activity);
  void handle_undo(WriteBatch& batch, const ActivityView& a);
  void handle_block(WriteBatch& batch, const std::string& target, const std::string& by, bool blocked);
  void handle_accept_reject(WriteBatch& batch, const ActivityView& a);
  void handle_group_posts(WriteBatch& batch, const ActivityView& a, const nlohmann::json& activity);
  void handle_flag(WriteBatch& batch, const ActivityView& a, const nlohmann::json& activity);

  InboxDeps d_;
};

// Accepting a held follow request (from the CLI or at once when the group does not vet members).
Status accept_follow_request(WriteBatch& batch, SocialGraph& social, Outbox& outbox, const LocalActors& actors,
                             const LocalActor& local, const Follower& request);
void reject_follow_request(WriteBatch& batch, SocialGraph& social, Outbox& outbox, const LocalActors& actors,
                           const LocalActor& local, const Follower& request);

}  // namespace causeway::activitypub
