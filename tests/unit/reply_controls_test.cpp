// What a group's moderation sets going on Bluesky's reply controls, in-process with a real store:
// a followed group's removal of a Bluesky reply's Note queues its hiding, and an operator's verdict
// queues the approved list's change and the hiding of the account's replies already brought over.
#include <catch2/catch.hpp>

#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/reply_controls.h"
#include "bridge/router.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

constexpr const char* kFollowedGroup = "https://groups.example/g/news";
constexpr const char* kBob = "did:plc:bob";
constexpr const char* kMirrorRoot = "at://did:plc:mirror/app.bsky.feed.post/3kroot";

Config one_bridge(BlueskyPosting posting, bool threadgate = true) {
  Config config;
  BridgeConfig news;
  news.name = "news";
  news.fediverse.group = "@news@groups.example";
  news.bluesky = BlueskySide{*parse_url("https://pds.example", "https"), "news.example", {}};
  news.bluesky_posting = posting;
  news.bluesky_threadgate = threadgate;
  config.bridges.push_back(news);
  return config;
}

std::string note_of(const std::string& did, int i) {
  return "https://bridge.example/ap/" + did + "/post/3kreply" + std::to_string(i);
}
std::string reply_of(const std::string& did, int i) {
  return "at://" + did + "/app.bsky.feed.post/3kreply" + std::to_string(i);
}

struct Fixture {
  explicit Fixture(BlueskyPosting posting = BlueskyPosting::approved, bool threadgate = true)
      : config(one_bridge(posting, threadgate)) {
    router.set_group_id("news", kFollowedGroup);
    router.set_mirror_did("news", "did:plc:mirror");
    log.set_observer([this](WriteBatch& batch, const Event& e) { router.route(batch, e); });
  }
  // A Bluesky reply of `did` brought over on `bridge` as a Note of its bridged actor.
  void brought_over(const std::string& did, int i, const std::string& bridge = "news") {
    BlueskyCopy copy;
    copy.bridge = bridge;
    copy.kind = CopyKind::reply;
    copy.author = "https://bridge.example/ap/" + did;
    copy.records = {{reply_of(did, i), "bafyreply"}};
    copy.root = {kMirrorRoot, "bafyroot"};
    copy.parent = copy.root;
    WriteBatch batch = db->batch();
    IdMap(*db).link(batch, note_of(did, i), copy);
    REQUIRE(db->write(batch).ok());
  }
  Event store(Event e) {
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us);
    REQUIRE(db->write(batch).ok());
    return e;
  }
  std::vector<BridgeJob> jobs() {
    auto claimed = queue.claim_due(5000, kToBlueskyJob);
    REQUIRE(claimed.ok());
    std::vector<BridgeJob> out;
    for (const auto& j : *claimed) {
      auto bj = decode_bridge_job(j.payload);
      REQUIRE(bj);
      out.push_back(*bj);
    }
    return out;
  }
  std::string last(const std::string& id) {
    auto d = router.decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? "" : d->back().describe();
  }
  VerdictControls verdict(const std::string& did, Verdict v) {
    WriteBatch batch = db->batch();
    auto controls = queue_verdict_controls(batch, *db, queue, config.bridges[0], did, v, now_us);
    REQUIRE(controls.ok());
    REQUIRE(db->write(batch).ok());
    return *controls;
  }

  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  std::int64_t now_us = 1'700'000'000'000'000;
  Config config;
  DeliveryQueue queue{*db, [this] { return now_us; }};
  Metrics metrics;
  Router router{config, *db, queue, metrics,
                RouterHooks{[](const std::string&, const std::string&) { return false; },
                            [](const std::string& id) { return id.rfind("https://bridge.example/ap/", 0) == 0; }},
                [this] { return now_us; }};
  EventLog log{*db};
};

Event delete_of(const std::string& note, const std::string& actor, const std::string& id) {
  Event e;
  e.kind = EventKind::remove;
  e.origin = {Network::activitypub, id, {Network::activitypub, note, ""}, ""};
  e.subject = NativeRef{Network::activitypub, note, ""};
  e.actor.id = actor;
  return e;
}

}  // namespace

TEST_CASE("the followed group deleting a Bluesky reply's Note queues hiding the reply on Bluesky", "[reply controls]") {
  Fixture f;
  f.brought_over(kBob, 1);
  Event removal = f.store(delete_of(note_of(kBob, 1), kFollowedGroup, "https://groups.example/g/news#delete-1"));
  auto jobs = f.jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::hide);
  CHECK(jobs[0].subject == reply_of(kBob, 1));
  CHECK(jobs[0].event_id == removal.id);
  CHECK(f.last("https://groups.example/g/news#delete-1") ==
        "queued for delivery: hidden on Bluesky: removed by the group's moderators");
}

