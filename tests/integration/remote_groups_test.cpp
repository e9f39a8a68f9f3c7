// Groups as the fediverse runs them, followed by causeway: a Lemmy community, a locked Mastodon
// boost group (Newsmast-style channel) and a Friendica forum, each played by the Fedify peer's
// group modes (tests/peers/group-modes.mjs, shaped after those servers' source), mirrored to a real
// PDS and replied into from Bluesky. What the group's members and Bluesky's users would see.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/bridge_setup.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

json post_record(const std::string& text, const std::string& uri, const json& record) {
  json ref = {{"uri", uri}, {"cid", record["cid"]}};
  return {{"$type", "app.bsky.feed.post"}, {"text", text}, {"createdAt", "2026-12-03T06:00:00.000Z"},
          {"reply", {{"root", ref}, {"parent", ref}}}};
}

std::vector<json> mirror_posts(const BridgeSetup& b) {
  json page = b.pds.get("com.atproto.repo.listRecords", "repo=" + b.mirror.did + "&collection=app.bsky.feed.post&limit=100");
  return page["records"].get<std::vector<json>>();
}

json status(const BridgeSetup& b) {
  ProcessOutput out = b.causeway->cli({"status", "--config", b.causeway->config().string(), "--json"});
  return json::parse(out.out, nullptr, false)["bridges"][0];
}

// The group's thread entry for `id`, or null.
json in_thread(const BridgeSetup& b, const std::string& group, const std::string& id) {
  for (const auto& item : b.fedify.group_thread(group))
    if (item.value("id", "") == id) return item;
  return nullptr;
}

// A Bluesky reply's Note as the group shows it: the comment by bob's bridged actor.
json bridged_reply_in_thread(const BridgeSetup& b, const std::string& group) {
  json found = nullptr;
  eventually([&] {
    for (const auto& item : b.fedify.group_thread(group))
      if (item.value("actor", "").rfind(b.causeway->origin() + "/ap/" + b.bob.did, 0) == 0) found = item;
    return !found.is_null();
  }, std::chrono::seconds(40));
  return found;
}

}  // namespace

TEST_CASE("a followed Lemmy community: its posts, edits, votes and removals reach Bluesky, a Bluesky reply is a comment", "[groups]") {
  BridgeSetup b("", "", "", [](FedifyPeer& peer, std::string& id) {
    json g = peer.create_group("news", "lemmy");
    id = g["id"];
    return "!news@" + peer.origin().substr(7);  // written the way Lemmy users write a community
  });
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(eventually([&] { return status(b)["group"].value("follow", "") == "accepted"; }));
  CHECK(status(b)["group"]["kind"] == "community");

  b.fedify.actor("alice");
  json page = b.fedify.community_post("alice", b.group, "Budget vote on Thursday", "<p>Bring your questions to the hall.</p>");
  std::string uri = b.bridged_as(page["note"]);
  REQUIRE(uri.rfind("at://" + b.mirror.did + "/", 0) == 0);
  std::string text = b.record(uri)["value"]["text"];
  CHECK(text.find("Budget vote on Thursday") != std::string::npos);
  CHECK(text.find("Bring your questions to the hall.") != std::string::npos);
  // Lemmy announced it twice (the Create, and the Page for Mastodon's sake): one Bluesky post.
  CHECK(eventually([&] {
    std::string log = b.causeway->log();
    return log.find("not bridged: already bridged as") != std::string::npos ||
           log.find("not bridged: already on its way") != std::string::npos;
  }));
  CHECK(mirror_posts(b).size() == 1);

  // alice edits the post: the community relays the Update, the copy is edited from her server's version.
  b.fedify.post("/control/update", {{"actor", "alice"}, {"note", page["note"]}, {"content", "<p>Moved to Friday.</p>"}});
  CHECK(eventually([&] {
    json now = b.record(uri);
    return !now.is_null() && now["value"]["text"].get<std::string>().find("Moved to Friday.") != std::string::npos;
  }, std::chrono::seconds(30)));

  // A vote through the community is counted, not posted.
  b.fedify.actor("carol");
  json like = b.fedify.like("carol", page["note"], {b.group});
  CHECK(b.not_bridged_because(like["activity"]).find("counted, not posted: a like") == 0);
  CHECK(mirror_posts(b).size() == 1);

  // bob answers on Bluesky: a comment in the community's thread, under the post.
  json head = b.record(uri);
  json bob_reply = b.create(b.bob, "app.bsky.feed.post", post_record("I will be there", uri, head));
  json comment = bridged_reply_in_thread(b, "news");
  REQUIRE(!comment.is_null());
  CHECK(comment["type"] == "Note");
  CHECK(comment["inReplyTo"] == page["note"]);
  CHECK(comment["audience"] == b.group);
  CHECK(comment["content"].get<std::string>().find("I will be there") != std::string::npos);

  // A moderator removes bob's comment: on Bluesky his reply is hidden under the mirror's post
  // (the post's threadgate lists it in hiddenReplies), as the community no longer shows it.
  b.fedify.group_moderate("news", "remove", comment["id"], "not civil");
  std::string gate = "at://" + b.mirror.did + "/app.bsky.feed.threadgate/" + uri.substr(uri.rfind('/') + 1);
  CHECK(eventually([&] {
    json g = b.record(gate);
    if (g.is_null() || !g["value"].contains("hiddenReplies")) return false;
    for (const auto& h : g["value"]["hiddenReplies"])
      if (h == bob_reply["uri"]) return true;
    return false;
  }, std::chrono::seconds(30)));

  // alice posts again, then deletes her account: her server tells every server it delivered to
  // (she follows the bridge's service actor, so causeway is one), and every copy of her posts goes.
  json second = b.fedify.community_post("alice", b.group, "Minutes of the last meeting", "<p>Attached below.</p>");
  std::string second_uri = b.bridged_as(second["note"]);
  REQUIRE(!second_uri.empty());
  b.fedify.post("/control/follow", {{"actor", "alice"}, {"target", b.causeway->origin() + "/ap/bridge"}});

  // A moderator removes alice's post: its Bluesky copy is deleted.
  b.fedify.group_moderate("news", "remove", page["note"], "off topic");
  CHECK(eventually([&] { return b.record(uri).is_null(); }, std::chrono::seconds(30)));

  // A moderator bans carol: `why` says the ban is kept, so her posts would no longer cross.
  json ban = b.fedify.group_moderate("news", "ban", b.fedify.origin() + "/users/carol", "spam");
  CHECK(b.not_bridged_because(ban["block"]).find("recorded: the group's moderators banned") == 0);

  json deletion = b.fedify.delete_actor("alice");
  CHECK(eventually([&] { return b.record(second_uri).is_null(); }, std::chrono::seconds(30)));
  json story = b.why(deletion["activity"]);
  REQUIRE(!story.empty());
  CHECK(story.dump().find("the account was deleted: every copy of its posts goes") != std::string::npos);
  CHECK(story.back()["outcome"] == "bridged");  // the deletion went through
}

