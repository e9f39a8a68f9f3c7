// What a followed Lemmy community passes on, read by the ActivityPub adapter from Lemmy's own
// published payloads (tests/data/activitypub/lemmy, SOURCES.md) and routed: each post once, edits
// and removals carried, bans kept, votes counted, forgeries and strangers refused with a reason.
#include <catch2/catch.hpp>

#include <fstream>

#include "protocols/activitypub/note_event.h"
#include "tests/support/paths.h"
#include "tests/unit/router_fixture.h"

using namespace causeway;
using namespace causeway::testing::routing;
using nlohmann::json;

namespace {

constexpr const char* kCommunity = "http://enterprise.lemmy.ml/c/main";

json payload(const std::string& name) {
  std::ifstream in(testing::source_dir() / "tests/data/activitypub/lemmy" / name);
  REQUIRE(in);
  json doc = json::parse(in, nullptr, false);
  REQUIRE(doc.is_object());
  return doc;
}

// The community's Announce of an activity, shaped as Lemmy's send_activity_in_community does
// (crates/apub/src/activities/community/announce.rs): the activity embedded whole.
json announced(const json& activity, const std::string& id) {
  return {{"type", "Announce"},
          {"id", std::string("http://enterprise.lemmy.ml/activities/announce/") + id},
          {"actor", kCommunity},
          {"to", {"https://www.w3.org/ns/activitystreams#Public"}},
          {"cc", {std::string(kCommunity) + "/followers"}},
          {"object", activity}};
}

struct LemmyFixture : Fixture {
  LemmyFixture() { router.set_group_id("news", kCommunity); }
  Event arrive(const json& doc) {
    auto e = activitypub::event_from_activity(doc);
    REQUIRE(e.ok());
    return store(*e);
  }
  std::vector<BridgeJob> bridge_jobs() {
    std::vector<BridgeJob> out;
    for (const Job& j : jobs(kToBlueskyJob)) {
      auto bj = decode_bridge_job(j.payload);
      REQUIRE(bj);
      out.push_back(*bj);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("a community's two announces of one post make one Bluesky post", "[relay]") {
  LemmyFixture f;
  json wrapped = payload("announce_create_page.json");
  Event first = f.arrive(wrapped);
  CHECK(first.origin.relayed_by == kCommunity);
  CHECK(first.actor.id == "http://enterprise.lemmy.ml/u/lemmy_beta");
  CHECK(first.origin.object.id == "http://enterprise.lemmy.ml/post/7");
  // The community's server holds the author and the post: its word is the post's (title kept).
  CHECK(first.content.title == "post 4");
  // Lemmy 0.19 also announces the bare Page, for Mastodon's sake.
  json bare = announced(wrapped["object"]["object"], "bare-page");
  f.arrive(bare);
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::post);
  CHECK(jobs[0].event_id == first.id);
  CHECK(f.last(bare["id"]) == "not bridged: already on its way");
  // `why` finds the Announce as it arrived.
  CHECK(f.last(wrapped["id"]) == "queued for delivery: post");
}

TEST_CASE("a post by a member of another server is fetched from its origin before it crosses", "[relay]") {
  LemmyFixture f;
  // A ds9 member's comment, announced by the enterprise community: the community cannot vouch for it.
  json create = payload("create_note.json");
  json wrapped = announced(create, "comment");
  Event e = f.arrive(wrapped);
  CHECK(e.origin.relayed_by == kCommunity);
  CHECK(e.content.text.empty());  // the community's claim is not shown
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::fetch_post);
}

TEST_CASE("an edit through the community is fetched from its origin and updates the copy", "[relay]") {
  LemmyFixture f;
  json update = payload("update_page.json");
  std::string post = update["object"]["id"];
  f.mirrored(post, "news", update["actor"]);
  f.arrive(announced(update, "update"));
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::fetch_update);
  SECTION("an edit of a post another bridge mirrors is not this group's to make") {
    LemmyFixture g;
    g.mirrored(post, "townhall", update["actor"]);
    json again = announced(update, "update-elsewhere");
    g.arrive(again);
    CHECK(g.bridge_jobs().empty());
    CHECK(g.last(again["id"]) == "not bridged: its copy belongs to the bridge townhall");
  }
}

TEST_CASE("a moderator's removal through the community deletes the copy", "[relay]") {
  LemmyFixture f;
  json removal = payload("remove_note.json");  // by the moderator lemmy_beta, of lemmy_alpha's comment
  std::string comment = removal["object"];
  f.mirrored(comment, "news", "http://ds9.lemmy.ml/u/lemmy_alpha");
  f.arrive(announced(removal, "removal"));
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::remove);
  SECTION("the same removal sent by its moderator alone is not the author's, and changes nothing") {
    LemmyFixture g;
    g.mirrored(comment, "news", "http://ds9.lemmy.ml/u/lemmy_alpha");
    auto direct = activitypub::event_from_activity(removal);
    REQUIRE(direct.ok());
    g.store(*direct);
    CHECK(g.bridge_jobs().empty());
  }
}

