// The router's policy, in-process with a real store and stand-ins for the adapters' answers: which
// events cross, which wait for an operator, and the reason left for everything that does not.
#include <catch2/catch.hpp>

#include "tests/unit/router_fixture.h"

using namespace causeway;
using namespace causeway::testing::routing;

TEST_CASE("a member's public post to the group is queued for Bluesky", "[router]") {
  Fixture f;
  Event e = f.store(member_post("https://social.example/notes/1"));
  auto jobs = f.jobs(kToBlueskyJob);
  REQUIRE(jobs.size() == 1);
  auto bj = decode_bridge_job(jobs[0].payload);
  REQUIRE(bj);
  CHECK(bj->event_id == e.id);
  CHECK(bj->op == JobOp::post);
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
  CHECK(decode_bridge_job(jobs[0].payload)->op == JobOp::reply);
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
  copy.kind = CopyKind::post;
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
  CHECK(decode_bridge_job(jobs[0].payload)->op == JobOp::remove);

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
  CHECK(Router::gone(*f.db, "https://social.example/notes/2", kAlice));
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

namespace {

Event fediverse_change(EventKind kind, const std::string& target, const std::string& actor, const std::string& n) {
  Event e;
  e.kind = kind;
  std::string host = actor.substr(0, actor.find("/users/"));
  e.origin = {Network::activitypub, host + "/activities/" + n, {Network::activitypub, target, ""},
              kind == EventKind::update ? "Note" : "", kind == EventKind::update ? actor : ""};
  if (kind == EventKind::remove) e.subject = NativeRef{Network::activitypub, target, ""};
  e.actor.id = actor;
  return e;
}

Event direct_reply(const std::string& id, const std::string& actor, const std::string& parent) {
  Event e = member_post(id, actor);
  e.kind = EventKind::reply;
  e.audience.group = "";
  e.thread.parent = NativeRef{Network::activitypub, parent, ""};
  return e;
}

}  // namespace

TEST_CASE("a Delete or Update from someone else leaves a queued post alone, its author's Delete stops it", "[router]") {
  Fixture f;
  const std::string note = "https://social.example/notes/20";
  f.store(member_post(note));
  f.store(fediverse_change(EventKind::remove, note, kMallory, "d1"));
  CHECK(f.last("https://evil.example/activities/d1") ==
        "not bridged: only its author may edit or delete it; this came from https://evil.example/users/mallory");
  f.store(fediverse_change(EventKind::update, note, kMallory, "u1"));
  CHECK(f.last("https://evil.example/activities/u1") ==
        "not bridged: only its author may edit or delete it; this came from https://evil.example/users/mallory");
  // A member of the same server is not its author either.
  f.store(fediverse_change(EventKind::remove, note, "https://social.example/users/bob", "d2"));
  CHECK(f.last("https://social.example/activities/d2").rfind("not bridged: only its author may", 0) == 0);
  CHECK(f.last(note) == "queued for delivery: post");
  CHECK_FALSE(Router::gone(*f.db, note, kMallory));
  CHECK_FALSE(Router::gone(*f.db, note, kAlice));
  CHECK(f.jobs(kToBlueskyJob).size() == 1);  // the post's own job, nothing else

  // Its author edits it, then deletes it: the edit does not hide that it is still on its way.
  f.store(fediverse_change(EventKind::update, note, kAlice, "u2"));
  CHECK(f.last("https://social.example/activities/u2") ==
        "not bridged: edited before it crossed; the version already on its way goes");
  f.store(fediverse_change(EventKind::remove, note, kAlice, "d3"));
  CHECK(f.last("https://social.example/activities/d3") == "not bridged: deleted before it crossed; its copy will not be made");
  CHECK(Router::gone(*f.db, note, kAlice));
}

TEST_CASE("a post still to be fetched from a followed group can be deleted only from its own server, by its author",
          "[router]") {
  Fixture f;
  const std::string note = "https://social.example/notes/30";
  Event announce;
  announce.kind = EventKind::repost;
  announce.origin = {Network::activitypub, "https://groups.example/g/news/announce/30", {Network::activitypub, note, ""}, ""};
  announce.subject = NativeRef{Network::activitypub, note, ""};
  announce.actor.id = kFollowedGroup;
  f.store(announce);
  CHECK(f.last(note) == "queued for delivery: fetch_post");

  f.store(fediverse_change(EventKind::remove, note, kMallory, "d1"));
  CHECK(f.last("https://evil.example/activities/d1").rfind("not bridged: only its author may", 0) == 0);
  CHECK_FALSE(Router::gone(*f.db, note, kMallory));
  // Someone on its server: its author is known only once it is fetched, so the tombstone is that
  // deleter's, and counts only if the fetched post turns out to be theirs.
  f.store(fediverse_change(EventKind::remove, note, kAlice, "d2"));
  CHECK(f.last("https://social.example/activities/d2") ==
        "not bridged: deleted before it crossed; its copy will not be made if https://social.example/users/alice wrote it");
  CHECK(Router::gone(*f.db, note, kAlice));
  CHECK_FALSE(Router::gone(*f.db, note, "https://social.example/users/bob"));
  CHECK(f.last(note) == "queued for delivery: fetch_post");
}

TEST_CASE("a Bluesky delete is honoured only from the repo that wrote the record, also while its copy is queued",
          "[router]") {
  Fixture f;
  Event reply = f.store(bluesky_reply("did:plc:bob", "3kq"));
  const std::string uri = reply.origin.object.id;
  CHECK(f.last(uri) == "queued for delivery: reply");
  Event forged;
  forged.kind = EventKind::remove;
  forged.origin = {Network::atproto, "at://did:plc:troll/app.bsky.feed.post/3kz", {Network::atproto, uri, ""}, ""};
  forged.subject = NativeRef{Network::atproto, uri, ""};
  forged.actor.id = "did:plc:troll";
  f.store(forged);
  CHECK(f.last("at://did:plc:troll/app.bsky.feed.post/3kz") ==
        "not bridged: only its author may edit or delete it; this came from did:plc:troll");
  CHECK(f.last(uri) == "queued for delivery: reply");
  CHECK_FALSE(Router::gone(*f.db, uri, "did:plc:troll"));

  Event real;
  real.kind = EventKind::remove;
  real.origin = {Network::atproto, uri, {Network::atproto, uri, ""}, ""};
  real.subject = NativeRef{Network::atproto, uri, ""};
  real.actor.id = "did:plc:bob";
  f.store(real);
  CHECK(f.last(uri) == "not bridged: deleted before it crossed; its copy will not be made");
  CHECK(Router::gone(*f.db, uri, "did:plc:bob"));
}

TEST_CASE("a member's Create of an object attributed to someone else, or to nobody, or kept elsewhere is not bridged",
          "[router]") {
  Fixture f;
  Event other = member_post("https://social.example/notes/40");
  other.origin.object_author = "https://social.example/users/bob";
  f.store(other);
  CHECK(f.last("https://social.example/notes/40") ==
        "not bridged: its object is attributed to https://social.example/users/bob, not to the actor "
        "https://social.example/users/alice");
  Event nobody = member_post("https://social.example/notes/41");
  nobody.origin.object_author = "";
  f.store(nobody);
  CHECK(f.last("https://social.example/notes/41").rfind("not bridged: its object names no author (attributedTo)", 0) == 0);
  // An object on another server: said of the activity, never as that object's own story.
  Event elsewhere = member_post("https://other.example/notes/42");
  elsewhere.origin.activity_id = "https://social.example/activities/42";
  f.store(elsewhere);
  CHECK(f.last("https://social.example/activities/42") ==
        "not bridged: its object https://other.example/notes/42 is not on the server of its actor "
        "https://social.example/users/alice");
  CHECK(f.last("https://other.example/notes/42").empty());
  CHECK(f.jobs(kToBlueskyJob).empty());
}

TEST_CASE("members.fediverse_replies decides which replies sent straight to causeway cross in a followed group's thread",
          "[router]") {
  Fixture f;
  const std::string thread = "https://social.example/notes/50";
  f.mirrored(thread, "news", kAlice);
  const std::string carol = "https://social.example/users/carol";

  // via_group, the default: nothing sent straight crosses, but the group's own words do.
  f.store(direct_reply("https://social.example/notes/51", carol, thread));
  CHECK(f.last("https://social.example/notes/51") ==
        "not bridged: sent to causeway directly, not announced by the group (members.fediverse_replies: via_group)");
  f.store(direct_reply("https://groups.example/g/news/notes/52", kFollowedGroup, thread));
  CHECK(f.last("https://groups.example/g/news/notes/52") == "queued for delivery: post");

  f.config.bridges[1].fediverse_replies = FediverseReplies::members;
  f.store(direct_reply("https://social.example/notes/53", carol, thread));
  CHECK(f.last("https://social.example/notes/53") ==
        "not bridged: sent to causeway directly by https://social.example/users/carol, whom the group never announced "
        "(members.fediverse_replies: members)");
  {
    WriteBatch batch = f.db->batch();
    f.router.moderation().add_announced_author(batch, "news", carol, "e1");
    REQUIRE(f.db->write(batch).ok());
  }
  f.store(direct_reply("https://social.example/notes/54", carol, thread));
  CHECK(f.last("https://social.example/notes/54") == "queued for delivery: post");
  CHECK_FALSE(f.router.moderation().was_announced("townhall", carol));  // per bridge

  f.config.bridges[1].fediverse_replies = FediverseReplies::anyone;
  f.store(direct_reply("https://elsewhere.example/notes/55", "https://elsewhere.example/users/dan", thread));
  CHECK(f.last("https://elsewhere.example/notes/55") == "queued for delivery: post");
  CHECK(f.jobs(kToBlueskyJob).size() == 3);
}


TEST_CASE("a Bluesky edit of a reply brought over is queued as an update, only from its repo, not once denied",
          "[router]") {
  Fixture f(BlueskyPosting::approved);
  // bob's reply crossed earlier (he was approved then): its at-uri maps to its Note.
  const std::string uri = "at://did:plc:bob/app.bsky.feed.post/3kedit";
  BlueskyCopy copy;
  copy.bridge = "townhall";
  copy.kind = CopyKind::reply;
  copy.author = "https://bridge.example/ap/did:plc:bob";
  copy.records = {StrongRef{uri, "bafyv1"}};
  WriteBatch batch = f.db->batch();
  IdMap(*f.db).link(batch, "https://bridge.example/ap/did:plc:bob/app.bsky.feed.post/3kedit", copy);
  REQUIRE(f.db->write(batch).ok());
  WriteBatch approve = f.db->batch();
  REQUIRE(f.router.moderation().approve(approve, f.queue, "townhall", "did:plc:bob").ok());
  REQUIRE(f.db->write(approve).ok());

  Event edit = bluesky_reply("did:plc:bob", "3kedit");
  edit.kind = EventKind::update;
  edit.origin.object.cid = "bafyv2";
  f.store(edit);
  auto jobs = f.jobs(kToFediverseJob);
  REQUIRE(jobs.size() == 1);
  CHECK(decode_bridge_job(jobs[0].payload)->op == JobOp::update);

  // Someone else's event naming bob's record changes nothing.
  Event forged = edit;
  forged.actor.id = "did:plc:carol";
  forged.origin.object.cid = "bafyv3";
  f.store(forged);
  CHECK(f.jobs(kToFediverseJob).empty());

  // Denied now: bob cannot change what his bridged reply says.
  WriteBatch deny = f.db->batch();
  REQUIRE(f.router.moderation().deny(deny, "townhall", "did:plc:bob").ok());
  REQUIRE(f.db->write(deny).ok());
  edit.origin.object.cid = "bafyv4";
  f.store(edit);
  CHECK(f.jobs(kToFediverseJob).empty());
  CHECK(f.last(uri) == "not bridged: the author was denied by an operator");
}