TEST_CASE("a locked boost group: the pending follow shows, the bridge catches up after approval, replies wait for theirs", "[groups]") {
  std::string channel_id;
  BridgeSetup b("mirror: { backfill: 5 }", "", "", [&](FedifyPeer& peer, std::string& id) {
    json g = peer.create_group("channel", "boostbot", true, {{"actorType", "Person"}, {"announceBy", "url"}});
    id = channel_id = g["id"];
    // alice is an approved follower and posts before causeway's follow is approved.
    peer.actor("alice");
    peer.post("/control/follow", {{"actor", "alice"}, {"target", id}});
    peer.group_approve("channel", peer.origin() + "/users/alice");
    return "@channel@" + peer.origin().substr(7);
  });
  INFO("causeway log:\n" << b.causeway->log());
  // Mastodon-style: the channel holds the follow until its moderators approve it.
  REQUIRE(eventually([&] { return !b.fedify.group_requests("channel").empty(); }));
  json s = status(b);
  CHECK(s["group"]["follow"] == "pending");
  CHECK(s["group"]["locked"] == true);
  CHECK(s["group"]["kind"] == "boost");
  ProcessOutput text = b.causeway->cli({"status", "--config", b.causeway->config().string()});
  CHECK(text.out.find("follow PENDING (waiting for the group's moderators to approve)") != std::string::npos);

  json early = b.fedify.note("alice", "<p>Canvassing starts at 9 from the union hall.</p>",
                             {{"to", {kPublic}}, {"cc", {channel_id}}, {"mentions", {channel_id}}, {"webUrl", true}});
  REQUIRE(eventually([&] { return !in_thread(b, "channel", early["note"]).is_null(); }));

  // The channel's moderators approve the bridge: it catches up on what the channel boosted.
  json request = b.fedify.group_requests("channel")[0];
  b.fedify.group_approve("channel", request["actor"]);
  std::string early_uri = b.bridged_as(early["note"]);
  REQUIRE(!early_uri.empty());
  CHECK(b.record(early_uri)["value"]["text"].get<std::string>().find("Canvassing starts at 9") != std::string::npos);
  CHECK(status(b)["group"]["follow"] == "accepted");

  // A post boosted by its web URL is mirrored once, under the post's own id.
  json later = b.fedify.note("alice", "<p>Second shift at 14:00.</p>",
                             {{"to", {kPublic}}, {"cc", {channel_id}}, {"mentions", {channel_id}}, {"webUrl", true}});
  std::string later_uri = b.bridged_as(later["note"]);
  REQUIRE(!later_uri.empty());

  // alice edits it: the channel forwards her Update (signed by the channel); the copy is edited
  // from her server's version, not the forwarded words.
  b.fedify.post("/control/update", {{"actor", "alice"}, {"note", later["note"]}, {"content", "<p>Second shift moved to 15:00.</p>"}});
  CHECK(eventually([&] {
    json now = b.record(later_uri);
    return !now.is_null() && now["value"]["text"].get<std::string>().find("Second shift moved to 15:00.") != std::string::npos;
  }, std::chrono::seconds(30)));

  // alice deletes it: the channel forwards her Delete (signed by the channel), the copy goes.
  b.fedify.post("/control/delete", {{"actor", "alice"}, {"note", later["note"]}});
  CHECK(eventually([&] { return b.record(later_uri).is_null(); }, std::chrono::seconds(30)));

  // bob replies on Bluesky: his bridged actor must follow the locked channel first; the reply waits.
  json head = b.record(early_uri);
  json reply = b.create(b.bob, "app.bsky.feed.post", post_record("Count me in", early_uri, head));
  std::string bridged_bob = b.causeway->origin() + "/ap/" + b.bob.did;
  REQUIRE(eventually([&] {
    for (const auto& r : b.fedify.group_requests("channel"))
      if (r.value("actor", "") == bridged_bob) return true;
    return false;
  }, std::chrono::seconds(30)));
  CHECK(eventually([&] { return status(b).value("held", 0) == 1; }));
  b.fedify.group_approve("channel", bridged_bob);
  json boosted = bridged_reply_in_thread(b, "channel");
  REQUIRE(!boosted.is_null());
  CHECK(boosted["inReplyTo"] == early["note"]);
  auto mentions = boosted["mentions"].get<std::vector<std::string>>();
  CHECK(std::find(mentions.begin(), mentions.end(), channel_id) != mentions.end());
  CHECK(eventually([&] { return in_thread(b, "channel", boosted["id"]).value("announced", false); }));
}

