// The BridgeWriter for the fediverse (`bridge.to_fediverse` jobs): Bluesky replies, mentions, likes, reposts and their deletes
// brought into the group as activities of bridged actors. A reply becomes a Create(Note) in reply
// to the original fediverse post, addressed to the group and the parent's author; a group hosted
// here Announces it to its members (FEP-1b12), a remote group gets it at its inbox. Activity ids
// are derived from the Bluesky record, so a retried job publishes the same ids again (receivers
// dedupe); the id map and the decision are written in the job's completing batch. A delete that
// came while a copy was being made (the router saw it queued and left a tombstone) is checked for
// again before the job settles, under the event log's ingest lock for the record; the copy is then
// not sent.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/base/metrics.h"
#include "bridge/bridge_writer.h"
#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/router.h"
#include "config/config.h"
#include "protocols/activitypub/local_actors.h"
#include "protocols/activitypub/note_render.h"
#include "protocols/activitypub/outbox.h"
#include "protocols/activitypub/remote_group.h"
#include "protocols/activitypub/social_graph.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct BridgedPublisherDeps {
  const Config& config;
  Store& store;
  EventLog& events;
  DeliveryQueue& queue;
  Router& router;
  Metrics& metrics;
  LocalActors& actors;
  Outbox& outbox;
  SocialGraph& social;
  // The bridged actor of a Bluesky account (made or refreshed as needed), and where that
  // account's blobs are served ("" when unknown): the daemon wires the atproto side in.
  std::function<Result<const LocalActor*>(const std::string& did)> bridged_actor;
  std::function<std::string(const std::string& did, const std::string& cid)> blob_url;
  std::function<std::int64_t()> clock;
  // Where to deliver to a remote actor (its inbox and shared inbox), fetched through the guard.
  std::function<Result<Follower>(const std::string& actor_id)> recipient;
  // The fediverse actor id of "user@host" (WebFinger), for mentions of Bridgy Fed's bridged
  // fediverse accounts; empty: such mentions link to their Bluesky profile.
  std::function<std::optional<std::string>(const std::string& acct)> fediverse_actor = {};
  // What a bridge's followed group is (community, forum, boost; locked or not); empty or nullopt:
  // treated as a community (addressed, not mentioned).
  std::function<std::optional<RemoteGroup>(const std::string& bridge)> remote_group = {};
};

class BridgedPublisher final : public BridgeWriter {
 public:
  explicit BridgedPublisher(BridgedPublisherDeps deps);

  const char* network() const override { return "activitypub"; }
  StepOutcome write(LoadedJob& job, WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) override;
  // Items held in the same instant their author was approved or denied are settled on idle.
  void idle() override;

 private:
  StepOutcome reply(const BridgeConfig& bridge, const Event& event, WriteBatch& batch);
  // A Bluesky post brought over, edited on Bluesky (putRecord): an Update of its Note.
  StepOutcome update(const BridgeConfig& bridge, const Event& event, WriteBatch& batch);
  StepOutcome react(const BridgeConfig& bridge, const Event& event, bool like, WriteBatch& batch);
  StepOutcome remove(const BridgeConfig& bridge, const Event& event, WriteBatch& batch);
  // Sends `activity` from `from` to the group: announced to the members of a group hosted here
  // (and, with `to_members`, sent to them directly too), delivered to the inbox of a followed one;
  // and to `extra` recipients.
  Status publish_to_group(WriteBatch& batch, const BridgeConfig& bridge, const LocalActor& from,
                          const nlohmann::json& activity, const std::vector<std::string>& extra_actors,
                          bool to_members = false);
  std::string group_id(const BridgeConfig& bridge) const;
  // Why a followed group will not take activities from `from`: it rejected the bridge, or blocks
  // that actor (or the bridge's service actor). Groups hosted here decide through the config.
  // The bridged actor the event's Bluesky author speaks as: retry when it cannot be made now,
  // give up when the account is blocked.
  Result<const LocalActor*, StepOutcome> sender(const BridgeConfig& bridge, const Event& event);
  // The accounts `named` (the rendered post's recipients) that can be reached now; the parent's
  // author always, so the reply or edit is held back only for them.
  std::vector<std::string> reachable(const std::vector<std::string>& named, const std::string& parent_author,
                                     const std::string& note_id);
  std::optional<std::string> group_refuses(const BridgeConfig& bridge, const LocalActor& from) const;
  // How the Note must name and address the bridge's followed group for it to pass it on.
  void address_group(const BridgeConfig& bridge, NoteContext& context) const;
  // A locked boost group passes on only its followers' posts: `from` follows it first, and its
  // post waits for the Accept (a day at most). nullopt: go ahead.
  std::optional<StepOutcome> await_group_follow(const BridgeConfig& bridge, const LocalActor& from, const Event& event);
  // The lookups the Note renderer asks: mentioned accounts, quoted posts, blobs.
  NoteContext note_context(const Event& event);
  bool handle_blocked(const BridgeConfig& bridge, const std::string& handle) const;

  BridgedPublisherDeps d_;
  IdMap idmap_;
};

}  // namespace causeway::activitypub
