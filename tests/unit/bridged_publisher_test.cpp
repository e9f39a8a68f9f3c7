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

// The real store, queue, router, outbox and bridged actors of one followed-group bridge, with the
// publisher run by the bridge worker; `recipient` stands in for fetching a remote actor's inbox.
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  Config config;
  DeliveryQueue queue{*db, now_us};
  Metrics metrics;
  EventLog log{*db};
  std::unique_ptr<Router> router;
  activitypub::LocalActors actors{parse_url("https://bridge.example", "https").value()};
  activitypub::Outbox outbox{*db, queue, actors, now_us};
  activitypub::SocialGraph social{*db};
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  atproto::IdentityResolver identities{*db, http, OutboundPolicy{true}, now_us};
  BridgedActors bridged{*db, actors, identities, http, now_us};
  std::function<Result<activitypub::Follower>(const std::string&)> recipient = [](const std::string& actor) {
    return Result<activitypub::Follower>(activitypub::Follower{actor, actor + "/inbox", "", "", 0});
  };

  Fixture() {
    BridgeConfig news;
    news.name = "news";
    news.fediverse.group = "@news@groups.example";
    news.bluesky = BlueskySide{parse_url("https://pds.example", "https").value(), "news.example", {}};
    config.bridges.push_back(news);
    router = std::make_unique<Router>(config, *db, queue, metrics, RouterHooks{}, now_us);
    router->set_group_id("news", kFollowedGroup);
    router->set_mirror_did("news", kMirror);
    log.set_observer([this](WriteBatch& batch, const Event& e) { router->route(batch, e); });
    // Bob's bridged actor is known already: no lookup on the network.
    REQUIRE(db->put(Family::local, std::string("person/") + kBob, json{{"handle", "bob.test"}, {"fetched_us", now_us()}}.dump(),
                    Durability::synced)
                .ok());
  }
  Event store(Event e) {
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us());
    REQUIRE(db->write(batch).ok());
    return e;
  }
  Decision last(const std::string& id) {
    auto d = router->decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? Decision{} : d->back();
  }
  // Runs the publisher until `id`'s story has moved on from `event_id` being queued.
  void run_until_decided(const std::string& id, const std::string& event_id) {
    activitypub::BridgedPublisher writer(activitypub::BridgedPublisherDeps{
        config, *db, log, queue, *router, metrics, actors, outbox, social,
        [this](const std::string& did) { return bridged.ensure(did); },
        [this](const std::string& did, const std::string& cid) { return bridged.blob_url(did, cid); }, now_us,
        [this](const std::string& actor) { return recipient(actor); }});
    BridgeWorker worker(BridgeWorkerDeps{config, *db, log, queue, router->decisions(), metrics, now_us}, kToFediverseJob,
                        writer);
    worker.start();
    for (int i = 0; i < 2000 && (last(id).event_id != event_id || last(id).outcome == Outcome::queued); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    worker.stop();
  }
  json note(const std::string& note_id) {
    auto o = outbox.object(note_id);
    REQUIRE(o.ok());
    REQUIRE(o->has_value());
    return **o;
  }
};

// Bob's reply in the mirror's thread, as the firehose gives it.
Event bob_post(EventKind kind, const std::string& text, const std::string& cid) {
  const std::string uri = std::string("at://") + kBob + "/app.bsky.feed.post/3kreply";
  Event e;
  e.kind = kind;
  e.origin = {Network::atproto, uri, {Network::atproto, uri, cid}, "app.bsky.feed.post"};
  e.actor.id = kBob;
  NativeRef root{Network::atproto, std::string("at://") + kMirror + "/app.bsky.feed.post/3kroot", "bafyroot"};
  e.thread = {root, root};
  e.content.text = text;
  return e;
}

}  // namespace

