// Wires the ActivityPub adapter into the daemon: its actors from the config, keys, inbox, outbox,
// delivery workers, and the HTTP routes other fediverse servers use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "bridge/base/clock.h"
#include "bridge/base/metrics.h"
#include "bridge/daemon/configured_actors.h"
#include "bridge/daemon/peer_software_cache.h"
#include "bridge/member_profile.h"
#include "bridge/event.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "config/config.h"
#include "protocols/activitypub/actor_keys.h"
#include "protocols/activitypub/deliverer.h"
#include "protocols/activitypub/inbox.h"
#include "protocols/activitypub/local_actors.h"
#include "protocols/activitypub/outbox.h"
#include "protocols/activitypub/public_key.h"
#include "protocols/activitypub/remote_group.h"
#include "protocols/activitypub/remote_keys.h"
#include "protocols/activitypub/social_graph.h"
#include "protocols/net/http_client.h"
#include "protocols/net/http_server.h"
#include "storage/secret_vault.h"
#include "storage/store.h"

namespace causeway {

class FediverseService {
 public:
  // `clock` is the wall clock every part of the fediverse side reads (queue, outbox, inbox, caches).
  FediverseService(const Config& config, Store& store, EventLog& events, const SecretVault& vault, Metrics& metrics,
                   std::function<std::int64_t()> clock = now_us);
  ~FediverseService();

  void install_routes(HttpServer& server);
  void start();  // delivery workers, follows of remote groups
  void stop();
  // Drops queued key fetches, answering the requests that wait on them; before the server stops.
  void stop_key_fetches() { remote_keys_.stop(); }

  activitypub::Outbox& outbox() { return outbox_; }
  activitypub::SocialGraph& social() { return social_; }
  DeliveryQueue& queue() { return queue_; }
  const activitypub::LocalActors& actors() const { return actors_; }
  activitypub::LocalActors& actors() { return actors_; }

  // The ids of the remote groups the bridges follow, by bridge name (resolved by start()).
  std::map<std::string, std::string> remote_group_ids() const;
  // What kind of group a bridge follows (community, forum, boost) and whether it is locked, as
  // told at start (or by an earlier run); nullopt before it was ever resolved.
  std::optional<activitypub::RemoteGroup> remote_group(const std::string& bridge) const;
  // Where to deliver to a remote actor, from its actor document (both cached for an hour).
  Result<activitypub::Follower> recipient(const std::string& actor_id);
  // A member's name and handle for the attribution line on Bluesky.
  Result<MemberProfile> member_profile(const std::string& actor_id);
  // A post a followed group announced, fetched from its origin and read as an Event.
  // An announced Create is followed to its object (once); anything else that is not a post, or a
  // 404/410, is a permanent failure.
  Result<Event, FetchFailure> fetch_post(const std::string& object_id, const std::string& group_id, int depth = 0);
  // An AS2 document fetched (signed as the service actor) from `url`, only as served by its own host.
  Result<nlohmann::json, FetchFailure> fetch_document(const std::string& url);
  // Mirrors the newest mirror.backfill posts of the bridge's followed group from its outbox, oldest
  // first, once per group (group_backfill.cpp). Returns how many activities were taken in.
  Result<int> backfill(const BridgeConfig& bridge, const std::string& group_id);
  // `listener` hears of a remote group resolved after start (WebFinger answered late).
  void on_group_resolved(std::function<void(const std::string& bridge, const std::string& group_id)> listener);
  // The actor id WebFinger gives for "user@host" (fetched through the outbound guard).
  Result<std::string> webfinger_actor(const std::string& acct);
  // The bridge's group as its actor presents it: a hosted group's from the config, a followed
  // group's from its actor document, fetched now (not cached: it is asked for when it changed).
  Result<GroupProfile> group_profile(const BridgeConfig& bridge);
  // `listener` hears of every accepted Update an actor sends of itself (its profile changed), on
  // the inbox's thread, so it must not block.
  void on_actor_updated(std::function<void(const std::string& actor_id)> listener);
  // Whether `actor` is an accepted member of the group hosted here as `group_id`.
  bool is_member(const std::string& group_id, const std::string& actor) const;

 private:
  // Checks the request's signature with the cached key, or fetches the key first (`fetched`: the
  // key was just fetched, so neither fetch nor refresh again). Calls `done` once, maybe later.
  void authenticate(std::shared_ptr<const activitypub::InboxRequest> request, activitypub::AuthenticationDone done,
                    bool fetched = false);
  Result<activitypub::PublicKey> public_key(const activitypub::RemoteKey& key);
  Result<nlohmann::json> fetch_actor(const std::string& actor_id);
  // fetch_actor, kept for an hour: the writers ask for the same members again and again.
  Result<nlohmann::json> actor_document(const std::string& actor_id);
  Status sign_request(HttpRequest& request, const Url& url, const std::string& actor_key,
                      activitypub::SignatureScheme scheme);
  // Resolves and follows the bridges' remote groups (only those never resolved, when asked).
  void follow_remote_groups(bool only_unresolved = false);
  // Every minute, or when a group answers the bridge's follow: groups not resolved yet are
  // resolved, accepted ones are backfilled once.
  void group_loop();
  void wake_group_loop();
  bool stopping();
  void register_group_metrics();
  // Whether `host` (or a domain it is under) is in fediverse.blocked_domains.
  bool domain_blocked(const std::string& host) const;
  Result<activitypub::PrivateKey> private_key(const std::string& actor_key);

  const Config& config_;
  Store& store_;
  Metrics& metrics_;
  std::function<std::int64_t()> clock_;
  activitypub::LocalActors actors_;
  HttpClient http_;
  PeerSoftwareCache peer_software_;  // which body of a group's Announce each member's server gets
  activitypub::ActorKeys keys_;
  EventLog& events_;
  DeliveryQueue queue_;
  activitypub::SocialGraph social_;
  activitypub::Outbox outbox_;
  activitypub::RemoteKeys remote_keys_;
  activitypub::Inbox inbox_;
  activitypub::Deliverer deliverer_;
  std::mutex private_keys_mu_;
  std::map<std::string, activitypub::PrivateKey> private_keys_;  // parsed once per actor
  mutable std::mutex groups_mu_;
  std::map<std::string, std::string> remote_groups_;  // bridge -> group id
  std::map<std::string, activitypub::RemoteGroup> remote_group_info_;  // bridge -> what it is
  std::function<void(const std::string&, const std::string&)> group_resolved_;  // guarded by groups_mu_
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool loop_stopping_ = false, loop_woken_ = false;  // guarded by loop_mu_
  std::thread group_thread_;
  // WebFinger answers by lowercased acct: (when asked, actor id or "" when it named none).
  std::mutex webfinger_mu_;
  std::map<std::string, std::pair<std::int64_t, std::string>> webfinger_;
  Result<std::string> webfinger_uncached(const std::string& acct);
  std::mutex actor_docs_mu_;
  std::map<std::string, std::pair<std::int64_t, nlohmann::json>> actor_docs_;  // actor -> (fetched, document)
  std::mutex listener_mu_;
  std::function<void(const std::string&)> actor_updated_;  // guarded by listener_mu_
  std::mutex public_keys_mu_;
  // Remote keys parsed from PEM once per key id (and again only when the PEM changes).
  std::map<std::string, std::pair<std::string, activitypub::PublicKey>> public_keys_;
};

}  // namespace causeway
