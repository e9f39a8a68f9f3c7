// The bridge end to end, between a real Fedify server (the group's members) and a real PDS (the
// mirror account and a Bluesky user): what each side's users would see.
#include <catch2/catch.hpp>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "tests/support/bridge_setup.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

const json* facet_of(const json& record, const std::string& type) {
  if (!record.contains("facets")) return nullptr;
  for (const auto& f : record["facets"])
    if (f["features"][0].value("$type", "") == type) return &f;
  return nullptr;
}

json post_record(const std::string& text, const json& reply_to = nullptr, const json& root = nullptr) {
  json r{{"$type", "app.bsky.feed.post"}, {"text", text}, {"createdAt", "2026-11-22T06:00:00.000Z"}};
  if (!reply_to.is_null()) {
    const json& top = root.is_null() ? reply_to : root;
    r["reply"] = {{"root", {{"uri", top["uri"]}, {"cid", top["cid"]}}}, {"parent", {{"uri", reply_to["uri"]}, {"cid", reply_to["cid"]}}}};
  }
  return r;
}

json strong_ref(const std::string& uri, const json& record) { return {{"uri", uri}, {"cid", record["cid"]}}; }

// The first received activity whose object (id) is `object_id`.
const json* about(const json& activities, const std::string& object_id) {
  for (const auto& a : activities)
    if (a.value("object_id", "") == object_id) return &a;
  return nullptr;
}

}  // namespace

TEST_CASE("a member's post mirrors to Bluesky with its facets, image and attribution, a delete follows it", "[bridge]") {
  BridgeSetup b;
  b.join("alice");
  std::string media = b.fedify.origin() + "/media/poster.png";
  std::string link = "https://example.org/agenda?day=3";
  json carol = b.fedify.actor("carol");
  json note = b.post("alice",
                     "<p>Grüße aus der Stadthalle 👋🏽 日本 — agenda: <a href=\"" + link + "\">" + link +
                         "</a> <a href=\"" + b.fedify.origin() + "/tags/townhall\" class=\"mention hashtag\" rel=\"tag\">#<span>townhall</span></a> "
                         "with <span class=\"h-card\"><a href=\"" + carol["id"].get<std::string>() +
                         "\" class=\"u-url mention\">@<span>carol</span></a></span></p>",
                     {{"mentions", {carol["id"]}},
                      {"hashtags", {"townhall"}},
                      {"attachments", {{{"url", media}, {"mediaType", "image/png"}, {"name", "Poster of the meeting"}}}}});
  std::string uri = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(uri.rfind("at://" + b.mirror.did + "/app.bsky.feed.post/", 0) == 0);
  json rec = b.record(uri)["value"];
  std::string text = rec["text"];
  std::string host = b.fedify.origin().substr(7);
  CHECK(text.rfind("alice (@alice@" + host + "):\n", 0) == 0);
  CHECK(text.find("Grüße aus der Stadthalle 👋🏽 日本") != std::string::npos);
  const json* link_facet = facet_of(rec, "app.bsky.richtext.facet#link");
  REQUIRE(link_facet);
  CHECK(facet_text(rec, *link_facet) == link);  // UTF-8 byte offsets, after the multi-byte text
  CHECK((*link_facet)["features"][0]["uri"] == link);
  const json* tag = facet_of(rec, "app.bsky.richtext.facet#tag");
  REQUIRE(tag);
  CHECK((*tag)["features"][0]["tag"] == "townhall");
  CHECK(facet_text(rec, *tag) == "#townhall");
  // A fediverse mention stays as its author wrote it, a link to the person (issue 11).
  CHECK(text.find("@carol") != std::string::npos);
  CHECK(text.find("@carol@" + host) == std::string::npos);
  REQUIRE(rec.contains("embed"));
  CHECK(rec["embed"]["$type"] == "app.bsky.embed.images");
  CHECK(rec["embed"]["images"][0]["alt"] == "Poster of the meeting");
  CHECK(text.find(note["note"].get<std::string>()) != std::string::npos);  // a link to the original

  // The member edits the post: the copy is edited in place (mirror.updates: put), same at-uri.
  b.fedify.post("/control/update", {{"actor", "alice"}, {"note", note["note"]}, {"content", "<p>Corrected: the agenda moved.</p>"}});
  CHECK(eventually([&] {
    json now = b.record(uri);
    return !now.is_null() && now["value"]["text"].get<std::string>().find("Corrected: the agenda moved.") != std::string::npos;
  }, std::chrono::seconds(20)));
  CHECK(b.why(note["note"]).back()["reason"].get<std::string>().find("edited in place") != std::string::npos);

  // The member deletes the post: the Bluesky copy goes too.
  b.fedify.post("/control/delete", {{"actor", "alice"}, {"note", note["note"]}});
  CHECK(eventually([&] { return b.record(uri).is_null(); }, std::chrono::seconds(20)));
}

