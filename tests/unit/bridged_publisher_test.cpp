// The bridged publisher (the BridgeWriter for the fediverse), run by the bridge worker, in-process with the real router, store, queue and outbox, and stand-ins for
// remote lookups: a Bluesky delete that comes while a reply's copy is being made (played in order:
// the test acts from inside the writer's lookup of the group's inbox) keeps the copy from going out.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "bridge/base/clock.h"
#include "bridge/daemon/bridged_actors.h"
#include "bridge/event_log.h"
#include "bridge/bridge_worker.h"
#include "bridge/router.h"
#include "protocols/activitypub/bridged_publisher.h"
#include "protocols/atproto/identity_resolver.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using nlohmann::json;

namespace {

constexpr const char* kFollowedGroup = "https://groups.example/c/news";
constexpr const char* kMirror = "did:plc:mirror";
constexpr const char* kBob = "did:plc:bob";

}  // namespace

TEST_CASE("a Bluesky delete that comes while the reply's copy is being made keeps the copy from going out",
          "[bridged publisher]") {
  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  Config config;
  BridgeConfig news;
  news.name = "news";
  news.fediverse.group = "@news@groups.example";
  news.bluesky = BlueskySide{parse_url("https://pds.example", "https").value(), "news.example", {}};
  config.bridges.push_back(news);
  DeliveryQueue queue{*db, now_us};
  Metrics metrics;
  EventLog log{*db};
  Router router(config, *db, queue, metrics, RouterHooks{}, now_us);
  router.set_group_id("news", kFollowedGroup);
  router.set_mirror_did("news", kMirror);
  log.set_observer([&](WriteBatch& batch, const Event& e) { router.route(batch, e); });
  auto store = [&](Event e) {
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us());
    REQUIRE(db->write(batch).ok());
    return e;
  };
  auto last = [&](const std::string& id) {
    auto d = router.decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? Decision{} : d->back();
  };

  activitypub::LocalActors actors(parse_url("https://bridge.example", "https").value());
  activitypub::Outbox outbox(*db, queue, actors, now_us);
  activitypub::SocialGraph social(*db);
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  atproto::IdentityResolver identities(*db, http, OutboundPolicy{true}, now_us);
  BridgedActors bridged(*db, actors, identities, http, now_us);
  // Bob's bridged actor is known already: no lookup on the network.
  REQUIRE(db->put(Family::local, std::string("person/") + kBob, json{{"handle", "bob.test"}, {"fetched_us", now_us()}}.dump(),
                  Durability::synced)
              .ok());

  const std::string uri = std::string("at://") + kBob + "/app.bsky.feed.post/3kreply";
  Event reply;
  reply.kind = EventKind::reply;
  reply.origin = {Network::atproto, uri, {Network::atproto, uri, "bafyreply"}, "app.bsky.feed.post"};
  reply.actor.id = kBob;
  NativeRef root{Network::atproto, std::string("at://") + kMirror + "/app.bsky.feed.post/3kroot", "bafyroot"};
  reply.thread = {root, root};
  reply.content.text = "a reply from Bluesky";
  reply = store(reply);
  REQUIRE(last(uri).describe() == "queued for delivery: reply");

  Event del;
  del.kind = EventKind::remove;
  del.origin = {Network::atproto, uri, {Network::atproto, uri, ""}, ""};
  del.subject = NativeRef{Network::atproto, uri, ""};
  del.actor.id = kBob;
  bool deleted = false;
  auto recipient = [&](const std::string& actor) -> Result<activitypub::Follower> {
    // Bob deletes the post while the writer is making its copy.
    if (!deleted) {
      deleted = true;
      store(del);
    }
    return activitypub::Follower{actor, actor + "/inbox", "", "", 0};
  };

  activitypub::BridgedPublisher writer(activitypub::BridgedPublisherDeps{
      config, *db, log, queue, router, metrics, actors, outbox, social,
      [&bridged](const std::string& did) { return bridged.ensure(did); },
      [&bridged](const std::string& did, const std::string& cid) { return bridged.blob_url(did, cid); }, now_us,
      recipient});
  BridgeWorker worker(BridgeWorkerDeps{config, *db, log, queue, router.decisions(), metrics, now_us}, kToFediverseJob,
                      writer);
  worker.start();
  for (int i = 0; i < 2000 && (last(uri).event_id != reply.id || last(uri).outcome == Outcome::queued); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  worker.stop();

  CHECK(deleted);
  CHECK(last(uri).describe() == "not bridged: deleted while its copy was being made; the copy was not sent");
  std::size_t deliveries = 0;
  REQUIRE(queue.for_each_queued([&](const Job& job) { deliveries += job.kind == activitypub::kDeliverJob; }).ok());
  CHECK(deliveries == 0);
  auto ap = IdMap(*db).ap_id(uri);
  REQUIRE(ap.ok());
  CHECK_FALSE(ap->has_value());
}