TEST_CASE("a member banned by the community's moderators crosses no more, until the ban is lifted", "[relay]") {
  LemmyFixture f;
  json ban = payload("block_user.json");  // lemmy_alpha@ds9 banned from the community
  f.arrive(announced(ban, "ban"));
  json create = payload("create_note.json");  // by lemmy_alpha@ds9
  json post = announced(create, "after-ban");
  f.arrive(post);
  CHECK(f.bridge_jobs().empty());
  CHECK(f.last(post["id"]) == "not bridged: the author is banned from the group by its moderators");
  f.arrive(announced(payload("undo_block_user.json"), "unban"));
  json create2 = create;
  create2["id"] = "http://ds9.lemmy.ml/activities/create/second";
  create2["object"]["id"] = "http://ds9.lemmy.ml/comment/2";
  f.arrive(announced(create2, "after-unban"));
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].op == JobOp::fetch_post);
}

TEST_CASE("votes through the community are counted, never posted", "[relay]") {
  LemmyFixture f;
  f.mirrored("http://ds9.lemmy.ml/post/1", "news", "http://ds9.lemmy.ml/u/lemmy_alpha");
  Event like = f.arrive(announced(payload("like_note.json"), "like"));
  CHECK(like.kind == EventKind::like);
  Event dislike = f.arrive(announced(payload("dislike_page.json"), "dislike"));
  CHECK(dislike.kind == EventKind::dislike);
  Event undo = f.arrive(announced(payload("undo_like_note.json"), "undo-like"));
  CHECK(undo.kind == EventKind::unlike);
  CHECK(f.bridge_jobs().empty());
  CHECK(f.metrics.render().find("causeway_group_relayed_total{bridge=\"news\",kind=\"dislike\"} 1") != std::string::npos);
}

TEST_CASE("what a stranger or a forger passes on does not cross, and says why", "[relay]") {
  LemmyFixture f;
  SECTION("an Announce by an actor no bridge follows") {
    json wrapped = payload("announce_create_page.json");
    wrapped["actor"] = "http://elsewhere.example/c/other";
    wrapped["id"] = "http://elsewhere.example/activities/announce/1";
    f.arrive(wrapped);
    CHECK(f.bridge_jobs().empty());
    CHECK(f.last(wrapped["id"]) ==
          "not bridged: passed on by http://elsewhere.example/c/other, which is not a group any bridge follows");
  }
  SECTION("a relayed activity whose id is not on its actor's host") {
    json create = payload("create_note.json");
    create["id"] = "http://enterprise.lemmy.ml/activities/create/forged";
    auto e = activitypub::event_from_activity(announced(create, "forged"));
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().find("is not on its actor's host") != std::string::npos);
  }
  SECTION("a removal of a post of another bridge") {
    json removal = payload("remove_note.json");
    f.mirrored(removal["object"], "townhall", "http://ds9.lemmy.ml/u/lemmy_alpha");
    f.arrive(announced(removal, "removal-elsewhere"));
    CHECK(f.bridge_jobs().empty());
  }
}

TEST_CASE("an account deleted by its own server takes every copy of its posts, and nothing more of it crosses", "[relay]") {
  LemmyFixture f;
  json deletion = payload("delete_user.json");  // lemmy_alpha@ds9 deletes their account
  std::string alpha = deletion["actor"];
  f.mirrored("http://ds9.lemmy.ml/post/1", "news", alpha);
  f.mirrored("http://ds9.lemmy.ml/comment/1", "news", alpha);
  f.arrive(deletion);
  auto jobs = f.bridge_jobs();
  REQUIRE(jobs.size() == 1);  // one per bridge that mirrored some of them
  CHECK(jobs[0].bridge == "news");
  CHECK(jobs[0].op == JobOp::remove_author);
  CHECK(jobs[0].subject == alpha);
  CHECK(IdMap(*f.db).posts_by("news", alpha, 10).value().size() == 2);
  // A post of theirs still arriving later is not made.
  json create = payload("create_note.json");
  create["id"] = "http://ds9.lemmy.ml/activities/create/late";
  create["object"]["id"] = "http://ds9.lemmy.ml/comment/9";
  Event late = f.arrive(announced(create, "late"));
  CHECK(f.router.post_refusal(f.config.bridges[1], late) == "its author deleted their account");
  SECTION("passed on by the community instead, it is only the group's claim and deletes nothing") {
    LemmyFixture g;
    g.mirrored("http://ds9.lemmy.ml/post/1", "news", alpha);
    json relayed = announced(deletion, "relayed-deletion");
    g.arrive(relayed);
    CHECK(g.bridge_jobs().empty());
  }
}

TEST_CASE("a claim about someone else's post does not make it look handled, so it is not made twice", "[relay]") {
  LemmyFixture f;
  json create = payload("create_note.json");  // a ds9 member's comment, relayed by the community
  f.arrive(announced(create, "first"));
  REQUIRE(f.bridge_jobs().size() == 1);
  // A stranger "announces" the same comment: not a group any bridge follows, and not its server.
  json stranger = announced(create, "stranger");
  stranger["actor"] = "http://evil.example/c/fake";
  stranger["id"] = "http://evil.example/activities/announce/1";
  f.arrive(stranger);
  // The community's second announce still finds the comment on its way.
  json again = announced(create, "second");
  f.arrive(again);
  CHECK(f.bridge_jobs().empty());
  CHECK(f.last(again["id"]) == "not bridged: already on its way");
}
