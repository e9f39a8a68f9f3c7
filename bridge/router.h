// The router and its policy: for every Event stored, which bridge it belongs to and whether it may
// cross, decided in the same write batch that stores the event. What crosses becomes a job in the
// durable queue; what does not leaves a Decision saying why (`causeway why <id>`).
//
// The policy: only public and unlisted items cross; nothing causeway wrote itself crosses again
// (loop prevention, both sides); blocked domains, DIDs and handles never cross; a hosted group
// bridges only its members' posts; Bluesky accounts may post into the group as
// members.bluesky_posting says (open, followers of the mirror account, or approved by an operator).
// Nobody acts for somebody else: a Create crosses only for an object attributed to its actor; a
// Delete or Update is honoured only from the item's author, before its copy is made (queued or
// held) as after; a reply sent straight to causeway in a followed group's thread crosses as
// members.fediverse_replies says (only through the group, from authors it announced, or anyone).
// A followed group's own Delete of the Note made for a Bluesky reply hides that reply on Bluesky
// (route_group_removal): the group's moderators removed it.
//
// Thread-safety: route() may be called from several threads at once; `mu_` guards the routes
// (group ids and mirror DIDs learnt at start), everything else is read from the store.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/metrics.h"
#include "bridge/bridge_job.h"
#include "bridge/decisions.h"
#include "bridge/delivery_queue.h"
#include "bridge/event.h"
#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/moderation.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

// What the router needs to know of the adapters, given by the daemon's wiring.
struct RouterHooks {
  // Whether `actor` is an accepted member of the group hosted here as `group_id`.
  std::function<bool(const std::string& group_id, const std::string& actor)> is_member;
  // Whether an ActivityPub id is one of causeway's own (a bridged actor or something it published).
  std::function<bool(const std::string& id)> is_local;
};

class Router {
 public:
  Router(const Config& config, Store& store, DeliveryQueue& queue, Metrics& metrics, RouterHooks hooks,
         std::function<std::int64_t()> clock);

  // The ActivityPub id of a bridge's group (hosted here, or followed and resolved at start).
  void set_group_id(const std::string& bridge, const std::string& group_id);
  // The DID of a bridge's mirror account, once resolved.
  void set_mirror_did(const std::string& bridge, const std::string& did);
  std::optional<std::string> mirror_did(const std::string& bridge) const;
  std::optional<std::string> group_id(const std::string& bridge) const;

  // Why a fediverse post may not cross to Bluesky on `bridge` (blocked domain, visibility, type,
  // size, mirror settings), or nullopt. Also applied to posts fetched later (followed groups).
  std::optional<std::string> post_refusal(const BridgeConfig& bridge, const Event& event) const;

  // Decides for a stored event (its id set) and adds the job or the decision to `batch`.
  void route(WriteBatch& batch, const Event& event);

  const Decisions& decisions() const { return decisions_; }
  // Whether `author` deleted `native_id` before its copy was made (the copy must then never be
  // made). The writers ask with the author of the copy they are about to make: a tombstone left
  // by anyone else is ignored.
  static bool gone(const Store& store, const std::string& native_id, const std::string& author);
  const Moderation& moderation() const { return moderation_; }

  // The bridge's fediverse group removed `note_id`, the Note causeway made for a Bluesky reply
  // (the id map has it as that reply's fediverse copy): queues a hide job for the reply, so it is
  // hidden under the group's post on Bluesky too, and records the decision about `remove_event`.
  // Called for a Delete the group sends straight to causeway, and for one it relays in an Announce.
  void route_group_removal(WriteBatch& batch, const Event& remove_event, const std::string& bridge_name,
                           const std::string& note_id);

 private:
  struct Route {
    const BridgeConfig* bridge = nullptr;
    std::string group_id;
    std::string mirror_did;
  };
  void route_from_fediverse(WriteBatch& batch, const Event& event);
  void route_from_bluesky(WriteBatch& batch, const Event& event);
  // What a followed group passed on (origin.relayed_by): group_relay.cpp.
  void route_relayed(WriteBatch& batch, const Event& event);
  void count_relayed(const std::string& bridge, EventKind kind);
  // A fediverse account deleted (Delete of itself): a job per bridge deleting its posts' copies.
  void route_account_deletion(WriteBatch& batch, const Event& event);
  // Why a Create does not speak for its object (not attributed to its actor, or on another host).
  static std::optional<std::string> attribution_refusal(const Event& event);
  std::optional<Route> by_group(const std::string& group_id) const;
  std::optional<Route> by_bridge(const std::string& name) const;
  std::optional<Route> by_mirror_uri(const std::string& at_uri) const;  // an at-uri in a mirror's repo
  std::optional<Route> by_mirror_did(const std::string& did) const;
  std::optional<Route> by_mapped_ap(const std::string& ap_id) const;
  std::optional<Route> by_mapped_at(const std::string& at_uri) const;
  // A copy still queued or held: its bridge, and the event it will be made from.
  struct Pending {
    Route route;
    std::string event_id;
  };
  std::optional<Pending> pending(const std::string& native_id) const;
  // A fediverse Delete or Update of `target` whose copy is not made yet: honoured (a tombstone)
  // only from the author of what is queued.
  void change_before_crossing(WriteBatch& batch, const Event& event, const Pending& waiting, const std::string& target,
                              bool deleting);
  // Why a post sent straight to causeway may not cross on a bridge that follows a remote group.
  std::optional<std::string> direct_post_refusal(const Route& route, const Event& event) const;
  // Whether a Delete of `copy` (a fediverse copy causeway made) is the bridge's group removing it.
  static bool removed_by_group(const Route& route, const Event& remove_event, const BlueskyCopy& copy);
  static void mark_gone(WriteBatch& batch, const std::string& native_id, const std::string& author,
                        const std::string& event_id);

  // Records the decision about the event's activity and (unless told not to) its object.
  void decide(WriteBatch& batch, const Event& event, const std::string& bridge, Outcome outcome,
              const std::string& reason, bool about_object = true);
  void enqueue(WriteBatch& batch, const Event& event, const Route& route, const char* kind, JobOp op,
               const std::string& target);
  void count(const Event& event, const std::string& bridge, const char* outcome);

  const Config& config_;
  Store& store_;
  DeliveryQueue& queue_;
  Metrics& metrics_;
  RouterHooks hooks_;
  std::function<std::int64_t()> clock_;
  Decisions decisions_;
  Moderation moderation_;
  IdMap idmap_;
  EventLog events_;  // read only: the events of queued copies
  mutable std::mutex mu_;
  std::vector<Route> routes_;
};


}  // namespace causeway
