// Bluesky's own reply controls, as a Bluesky user sees them on a real PDS: who may reply under the
// group's posts (the threadgate of each root post the mirror account makes), the list of approved
// accounts an operator's verdicts keep, and the replies hidden when the operator denies their
// author or the followed group removes them.
#include <catch2/catch.hpp>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tests/support/bridge_setup.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

json post_record(const std::string& text, const json& parent = nullptr) {
  json r{{"$type", "app.bsky.feed.post"}, {"text", text}, {"createdAt", "2026-11-22T06:00:00.000Z"}};
  if (!parent.is_null()) r["reply"] = {{"root", parent}, {"parent", parent}};
  return r;
}

// The threadgate of the post at `post_uri` (same repo, same rkey), or null when it has none.
json threadgate_of(const PdsPeer& pds, const std::string& post_uri) {
  std::string rest = post_uri.substr(5);
  std::string did = rest.substr(0, rest.find('/'));
  std::string rkey = post_uri.substr(post_uri.rfind('/') + 1);
  try {
    return pds.get("com.atproto.repo.getRecord", "repo=" + did + "&collection=app.bsky.feed.threadgate&rkey=" + rkey)["value"];
  } catch (const std::exception&) {
    return nullptr;
  }
}

json records_of(const PdsPeer& pds, const std::string& did, const std::string& collection) {
  return pds.get("com.atproto.repo.listRecords", "repo=" + did + "&collection=" + collection + "&limit=100")["records"];
}

bool hides(const json& gate, const std::string& reply_uri) {
  if (gate.is_null() || !gate.contains("hiddenReplies")) return false;
  for (const auto& h : gate["hiddenReplies"])
    if (h == reply_uri) return true;
  return false;
}

