// The router's policy, in-process with a real store and stand-ins for the adapters' answers: which
// events cross, which wait for an operator, and the reason left for everything that does not.
#include <catch2/catch.hpp>

#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/router.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

constexpr const char* kGroup = "https://bridge.example/ap/group/townhall";
constexpr const char* kMirror = "did:plc:mirror";

Config one_bridge(BlueskyPosting posting) {
  Config config;
  BridgeConfig b;
  b.name = "townhall";
  b.fediverse.host = HostedGroupConfig{"townhall", "Town Hall", "", false};
  b.bluesky = BlueskySide{*parse_url("https://pds.example", "https"), "townhall.example", {}};
  b.bluesky_posting = posting;
  b.blocked.domains = {"spam.example"};
  b.blocked.dids = {"did:plc:troll"};
  config.bridges.push_back(b);
  return config;
}

struct Fixture {
  explicit Fixture(BlueskyPosting posting = BlueskyPosting::open) : config(one_bridge(posting)) {
    router.set_group_id("townhall", kGroup);
    router.set_mirror_did("townhall", kMirror);
    log.set_observer([this](WriteBatch& batch, const Event& e) { router.route(batch, e); });
  }

  // Stores the event as an adapter would; the router decides in the same batch.
  Event store(Event e) {
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us);
    REQUIRE(db->write(batch).ok());
    return e;
  }
  std::vector<Job> jobs(const std::string& kind) {
    auto claimed = queue.claim_due(100, kind);
    REQUIRE(claimed.ok());
    return *claimed;
  }
  std::string last(const std::string& id) {
    auto d = router.decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? "" : d->back().describe();
  }

  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  std::int64_t now_us = 1'700'000'000'000'000;
  Config config;  // before the router, which reads its bridges once
  DeliveryQueue queue{*db, [this] { return now_us; }};
  Metrics metrics;
  std::set<std::string> members = {"https://social.example/users/alice"};
  Router router{config, *db, queue, metrics,
                RouterHooks{[this](const std::string& group, const std::string& actor) {
                              return group == kGroup && members.count(actor) > 0;
                            },
                            [](const std::string& id) { return id.rfind("https://bridge.example/ap/", 0) == 0; }},
                [this] { return now_us; }};
  EventLog log{*db};
};

Event member_post(const std::string& id, const std::string& actor = "https://social.example/users/alice") {
  Event e;
  e.kind = EventKind::post;
  e.origin = {Network::activitypub, id + "/activity", {Network::activitypub, id, ""}, "Note"};
  e.actor.id = actor;
  e.audience = {Visibility::public_, kGroup};
  return e;
}

Event bluesky_reply(const std::string& author, const std::string& rkey) {
  Event e;
  e.kind = EventKind::reply;
  std::string uri = "at://" + author + "/app.bsky.feed.post/" + rkey;
  e.origin = {Network::atproto, uri, {Network::atproto, uri, "bafyreply"}, "app.bsky.feed.post"};
  e.actor.id = author;
  NativeRef root{Network::atproto, std::string("at://") + kMirror + "/app.bsky.feed.post/3kroot", "bafyroot"};
  e.thread = {root, root};
  return e;
}

}  // namespace

TEST_CASE("a member's public post to the group is queued for Bluesky", "[router]") {
  Fixture f;
  Event e = f.store(member_post("https://social.example/notes/1"));
  auto jobs = f.jobs(kToBlueskyJob);
  REQUIRE(jobs.size() == 1);
  auto bj = decode_bridge_job(jobs[0].payload);
  REQUIRE(bj);
  CHECK(bj->event_id == e.id);
  CHECK(bj->op == "post");
  CHECK(f.last("https://social.example/notes/1") == "queued for delivery: post");
}

TEST_CASE("what may not cross is not queued, and says why", "[router]") {
  Fixture f;
  Event followers = member_post("https://social.example/notes/2");
  followers.audience.visibility = Visibility::followers_only;
  f.store(followers);
  Event poll = member_post("https://social.example/notes/3");
  poll.origin.object_type = "Question";
  f.store(poll);
  f.store(member_post("https://social.example/notes/4", "https://social.example/users/stranger"));
  f.store(member_post("https://spam.example/notes/5", "https://spam.example/users/bot"));
  f.store(member_post("https://bridge.example/ap/did:plc:bob/app.bsky.feed.post/x", "https://bridge.example/ap/did:plc:bob"));
  Event elsewhere = member_post("https://social.example/notes/6");
  elsewhere.audience.group = "";
  f.store(elsewhere);

  CHECK(f.jobs(kToBlueskyJob).empty());
  CHECK(f.last("https://social.example/notes/2") == "not bridged: followers-only");
  CHECK(f.last("https://social.example/notes/3") == "not bridged: polls cannot be represented on Bluesky");
  CHECK(f.last("https://social.example/notes/4") == "not bridged: the author is not a member of the group");
  CHECK(f.last("https://spam.example/notes/5") == "not bridged: author's domain blocked: spam.example");
  CHECK(f.last("https://bridge.example/ap/did:plc:bob/app.bsky.feed.post/x") ==
        "not bridged: written by causeway itself (loop prevention)");
  CHECK(f.last("https://social.example/notes/6").empty());  // not about any bridge: nothing to say
}

TEST_CASE("Bluesky replies in a mirrored thread are queued for the group, the mirror's own and blocked ones are not",
          "[router]") {
  Fixture f;
  f.store(bluesky_reply("did:plc:bob", "3kbob"));
  f.store(bluesky_reply(kMirror, "3kself"));
  f.store(bluesky_reply("did:plc:troll", "3ktroll"));
  auto jobs = f.jobs(kToFediverseJob);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].target == kGroup);
  CHECK(decode_bridge_job(jobs[0].payload)->op == "reply");
  CHECK(f.last(std::string("at://") + kMirror + "/app.bsky.feed.post/3kself") ==
        "not bridged: written by causeway itself (the mirror account)");
  CHECK(f.last("at://did:plc:troll/app.bsky.feed.post/3ktroll") == "not bridged: account blocked: did:plc:troll");
}