TEST_CASE("a Bluesky delete that comes while the reply's copy is being made keeps the copy from going out",
          "[bridged publisher]") {
  Fixture f;
  Event reply = f.store(bob_post(EventKind::reply, "a reply from Bluesky", "bafyreply"));
  const std::string uri = reply.origin.object.id;
  REQUIRE(f.last(uri).describe() == "queued for delivery: reply");

  Event del;
  del.kind = EventKind::remove;
  del.origin = {Network::atproto, uri, {Network::atproto, uri, ""}, ""};
  del.subject = NativeRef{Network::atproto, uri, ""};
  del.actor.id = kBob;
  bool deleted = false;
  f.recipient = [&](const std::string& actor) -> Result<activitypub::Follower> {
    // Bob deletes the post while the writer is making its copy.
    if (!deleted) {
      deleted = true;
      f.store(del);
    }
    return activitypub::Follower{actor, actor + "/inbox", "", "", 0};
  };
  f.run_until_decided(uri, reply.id);

  CHECK(deleted);
  CHECK(f.last(uri).describe() == "not bridged: deleted while its copy was being made; the copy was not sent");
  std::size_t deliveries = 0;
  REQUIRE(f.queue.for_each_queued([&](const Job& job) { deliveries += job.kind == activitypub::kDeliverJob; }).ok());
  CHECK(deliveries == 0);
  auto ap = IdMap(*f.db).ap_id(uri);
  REQUIRE(ap.ok());
  CHECK_FALSE(ap->has_value());
}

TEST_CASE("a Bluesky edit updates the Note in its place, and a late retry of an older edit does not undo a newer one",
          "[bridged publisher]") {
  Fixture f;
  // The group's post that bob answers is on the fediverse: his Note answers it.
  const std::string group_post = "https://groups.example/post/1";
  {
    WriteBatch batch = f.db->batch();
    BlueskyCopy mirrored;
    mirrored.bridge = "news";
    mirrored.kind = CopyKind::post;
    mirrored.author = "https://groups.example/u/alice";
    mirrored.records = {StrongRef{std::string("at://") + kMirror + "/app.bsky.feed.post/3kroot", "bafyroot"}};
    mirrored.root = mirrored.records.front();
    IdMap(*f.db).link(batch, group_post, mirrored);
    REQUIRE(f.db->write(batch).ok());
  }
  Event reply = f.store(bob_post(EventKind::reply, "first words", "bafyv1"));
  const std::string uri = reply.origin.object.id;
  f.run_until_decided(uri, reply.id);
  auto note_id = IdMap(*f.db).ap_id(uri);
  REQUIRE(note_id.ok());
  REQUIRE(note_id->has_value());
  CHECK(f.note(**note_id)["inReplyTo"] == group_post);

  Event older = bob_post(EventKind::update, "second words", "bafyv2");
  older.received_at_us = now_us() - 120'000'000;  // reached causeway two minutes ago; its job failed then
  Event newer = f.store(bob_post(EventKind::update, "third words", "bafyv3"));
  f.run_until_decided(uri, newer.id);
  json shown = f.note(**note_id);
  CHECK(shown["content"].get<std::string>().find("third words") != std::string::npos);
  CHECK(shown["inReplyTo"] == group_post);  // still answers what it answered
  CHECK(shown["attributedTo"] == f.actors.origin() + "/ap/" + kBob);
  CHECK(shown.contains("updated"));
  auto copy = IdMap(*f.db).bluesky_copy(**note_id);
  REQUIRE(copy.ok());
  CHECK((*copy)->records.front().cid == "bafyv3");

  // The older edit's job runs again, after the newer one: it is refused, the Note stays.
  WriteBatch batch = f.db->batch();
  f.log.append(batch, older, older.received_at_us);
  REQUIRE(f.db->write(batch).ok());
  f.run_until_decided(uri, older.id);
  CHECK(f.last(uri).describe() == "not bridged: a newer edit of it is already shown");
  CHECK(f.note(**note_id)["content"].get<std::string>().find("third words") != std::string::npos);
}