// The account's items on the mirror account's lists.
json items_for(const PdsPeer& pds, const std::string& mirror_did, const std::string& did) {
  json out = json::array();
  for (const auto& r : records_of(pds, mirror_did, "app.bsky.graph.listitem"))
    if (r["value"].value("subject", "") == did) out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("with bluesky_posting: followers, the group's post on Bluesky lets only the mirror account's followers reply",
          "[reply controls]") {
  BridgeSetup b("members: { bluesky_posting: followers }");
  b.join("alice");
  json note = b.post("alice", "<p>Followers, tell us what you think.</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(head.rfind("at://" + b.mirror.did + "/app.bsky.feed.post/", 0) == 0);
  json gate = threadgate_of(b.pds, head);
  REQUIRE(!gate.is_null());
  CHECK(gate["post"] == head);
  CHECK(gate["allow"] == json::array({{{"$type", "app.bsky.feed.threadgate#followerRule"}}}));

  // A reply in the group's thread is no root post: its copy gets no threadgate of its own.
  b.join("carol");
  json answer = b.post("carol", "<p>Agreed.</p>", {{"inReplyTo", note["note"]}});
  std::string reply = b.bridged_as(answer["note"]);
  REQUIRE(!reply.empty());
  CHECK(threadgate_of(b.pds, reply).is_null());
}

TEST_CASE("with members.bluesky_threadgate: false, the group's posts are not gated", "[reply controls]") {
  BridgeSetup b("members: { bluesky_posting: followers, bluesky_threadgate: false }");
  b.join("alice");
  json note = b.post("alice", "<p>Open thread.</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());
  CHECK(threadgate_of(b.pds, head).is_null());
}

TEST_CASE("with bluesky_posting: approved, the approved list gates the group's posts: approve lists, deny unlists and hides",
          "[reply controls]") {
  BridgeSetup b("members: { bluesky_posting: approved }");
  b.join("alice");
  json note = b.post("alice", "<p>Budget questions here, please.</p>");
  std::string head = b.bridged_as(note["note"]);
  INFO("causeway log:\n" << b.causeway->log());
  REQUIRE(!head.empty());

  // The post lets only the accounts on the mirror account's approved list reply.
  json gate = threadgate_of(b.pds, head);
  REQUIRE(!gate.is_null());
  REQUIRE(gate["allow"].size() == 1);
  CHECK(gate["allow"][0]["$type"] == "app.bsky.feed.threadgate#listRule");
  std::string list = gate["allow"][0]["list"];
  json lists = records_of(b.pds, b.mirror.did, "app.bsky.graph.list");
  REQUIRE(lists.size() == 1);
  CHECK(lists[0]["uri"] == list);
  CHECK(lists[0]["value"]["purpose"] == "app.bsky.graph.defs#curatelist");
  CHECK(lists[0]["value"]["name"] == "Approved members of townhall");
  CHECK(items_for(b.pds, b.mirror.did, b.bob.did).empty());

  // bob replies (held), the operator approves him: he is on the list and his reply reaches the group.
  json head_ref{{"uri", head}, {"cid", b.record(head)["cid"]}};
  json reply = b.create(b.bob, "app.bsky.feed.post", post_record("What about the pool?", head_ref));
  REQUIRE(b.why(reply["uri"]).back()["outcome"] == "held");
  ProcessOutput approved =
      b.causeway->cli({"members", "approve", "--config", b.causeway->config().string(), "--bridge", "townhall", b.bob.did});
  CHECK(approved.exit_code == 0);
  CHECK(approved.out.find("put on the approved list") != std::string::npos);
  REQUIRE(eventually([&] { return items_for(b.pds, b.mirror.did, b.bob.did).size() == 1; }));
  CHECK(items_for(b.pds, b.mirror.did, b.bob.did)[0]["value"]["list"] == list);
  std::string note_id = b.bridged_as(reply["uri"]);
  REQUIRE(!note_id.empty());

  // A second post is gated by the same list: it was made once.
  json second = b.post("alice", "<p>And the library?</p>");
  std::string second_head = b.bridged_as(second["note"]);
  REQUIRE(!second_head.empty());
  CHECK(threadgate_of(b.pds, second_head)["allow"][0]["list"] == list);
  CHECK(records_of(b.pds, b.mirror.did, "app.bsky.graph.list").size() == 1);

  // The operator denies bob: off the list, and his reply is hidden under the group's post.
  ProcessOutput denied =
      b.causeway->cli({"members", "deny", "--config", b.causeway->config().string(), "--bridge", "townhall", b.bob.did});
  CHECK(denied.exit_code == 0);
  CHECK(denied.out.find("1 reply already brought over to be hidden on Bluesky") != std::string::npos);
  CHECK(eventually([&] { return items_for(b.pds, b.mirror.did, b.bob.did).empty(); }));
  CHECK(eventually([&] { return hides(threadgate_of(b.pds, head), reply["uri"]); }));
  json after = threadgate_of(b.pds, head);
  CHECK(after["allow"][0]["list"] == list);  // the gate's rule is kept
  json story = b.why(reply["uri"]);
  CHECK(story.back()["text"].get<std::string>().find("hidden on Bluesky") != std::string::npos);
}

TEST_CASE("a followed group deleting a Bluesky reply's Note hides the reply under the group's post on Bluesky",
          "[reply controls]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("groupmirror");
  PdsAccount bob = pds.create_account("bob");
  setenv("NEWS_APP_PASSWORD", mirror.app_password.c_str(), 1);
  FedifyPeer fedify;
  json dave = fedify.actor("dave");  // plays the group
  json alice = fedify.actor("alice");
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  CausewayDaemon causeway(
      "\n  - name: news\n    fediverse: { group: \"@dave@127.0.0.1:" + std::to_string(fedify.port()) +
          "\" }\n    bluesky: { pds: " + pds.url() + ", handle: groupmirror.test, app_password: { env: NEWS_APP_PASSWORD } }",
      "atproto:\n  plc_url: " + pds.plc_url() + "\n  stream: { kind: firehose, url: ws://localhost:" + port + " }\n", "info");
  INFO("causeway log:\n" << causeway.log());
  std::string service = causeway.origin() + "/ap/bridge";
  REQUIRE(eventually([&] {
    for (const auto& f : fedify.get("/control/followers?actor=dave"))
      if (f == service) return true;
    return false;
  }));
  auto last = [&](const std::string& id, const std::string& outcome) {
    json answer;
    eventually([&] {
      ProcessOutput out = causeway.cli({"why", "--config", causeway.config().string(), "--json", id});
      answer = json::parse(out.out, nullptr, false);
      return answer.is_array() && !answer.empty() && answer.back().value("outcome", "") == outcome;
    }, std::chrono::seconds(30));
    return answer.is_array() && !answer.empty() ? answer.back() : json::object();
  };

  json post = fedify.post("/control/post", {{"actor", "alice"}, {"to", {kPublic}}, {"content", "<p>Rally at noon.</p>"}});
  fedify.post("/control/send", {{"actor", "dave"},
                                {"to", {dave["followers"]}},
                                {"activity", {{"type", "Announce"}, {"object", post["note"]}, {"to", {kPublic}}, {"cc", {dave["followers"]}}}}});
  std::string head = last(post["note"], "bridged").value("copy", "");
  REQUIRE(head.rfind("at://" + mirror.did + "/", 0) == 0);
  CHECK(threadgate_of(pds, head).is_null());  // bluesky_posting: open gates nothing

  json head_ref{{"uri", head}, {"cid", pds.get("com.atproto.repo.getRecord", "repo=" + mirror.did +
                                                 "&collection=app.bsky.feed.post&rkey=" + head.substr(head.rfind('/') + 1))["cid"]}};
  json reply = pds.post("com.atproto.repo.createRecord",
                        {{"repo", bob.did}, {"collection", "app.bsky.feed.post"}, {"record", post_record("Spam spam spam", head_ref)}},
                        bob.access_jwt);
  std::string note_id = last(reply["uri"], "bridged").value("copy", "");
  REQUIRE(note_id.rfind(causeway.origin() + "/ap/" + bob.did + "/", 0) == 0);

  // The group's moderators remove the reply: the group deletes the Note.
  json sent = fedify.post("/control/send", {{"actor", "dave"},
                                            {"to", {service}},
                                            {"activity", {{"type", "Delete"}, {"object", note_id}, {"to", {kPublic}}}}});
  std::string removal = sent["activity"];
  CHECK(eventually([&] { return hides(threadgate_of(pds, head), reply["uri"]); }, std::chrono::seconds(30)));
  json gate = threadgate_of(pds, head);
  CHECK_FALSE(gate.contains("allow"));  // anyone may still reply, as before
  CHECK(last(removal, "bridged").value("reason", "").find("hidden on Bluesky") != std::string::npos);
}