TEST_CASE("a Delete of a Bluesky reply's Note from anyone but the group hides nothing", "[reply controls]") {
  Fixture f;
  f.brought_over(kBob, 1);
  f.store(delete_of(note_of(kBob, 1), "https://evil.example/users/mallory", "https://evil.example/delete/1"));
  CHECK(f.jobs().empty());
  CHECK(f.last("https://evil.example/delete/1") ==
        "not bridged: only its author may edit or delete it; this came from https://evil.example/users/mallory");
  // The group deleting a mirrored member post (not a reply from Bluesky) is no removal to hide.
  BlueskyCopy post;
  post.bridge = "news";
  post.kind = CopyKind::post;
  post.author = "https://social.example/users/alice";
  post.records = {{kMirrorRoot, "bafyroot"}};
  WriteBatch batch = f.db->batch();
  IdMap(*f.db).link(batch, "https://social.example/notes/1", post);
  REQUIRE(f.db->write(batch).ok());
  f.store(delete_of("https://social.example/notes/1", kFollowedGroup, "https://groups.example/g/news#delete-2"));
  CHECK(f.jobs().empty());
}

TEST_CASE("route_group_removal of a Note that is no Bluesky reply says there is nothing to hide", "[reply controls]") {
  Fixture f;
  Event removal = delete_of("https://groups.example/notes/9", kFollowedGroup, "https://groups.example/g/news#delete-9");
  removal.id = "0000000000000001000001";
  WriteBatch batch = f.db->batch();
  f.router.route_group_removal(batch, removal, "news", "https://groups.example/notes/9");
  REQUIRE(f.db->write(batch).ok());
  CHECK(f.jobs().empty());
  CHECK(f.last("https://groups.example/g/news#delete-9") ==
        "not bridged: removed by the group, but https://groups.example/notes/9 is no Bluesky reply brought over: nothing "
        "to hide");
}

TEST_CASE("approving an account queues putting it on the approved list, and nothing else", "[reply controls]") {
  Fixture f;
  f.brought_over(kBob, 1);
  VerdictControls c = f.verdict(kBob, Verdict::approved);
  CHECK(c.listed);
  CHECK(c.hidden == 0);
  auto jobs = f.jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::list_add);
  CHECK(jobs[0].subject == kBob);
  CHECK(jobs[0].event_id.empty());
  CHECK(f.last(kBob) == "queued for delivery: list_add (approved by an operator: may reply under the group's posts on Bluesky)");
}

TEST_CASE("denying an account queues taking it off the list and hiding each of its replies brought over on that bridge",
          "[reply controls]") {
  Fixture f;
  f.brought_over(kBob, 1);
  f.brought_over(kBob, 2);
  f.brought_over("did:plc:carol", 3);         // someone else's
  f.brought_over(kBob, 4, "other-bridge");    // another bridge's thread
  VerdictControls c = f.verdict(kBob, Verdict::denied);
  CHECK(c.listed);
  CHECK(c.hidden == 2);
  CHECK_FALSE(c.more_left);
  std::multiset<std::string> seen;
  for (const auto& j : f.jobs()) seen.insert(std::string(job_op_name(j.op)) + " " + j.subject);
  CHECK(seen == std::multiset<std::string>{"list_remove did:plc:bob", "hide " + reply_of(kBob, 1), "hide " + reply_of(kBob, 2)});
  CHECK(f.last(reply_of(kBob, 2)) == "queued for delivery: hide (its author was denied by an operator)");
}

TEST_CASE("a reply its author deleted is not hidden on a later deny", "[reply controls]") {
  Fixture f;
  f.brought_over(kBob, 1);
  f.brought_over(kBob, 2);
  auto copy = IdMap(*f.db).bluesky_copy(note_of(kBob, 1));
  REQUIRE(copy.ok());
  WriteBatch batch = f.db->batch();
  IdMap(*f.db).unlink(batch, note_of(kBob, 1), **copy);  // what the delete of its copy does
  REQUIRE(f.db->write(batch).ok());
  CHECK(f.verdict(kBob, Verdict::denied).hidden == 1);
}

TEST_CASE("with bluesky_threadgate off there is no list to change, but a deny still hides the replies", "[reply controls]") {
  Fixture f(BlueskyPosting::approved, false);
  f.brought_over(kBob, 1);
  VerdictControls c = f.verdict(kBob, Verdict::denied);
  CHECK_FALSE(c.listed);
  CHECK(c.hidden == 1);
  auto jobs = f.jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::hide);
  CHECK(f.verdict(kBob, Verdict::approved).listed == false);
}

TEST_CASE("one deny hides at most kMaxHiddenOnDeny replies and says more are left", "[reply controls]") {
  Fixture f;
  for (std::size_t i = 0; i < kMaxHiddenOnDeny + 5; ++i) f.brought_over(kBob, static_cast<int>(i));
  VerdictControls c = f.verdict(kBob, Verdict::denied);
  CHECK(c.hidden == kMaxHiddenOnDeny);
  CHECK(c.more_left);
}