TEST_CASE("with approval, replies wait for the operator, approval queues them, denial drops later ones", "[router]") {
  Fixture f(BlueskyPosting::approved);
  f.store(bluesky_reply("did:plc:bob", "3k1"));
  f.store(bluesky_reply("did:plc:bob", "3k2"));
  CHECK(f.jobs(kToFediverseJob).empty());
  CHECK(f.last("at://did:plc:bob/app.bsky.feed.post/3k1").rfind("held: waiting for an operator", 0) == 0);
  auto held = f.router.moderation().held("townhall");
  REQUIRE(held.ok());
  REQUIRE(held->size() == 1);
  CHECK((*held)[0].did == "did:plc:bob");
  CHECK((*held)[0].event_ids.size() == 2);

  WriteBatch batch = f.db->batch();
  auto released = f.router.moderation().approve(batch, f.queue, "townhall", "did:plc:bob");
  REQUIRE(released.ok());
  REQUIRE(f.db->write(batch).ok());
  CHECK(released->size() == 2);
  CHECK(f.jobs(kToFediverseJob).size() == 2);
  f.store(bluesky_reply("did:plc:bob", "3k3"));  // approved from now on
  CHECK(f.jobs(kToFediverseJob).size() == 1);

  WriteBatch deny = f.db->batch();
  REQUIRE(f.router.moderation().deny(deny, "townhall", "did:plc:carol").ok());
  REQUIRE(f.db->write(deny).ok());
  f.store(bluesky_reply("did:plc:carol", "3k4"));
  CHECK(f.last("at://did:plc:carol/app.bsky.feed.post/3k4") == "not bridged: the author was denied by an operator");
  CHECK(f.jobs(kToFediverseJob).empty());
}

TEST_CASE("only a post's author may edit or delete its copy, a delete before the copy stops it", "[router]") {
  Fixture f;
  BlueskyCopy copy;
  copy.bridge = "townhall";
  copy.kind = "post";
  copy.author = "https://social.example/users/alice";
  copy.records = {{"at://did:plc:mirror/app.bsky.feed.post/3kcopy", "bafycopy"}};
  {
    WriteBatch batch = f.db->batch();
    IdMap(*f.db).link(batch, "https://social.example/notes/1", copy);
    REQUIRE(f.db->write(batch).ok());
  }
  Event forged;
  forged.kind = EventKind::remove;
  forged.origin = {Network::activitypub, "https://evil.example/delete/1", {Network::activitypub, "https://social.example/notes/1", ""}, ""};
  forged.subject = NativeRef{Network::activitypub, "https://social.example/notes/1", ""};
  forged.actor.id = "https://evil.example/users/mallory";
  f.store(forged);
  CHECK(f.jobs(kToBlueskyJob).empty());
  CHECK(f.last("https://evil.example/delete/1") ==
        "not bridged: only its author may edit or delete it; this came from https://evil.example/users/mallory");

  Event real = forged;
  real.origin.activity_id = "https://social.example/notes/1#delete";
  real.actor.id = "https://social.example/users/alice";
  f.store(real);
  auto jobs = f.jobs(kToBlueskyJob);
  REQUIRE(jobs.size() == 1);
  CHECK(decode_bridge_job(jobs[0].payload)->op == "delete");

  // A post still on its way, deleted: its copy must never be made, and the same post coming in a
  // second time is not queued twice.
  f.store(member_post("https://social.example/notes/2"));
  Event again = member_post("https://social.example/notes/2");
  again.origin.activity_id = "https://group.example/announce/2";
  f.store(again);
  CHECK(f.last("https://group.example/announce/2") == "not bridged: already on its way");
  CHECK(f.last("https://social.example/notes/2") == "queued for delivery: post");
  Event early = real;
  early.origin.activity_id = "https://social.example/notes/2#delete";
  early.subject = NativeRef{Network::activitypub, "https://social.example/notes/2", ""};
  f.store(early);
  CHECK(f.last("https://social.example/notes/2#delete") == "not bridged: deleted before it crossed; its copy will not be made");
  CHECK(Router::gone(*f.db, "https://social.example/notes/2"));
}

TEST_CASE("an item held just as its author was approved is queued by the next settling", "[router]") {
  Fixture f(BlueskyPosting::approved);
  {
    WriteBatch batch = f.db->batch();  // the operator approves bob before anything is held
    REQUIRE(f.router.moderation().approve(batch, f.queue, "townhall", "did:plc:bob").ok());
    REQUIRE(f.db->write(batch).ok());
  }
  // As if routed in the instant before the verdict was written: held regardless.
  Event e = bluesky_reply("did:plc:bob", "3klate");
  e.id = "late";
  {
    WriteBatch batch = f.db->batch();
    f.router.moderation().hold(batch, "townhall", "did:plc:bob", e.id, Job{"late.townhall", kToFediverseJob, kGroup, "{}", 0, 0, 0, ""});
    REQUIRE(f.db->write(batch).ok());
  }
  WriteBatch batch = f.db->batch();
  auto settled = f.router.moderation().settle_decided(batch, f.queue, "townhall");
  REQUIRE(settled.ok());
  REQUIRE(f.db->write(batch).ok());
  CHECK(*settled == 1);
  CHECK(f.jobs(kToFediverseJob).size() == 1);
  CHECK(f.router.moderation().held("townhall")->empty());
}
