// Publishing an activity from a local actor: it is stored so its id dereferences, appended to the
// actor's outbox, and one delivery job is queued per distinct inbox — all in the caller's write
// batch. Recipients are grouped by their own hosts: a server's shared inbox gets one delivery for
// all its users who name it, and a shared inbox on another host than its actor's is ignored (that
// actor gets its personal inbox), so no follower can divert another server's deliveries.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/delivery_queue.h"
#include "protocols/activitypub/local_actors.h"
#include "protocols/activitypub/social_graph.h"
#include "storage/store.h"

namespace causeway::activitypub {

inline constexpr const char* kDeliverJob = "ap.deliver";

// What a delivery job carries: the activity and whose key signs it. A group's Announce of a post
// comes in two bodies, and which one a server gets is chosen when it is delivered, from the
// software it runs (peer_software.h): so the choice needs no fetch while the activity is being
// stored, and a restart or retry still sends each server the body meant for it.
struct DeliveryPayload {
  std::string actor_key;
  std::string activity;  // JSON text, sent as is (to every server when `boost` is empty)
  std::string boost;     // JSON text: the Announce of the post by id, for Mastodon-style servers
};
std::string encode_payload(const DeliveryPayload& payload);
std::optional<DeliveryPayload> decode_payload(std::string_view text);

// Where to deliver to `recipient`: its shared inbox when that is on the recipient's own host (the
// host of its actor id), its personal inbox otherwise; "" when it has neither.
std::string delivery_inbox(const Follower& recipient);

class Outbox {
 public:
  using Clock = std::function<std::int64_t()>;

  Outbox(Store& store, DeliveryQueue& queue, const LocalActors& actors, Clock clock)
      : store_(store), queue_(queue), actors_(actors), clock_(std::move(clock)) {}

  // `boost` (a group's Announce of the post by id) is stored and carried beside `activity`; each
  // server gets one of the two. The group's outbox lists `activity`.
  void publish(WriteBatch& batch, const LocalActor& from, const nlohmann::json& activity,
               const std::vector<Follower>& recipients, const nlohmann::json* boost = nullptr);

  // A stored object or activity published here, by its id.
  Result<std::optional<nlohmann::json>> object(const std::string& id) const;
  // Ids of the actor's published activities, newest first (up to `max`).
  Result<std::vector<std::string>> activity_ids(const LocalActor& actor, std::size_t max = 1000) const;

 private:
  Store& store_;
  DeliveryQueue& queue_;
  const LocalActors& actors_;
  Clock clock_;
};

}  // namespace causeway::activitypub
