// The BridgeWriter for Bluesky (`bridge.to_bluesky` jobs): a fediverse group's posts, edits and deletes written to the
// bridge's mirror account with the XRPC client, and the reply controls the group's moderation sets
// (threadgates on root posts, hidden replies, the approved list: reply_control_writer.h). Record keys are derived from the event, so a job
// retried after a crash writes the same records again (the PDS keeps one); the id map and the
// decision are written in the same batch as the job's completion.
//
// A Delete can reach the router while a copy is being made (the item still looks queued, so the
// router leaves a tombstone instead of a delete job). The writer therefore checks the tombstone
// again after the records are made, holding the event log's ingest lock for the item until the job
// is settled, and removes what it just made when the author deleted it meanwhile.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bridge/base/metrics.h"
#include "bridge/bridge_writer.h"
#include "bridge/member_profile.h"
#include "bridge/decisions.h"
#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/router.h"
#include "config/config.h"
#include "protocols/atproto/post_record.h"
#include "protocols/atproto/post_render.h"
#include "protocols/atproto/reply_control_writer.h"
#include "protocols/atproto/xrpc_client.h"
#include "protocols/net/http_client.h"
#include "storage/secret_vault.h"
#include "storage/store.h"

namespace causeway::atproto {

struct MirrorWriterDeps {
  const Config& config;
  Store& store;
  EventLog& events;
  DeliveryQueue& queue;
  Router& router;
  Metrics& metrics;
  const HttpClient& http;
  const SecretVault& vault;
  std::function<std::int64_t()> clock;
  std::function<Result<MemberProfile>(const std::string& actor_id)> member_profile;
  // The DID of a bridged actor when `ap_id` is one of causeway's own (/ap/did:...).
  std::function<std::optional<std::string>(const std::string& ap_id)> bridged_did;
  // A followed remote group's announced post, fetched from its origin, as an Event.
  std::function<Result<Event, FetchFailure>(const std::string& object_id, const std::string& group_id)> fetch_post;
};

class MirrorWriter final : public BridgeWriter {
 public:
  explicit MirrorWriter(MirrorWriterDeps deps);

  const char* network() const override { return "atproto"; }
  StepOutcome write(LoadedJob& job, WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) override;
  // Whether the bridge's mirror account could not log in (shown by `status` and /metrics).
  bool failing(const std::string& bridge) const;
  // The bridge's logged-in client (shared with whatever else writes as the mirror account, so the
  // account has one session); nullptr with `error` set when it cannot log in.
  XrpcClient* client(const BridgeConfig& bridge, std::string& error) { return client_for(bridge, error); }

 private:
  // `settling` receives the ingest lock for the post's id once its records are made: the caller
  // keeps it until the job is settled, so no Delete can slip between the last check and the write.
  StepOutcome post(const BridgeConfig& bridge, XrpcClient& client, const Event& event, WriteBatch& batch,
                   std::optional<IngestLocks::Guard>& settling);
  // A followed group's announced post, once fetched: not made when its own id is already bridged,
  // on its way by another job, or deleted; otherwise recorded as queued under that id too, so a
  // Delete of it finds it on its way. Returns why not, or nullopt (and sets `note_story`).
  std::optional<StepOutcome> claim_fetched(const BridgeConfig& bridge, const Event& announce, const Event& fetched,
                                           bool& note_story);
  StepOutcome update(const BridgeConfig& bridge, XrpcClient& client, const Event& event, WriteBatch& batch);
  // A deleted fediverse account: every copy of its posts on this bridge's mirror account.
  StepOutcome remove_author(const BridgeConfig& bridge, XrpcClient& client, const LoadedJob& job, WriteBatch& batch);
  // An edit a followed group relayed: the post as its origin serves it now, then update().
  StepOutcome fetch_update(const BridgeConfig& bridge, XrpcClient& client, const Event& event, WriteBatch& batch);
  // The event's post fetched from its origin, for the group that announced or relayed it.
  Result<Event, FetchFailure> fetch(const Event& event);
  StepOutcome remove(const BridgeConfig& bridge, XrpcClient& client, const Event& event, WriteBatch& batch);
  StepOutcome from_error(const XrpcError& error, const std::string& bridge);
  // The post's parts as records, without reply refs and image blobs (the caller adds those).
  Result<RenderedPost> render(const BridgeConfig& bridge, const Event& event);
  // Uploads the images the renderer chose into the first part; a card when none could be.
  void attach_images(XrpcClient& client, const Event& event, RenderedPost& rendered,
                     std::vector<std::string>& notes);
  std::vector<ImageEmbed> upload_images(XrpcClient& client, const std::vector<Media>& media,
                                                 std::vector<std::string>& notes);
  XrpcClient* client_for(const BridgeConfig& bridge, std::string& error);
  void set_failing(const std::string& bridge, bool failing);
  // mirror.max_posts_per_hour: nullopt when a post may go now (a token is taken), else a wait
  // until one is due, said once in `why` of the waiting item.
  std::optional<StepOutcome> flood_gate(const BridgeConfig& bridge, const Event& event);
  struct Bucket {
    double tokens = -1;  // -1: full, not used yet
    std::int64_t at_us = 0;
  };
  std::mutex buckets_mu_;
  std::map<std::string, Bucket> buckets_;  // by bridge

  MirrorWriterDeps d_;
  IdMap idmap_;
  ReplyControlWriter controls_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<XrpcClient>> clients_;  // by bridge, logged in
  std::map<std::string, bool> failing_;
  mutable std::mutex failing_mu_;
};

}  // namespace causeway::atproto
