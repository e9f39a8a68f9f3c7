// The inbox (per actor and shared): verify the HTTP signature and that the key's owner is the
// activity's actor, parse, drop duplicates by activity id, write durably, then answer 202. What
// the activity means for local actors (follows, group posts) is decided and queued in the same
// write batch, so an acknowledged activity is never half-handled.
//
// Asynchronous: receive() returns at once when the signing key must be fetched, and answers from
// the key fetch's thread later, so serving threads never wait on a remote server. The duplicate
// check, the routing and the write hold the event log's ingest locks for the activity's and the
// object's ids: concurrent copies of one activity make one event. Thread-safe.
//
// Refusals are logged with their whole reason and counted by reason class
// (causeway_inbox_rejected_total); the response body names the class only ("signature:
// key_unavailable"), never addresses or remote servers' messages.
#pragma once

#include <functional>
#include <map>
#include <memory>
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
  std::string reason;  // the reason class ("signature: expired", "duplicate"): safe to send back
};

// Who signed a request: the actor owning the key, and its inboxes as its own document lists them
// (empty when not known without a fetch).
struct Signer {
  std::string actor;
  std::string inbox;
  std::string shared_inbox;
};

// Proves who sent a request: calls `done` once (at once, or later from another thread) with the
// signer, or with "<failure class>: <why>".
using AuthenticationDone = std::function<void(Result<Signer>)>;
using RequestAuthenticator =
    std::function<void(std::shared_ptr<const InboxRequest> request, AuthenticationDone done)>;

struct InboxDeps {
  Store& store;
  EventLog& events;
  SocialGraph& social;
  Outbox& outbox;
  const LocalActors& actors;
  Metrics& metrics;
  RequestAuthenticator authenticate;
  std::function<std::int64_t()> clock;
  std::function<bool(const std::string& host)> domain_blocked;
  // Told of each stored Update an actor sent of itself (its profile changed); on the request's
  // thread, so it must not block. May be empty.
  std::function<void(const std::string& actor_id)> actor_updated = nullptr;
  // Told when a remote actor answered (Accept or Reject) a follow of ours, once stored; must not
  // block. May be empty.
  std::function<void()> follow_answered = nullptr;
};

class Inbox {
 public:
  explicit Inbox(InboxDeps deps) : d_(std::move(deps)) {}

  // Calls `done` exactly once with the answer, possibly from another thread.
  void receive(std::shared_ptr<const InboxRequest> request, std::function<void(InboxResponse)> done);
  // receive(), waited for.
  InboxResponse receive(const InboxRequest& request);

 private:
  // What follows a successful signature check: parse, check, dedupe, store.
  InboxResponse accept(const InboxRequest& request, const Signer& signer);
  // `reason_class` goes to the sender and labels the metric; `detail` only to the log.
  InboxResponse reject(int status, const std::string& reason_class, const std::string& detail,
                       const InboxRequest& request);
  // Whether the service actor follows `actor` (a remote group a bridge mirrors), asked or accepted.
  bool follows_group(const std::string& actor) const;
  void handle_follow(WriteBatch& batch, const ActivityView& a, const Signer& signer);
  void handle_undo(WriteBatch& batch, const ActivityView& a, const nlohmann::json& activity);
  void handle_block(WriteBatch& batch, const std::string& target, const std::string& by, bool blocked);
  // Whether it answered one of our follows.
  bool handle_accept_reject(WriteBatch& batch, const ActivityView& a);
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