TEST_CASE("a member whose display name has a multibyte character across byte 200 still gets posts mirrored", "[bridge]") {
  BridgeSetup b;
  // The attribution keeps 200 bytes of a display name; here "日" spans bytes 199-201.
  std::string long_name = std::string(199, 'D') + "日本";
  b.fedify.post("/control/actors", {{"name", "dora"}, {"displayName", long_name}});
  b.join("dora");
  json note = b.post("dora", "<p>Hello from the member with the long name</p>");
  std::string uri = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(uri.rfind("at://" + b.mirror.did + "/app.bsky.feed.post/", 0) == 0);
  std::string text = b.record(uri)["value"]["text"];
  std::string host = b.fedify.origin().substr(7);
  CHECK(text.rfind(std::string(199, 'D') + " (@dora@" + host + "):\n", 0) == 0);  // cut before "日", not inside it
  CHECK(text.find("Hello from the member with the long name") != std::string::npos);
}

TEST_CASE("a long post becomes a thread, and a reply in the group threads under its parent", "[bridge]") {
  BridgeSetup b;
  b.join("alice");
  b.join("carol");
  std::string long_text;
  for (int i = 1; i <= 40; ++i) long_text += "Point " + std::to_string(i) + " of the plan is agreed by all. ";
  json note = b.post("alice", "<p>" + long_text + "</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());
  // Follow the thread: every part replies to the one before, all under the head.
  json page = b.pds.get("com.atproto.repo.listRecords", "repo=" + b.mirror.did + "&collection=app.bsky.feed.post&limit=100");
  std::vector<json> parts;
  for (const auto& r : page["records"])
    if (r["uri"] == head || (r["value"].contains("reply") && r["value"]["reply"]["root"]["uri"] == head)) parts.push_back(r);
  REQUIRE(parts.size() >= 6);  // 40 x ~40 characters in 300-grapheme parts
  std::string joined;
  std::set<std::string> numbers;  // each part says where it is: " (i/N)"
  for (const auto& p : parts) {
    std::string t = p["value"]["text"];
    CHECK(t.size() <= 300);  // ASCII: bytes are graphemes
    joined += t;
    if (auto open = t.rfind(" ("); open != std::string::npos && t.ends_with(")")) numbers.insert(t.substr(open + 2, t.size() - open - 3));
  }
  std::set<std::string> expected;
  for (std::size_t i = 1; i <= parts.size(); ++i) expected.insert(std::to_string(i) + "/" + std::to_string(parts.size()));
  CHECK(numbers == expected);
  CHECK(joined.find("Point 40 of the plan is agreed by all.") != std::string::npos);

  // carol answers alice in the group: on Bluesky it replies to the head, in alice's thread.
  json answer = b.post("carol", "<p>Agreed on all forty.</p>", {{"inReplyTo", note["note"]}});
  std::string reply_uri = b.bridged_as(answer["note"]);
  REQUIRE(!reply_uri.empty());
  json reply = b.record(reply_uri)["value"];
  CHECK(reply["reply"]["parent"]["uri"] == head);
  CHECK(reply["reply"]["root"]["uri"] == head);

  // Followers-only posts never cross.
  json followers_only = b.fedify.post("/control/post", {{"actor", "alice"},
                                                        {"to", {b.fedify.origin() + "/users/alice/followers"}},
                                                        {"cc", {b.group}},
                                                        {"content", "<p>members only</p>"}});
  CHECK(b.not_bridged_because(followers_only["note"]) == "followers-only");
}

TEST_CASE("a Bluesky reply, like and repost arrive in the group, the group announces the reply, deletes follow", "[bridge]") {
  BridgeSetup b;
  b.join("alice");
  b.join("carol");
  json note = b.post("alice", "<p>Should the library open on Sundays?</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());
  json head_record = b.record(head);

  json reply = b.create(b.bob, "app.bsky.feed.post", post_record("Yes please! <b>Sundays</b> & holidays", strong_ref(head, head_record)));
  std::string note_id = b.bridged_as(reply["uri"]);
  REQUIRE(note_id.rfind(b.causeway->origin() + "/ap/" + b.bob.did + "/", 0) == 0);
  // The group announces the bridged reply to its members; the parent's author gets it directly.
  REQUIRE(eventually([&] { return about(b.received("carol", "Announce", b.group), note_id) != nullptr; }));
  REQUIRE(eventually([&] { return !b.received("alice", "Create", b.causeway->origin() + "/ap/" + b.bob.did).empty(); }));
  json fetched = b.fedify.get("/control/object?url=" + note_id + "&actor=carol");
  CHECK(fetched["inReplyTo"] == note["note"]);
  CHECK(fetched["content"].get<std::string>().find("Yes please! &lt;b&gt;Sundays&lt;/b&gt; &amp; holidays") != std::string::npos);
  // bob edits his reply with a client that can (putRecord): the members get an Update of the same
  // Note, which then reads as edited.
  b.put(b.bob, reply["uri"], post_record("Yes please, and on holidays too", strong_ref(head, head_record)));
  REQUIRE(eventually([&] {
    for (const auto& a : b.received("carol", "Announce", b.group))
      if (a.value("object_type", "") == "Update") return true;
    return false;
  }));
  json edited = b.fedify.get("/control/object?url=" + note_id + "&actor=carol");
  CHECK(edited["id"] == note_id);
  CHECK(edited["inReplyTo"] == note["note"]);
  CHECK(edited["content"].get<std::string>().find("Yes please, and on holidays too") != std::string::npos);
  CHECK(edited.contains("updated"));
  json bridged_actor = b.fedify.get("/control/object?url=" + b.causeway->origin() + "/ap/" + b.bob.did + "&actor=carol");
  CHECK(bridged_actor["type"] == "Person");
  CHECK(bridged_actor["preferredUsername"] == "bob.test");

  json like = b.create(b.bob, "app.bsky.feed.like",
                       {{"$type", "app.bsky.feed.like"}, {"subject", strong_ref(head, head_record)}, {"createdAt", "2026-11-22T06:00:00.000Z"}});
  json repost = b.create(b.bob, "app.bsky.feed.repost",
                         {{"$type", "app.bsky.feed.repost"}, {"subject", strong_ref(head, head_record)}, {"createdAt", "2026-11-22T06:00:00.000Z"}});
  CHECK(eventually([&] { return about(b.received("alice", "Like"), note["note"]) != nullptr; }));
  CHECK(eventually([&] { return about(b.received("alice", "Announce", b.causeway->origin() + "/ap/" + b.bob.did), note["note"]) != nullptr; }));

  // bob deletes his reply: the members get the Delete through the group.
  b.remove(b.bob, reply["uri"]);
  CHECK(eventually([&] {
    for (const auto& a : b.received("carol", "Announce", b.group))
      if (a.value("object_type", "") == "Delete") return true;
    return false;
  }));
}

TEST_CASE("with bluesky_posting: approved, a Bluesky reply is held until an operator approves it", "[bridge]") {
  BridgeSetup b("members: { bluesky_posting: approved }");
  b.join("alice");
  json note = b.post("alice", "<p>Budget questions here, please.</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());
  json reply = b.create(b.bob, "app.bsky.feed.post", post_record("What about the pool?", strong_ref(head, b.record(head))));
  json held = b.why(reply["uri"]);
  REQUIRE(!held.empty());
  CHECK(held.back()["outcome"] == "held");
  ProcessOutput pending = b.causeway->cli({"members", "pending", "--config", b.causeway->config().string(), "--bridge", "townhall"});
  CHECK(pending.exit_code == 0);
  CHECK(pending.out.find(b.bob.did) != std::string::npos);
  CHECK(b.received("alice", "Create").empty());

  ProcessOutput approved =
      b.causeway->cli({"members", "approve", "--config", b.causeway->config().string(), "--bridge", "townhall", b.bob.did});
  CHECK(approved.exit_code == 0);
  CHECK(!b.bridged_as(reply["uri"]).empty());
  CHECK(eventually([&] { return !b.received("alice", "Create").empty(); }));
}

TEST_CASE("with bluesky_posting: followers, only accounts following the mirror account get in", "[bridge]") {
  BridgeSetup b("members: { bluesky_posting: followers }");
  b.join("alice");
  json note = b.post("alice", "<p>Followers of our Bluesky account may answer.</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());
  json head_record = b.record(head);
  json early = b.create(b.bob, "app.bsky.feed.post", post_record("First!", strong_ref(head, head_record)));
  CHECK(b.not_bridged_because(early["uri"]).find("does not follow the mirror account") != std::string::npos);

  json follow = b.create(b.bob, "app.bsky.graph.follow",
                         {{"$type", "app.bsky.graph.follow"}, {"subject", b.mirror.did}, {"createdAt", "2026-11-22T06:00:00.000Z"}});
  CHECK(b.not_bridged_because(follow["uri"]).find("follows the mirror account") != std::string::npos);
  json later = b.create(b.bob, "app.bsky.feed.post", post_record("Following now.", strong_ref(head, head_record)));
  CHECK(!b.bridged_as(later["uri"]).empty());
}

TEST_CASE("a mirror account whose app password is wrong is shown failing, its posts wait", "[bridge]") {
  BridgeSetup b("", "", "wrong-password-1234");
  b.join("alice");
  json note = b.post("alice", "<p>This waits for a working password.</p>");
  INFO("causeway log:\n" << b.causeway->log());
  json status;
  CHECK(eventually([&] {
    ProcessOutput out = b.causeway->cli({"status", "--config", b.causeway->config().string(), "--json"});
    status = json::parse(out.out, nullptr, false);
    return status.is_object() && status["bridges"][0].value("failing", false) && status["bridges"][0].value("retrying", 0) == 1;
  }));
  CHECK(status["bridges"][0]["queued"] == 1);
  ProcessOutput text = b.causeway->cli({"status", "--config", b.causeway->config().string()});
  CHECK(text.out.find("FAILING") != std::string::npos);
  httplib::Client client("127.0.0.1", b.causeway->admin_port());
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("causeway_bridge_failing{bridge=\"townhall\"} 1") != std::string::npos);
  ProcessOutput why = b.causeway->cli({"why", "--config", b.causeway->config().string(), "--json", note["note"]});
  json decisions = json::parse(why.out, nullptr, false);
  REQUIRE(decisions.is_array());
  CHECK(decisions.back()["outcome"] == "queued");  // not dropped: it waits
}

TEST_CASE("posts from a domain the bridge blocks are not bridged, and why says so", "[bridge]") {
  BridgeSetup b("blocked: { domains: [ 127.0.0.1 ] }");
  b.join("alice");
  json note = b.post("alice", "<p>Buy cheap watches</p>");
  INFO("causeway log:\n" << b.causeway->log());
  CHECK(b.not_bridged_because(note["note"]).rfind("author's domain blocked: 127.0.0.1", 0) == 0);
  ProcessOutput why = b.causeway->cli({"why", "--config", b.causeway->config().string(), note["note"]});
  CHECK(why.exit_code == 0);
  CHECK(why.out.find("townhall: not bridged: author's domain blocked") != std::string::npos);
}

TEST_CASE("killed with SIGKILL in a burst of 200 posts, causeway ends with exactly 200 mirrored posts", "[bridge]") {
  BridgeSetup b;
  b.join("alice");
  std::vector<std::string> notes;
  for (int i = 0; i < 200; ++i) {
    notes.push_back(b.post("alice", "<p>Burst post number " + std::to_string(i) + "</p>")["note"]);
    if (i == 60) {
      // Some are on Bluesky, some queued, one maybe half-written: crash now.
      b.causeway->kill();
      b.causeway->start();
    }
  }
  auto mirrored = [&] {
    std::size_t n = 0;
    std::string cursor;
    for (;;) {
      json page = b.pds.get("com.atproto.repo.listRecords", "repo=" + b.mirror.did +
                                                                "&collection=app.bsky.feed.post&limit=100" +
                                                                (cursor.empty() ? "" : "&cursor=" + cursor));
      n += page["records"].size();
      if (!page.contains("cursor") || page["records"].empty()) break;
      cursor = page["cursor"];
    }
    return n;
  };
  INFO("causeway log:\n" << b.causeway->log());
  CHECK(eventually([&] { return mirrored() >= 200; }, std::chrono::seconds(120)));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // anything duplicated would show by now
  CHECK(mirrored() == 200);
  for (int i : {0, 60, 61, 199}) CHECK(!b.bridged_as(notes[i]).empty());
}