TEST_CASE("a Friendica forum: posts that mention !forum reach Bluesky, a Bluesky reply mentions the forum", "[groups]") {
  std::string forum_id;
  BridgeSetup b("", "", "", [&](FedifyPeer& peer, std::string& id) {
    json g = peer.create_group("forum", "friendica");
    id = forum_id = g["id"];
    return "!forum@" + peer.origin().substr(7);
  });
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(eventually([&] { return status(b)["group"].value("follow", "") == "accepted"; }));
  CHECK(status(b)["group"]["kind"] == "forum");
  b.fedify.actor("alice");
  b.fedify.post("/control/follow", {{"actor", "alice"}, {"target", forum_id}});
  std::string host = b.fedify.origin().substr(7);
  json post = b.fedify.note("alice", "<p>!forum Tenants meeting moved to the library.</p>",
                            {{"to", {kPublic}}, {"cc", {forum_id}},
                             {"mentions", {{{"href", forum_id}, {"name", "!forum@" + host}}}}});
  std::string uri = b.bridged_as(post["note"]);
  REQUIRE(!uri.empty());
  CHECK(b.record(uri)["value"]["text"].get<std::string>().find("Tenants meeting moved to the library.") != std::string::npos);

  json head = b.record(uri);
  b.create(b.bob, "app.bsky.feed.post", post_record("Thanks for the update", uri, head));
  json reply = bridged_reply_in_thread(b, "forum");
  REQUIRE(!reply.is_null());
  CHECK(reply["inReplyTo"] == post["note"]);
  auto mentions = reply["mentions"].get<std::vector<std::string>>();
  CHECK(std::find(mentions.begin(), mentions.end(), forum_id) != mentions.end());
  CHECK(reply["content"].get<std::string>().find(">!<span>forum</span></a>") != std::string::npos);
}

TEST_CASE("a followed group that floods is paced by mirror.max_posts_per_hour, and loses nothing", "[groups]") {
  BridgeSetup b("mirror: { max_posts_per_hour: 4 }", "", "", [](FedifyPeer& peer, std::string& id) {
    id = peer.create_group("news", "lemmy")["id"];
    return "!news@" + peer.origin().substr(7);
  });
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(eventually([&] { return status(b)["group"].value("follow", "") == "accepted"; }));
  b.fedify.actor("alice");
  // A burst of one (a quarter of 4 an hour): the first post crosses, the next two wait their turn.
  std::vector<std::string> notes;
  for (int i = 1; i <= 3; ++i)
    notes.push_back(b.fedify.community_post("alice", b.group, "Flood " + std::to_string(i), "<p>Again and again.</p>")["note"]);
  REQUIRE(!b.bridged_as(notes[0]).empty());
  for (int i = 1; i <= 2; ++i) {
    CHECK(eventually([&] {
      ProcessOutput out = b.causeway->cli({"why", "--config", b.causeway->config().string(), notes[i]});
      return out.out.find("queued for delivery: waiting its turn: the group posts faster than mirror.max_posts_per_hour (4)") !=
             std::string::npos;
    }));
  }
  CHECK(mirror_posts(b).size() == 1);
  CHECK(status(b).value("queued", 0) == 2);  // kept, not dropped
}
