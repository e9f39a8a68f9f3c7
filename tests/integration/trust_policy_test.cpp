// Who may act for whom, against a real daemon and real peers (Fedify, and a PDS where a copy would
// land): a Delete from someone else does not cancel a member's queued post, a Create of an object
// attributed to another actor is not bridged, a follower claiming another server's shared inbox
// does not cut that server's members off the group, and a reply sent straight to causeway in a
// followed group's thread is not posted by the mirror account (members.fediverse_replies).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include "tests/support/bridge_setup.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

// The mirror account's posts on the PDS (its first page is enough here).
json mirror_posts(const PdsPeer& pds, const std::string& did) {
  return pds.get("com.atproto.repo.listRecords", "repo=" + did + "&collection=app.bsky.feed.post&limit=100")["records"];
}

// `causeway why --json ID`'s last decision, "" if there is none.
std::string last_outcome(const CausewayDaemon& causeway, const std::string& id) {
  ProcessOutput out = causeway.cli({"why", "--config", causeway.config().string(), "--json", id});
  json decisions = json::parse(out.out, nullptr, false);
  return decisions.is_array() && !decisions.empty() ? decisions.back().value("outcome", "") : "";
}

}  // namespace

TEST_CASE("someone else's Delete of a member's queued post does not cancel it: the post still reaches Bluesky", "[trust]") {
  BridgeSetup b("", "", "wrong-password-1234");  // the copy waits in the queue until the password is fixed
  b.join("alice");
  b.join("mallory");
  json note = b.post("alice", "<p>Strike vote on Friday</p>");
  INFO("causeway log:\n" << b.causeway->all_logs());
  REQUIRE(eventually([&] { return last_outcome(*b.causeway, note["note"]) == "queued"; }));

  json forged = b.fedify.post("/control/send", {{"actor", "mallory"},
                                                {"to", {b.group}},
                                                {"activity", {{"type", "Delete"},
                                                              {"object", note["note"]},
                                                              {"to", {kPublic}},
                                                              {"cc", {b.group}}}}});
  CHECK(b.not_bridged_because(forged["activity"]).find("only its author may edit or delete it") != std::string::npos);
  CHECK(last_outcome(*b.causeway, note["note"]) == "queued");

  b.causeway->stop();
  setenv("TOWNHALL_APP_PASSWORD", b.mirror.app_password.c_str(), 1);
  b.causeway->start();
  // The job retries a minute after the failed login.
  std::string uri;
  CHECK(eventually([&] {
    if (last_outcome(*b.causeway, note["note"]) != "bridged") return false;
    uri = b.bridged_as(note["note"]);
    return true;
  }, std::chrono::seconds(150), std::chrono::milliseconds(500)));
  REQUIRE(!uri.empty());
  CHECK(b.record(uri)["value"]["text"].get<std::string>().find("Strike vote on Friday") != std::string::npos);
}

TEST_CASE("a member's Create of an object attributed to someone else is not bridged, and why says so", "[trust]") {
  BridgeSetup b;
  json alice = b.join("alice");
  b.join("mallory");
  std::string object = b.fedify.origin() + "/users/mallory/notes/forged-1";
  json forged = b.fedify.post("/control/send", {{"actor", "mallory"},
                                                {"to", {b.group}},
                                                {"activity", {{"type", "Create"},
                                                              {"object", {{"type", "Note"},
                                                                          {"id", object},
                                                                          {"attributedTo", alice["id"]},
                                                                          {"content", "<p>I resign from the board.</p>"},
                                                                          {"to", {kPublic}},
                                                                          {"cc", {b.group}}}},
                                                              {"to", {kPublic}},
                                                              {"cc", {b.group}}}}});
  INFO("causeway log:\n" << b.causeway->log());
  CHECK(b.not_bridged_because(object) == "its object is attributed to " + alice["id"].get<std::string>() +
                                             ", not to the actor " + b.fedify.origin() + "/users/mallory");
  ProcessOutput why = b.causeway->cli({"why", "--config", b.causeway->config().string(), forged["activity"]});
  CHECK(why.out.find("townhall: not bridged: its object is attributed to") != std::string::npos);
  // A real post sent after it crosses, and is the mirror account's only post.
  json real = b.post("alice", "<p>Board meeting minutes are up.</p>");
  REQUIRE(!b.bridged_as(real["note"]).empty());
  CHECK(mirror_posts(b.pds, b.mirror.did).size() == 1);
  // Nor does the group announce it to its members (the real post's Announce shows they get them).
  REQUIRE(eventually([&] {
    for (const auto& a : b.received("alice", "Announce", b.group))
      if (a.value("object_id", "") == real["note"]) return true;
    return false;
  }));
  for (const auto& a : b.received("alice", "Announce", b.group)) CHECK(a.value("object_id", "") != object);
}

TEST_CASE("a follower claiming another server's shared inbox does not cut that server's members off the group",
          "[trust]") {
  FedifyPeer one({"--shared-inbox"}), two({"--shared-inbox"});
  // Followers are kept in actor-id order; the claim took the server over only when it came first,
  // so the attacker lives on whichever server sorts first.
  bool one_first = one.origin() + "/users/mallory" < two.origin() + "/users/alice";
  FedifyPeer& attackers = one_first ? one : two;
  FedifyPeer& members = one_first ? two : one;
  CausewayDaemon causeway("\n  - name: townhall\n    fediverse: { host: { name: townhall } }");
  std::string group = causeway.origin() + "/ap/group/townhall";
  INFO("causeway log:\n" << causeway.log());

  attackers.post("/control/actors", {{"name", "mallory"}, {"shared_inbox", members.origin() + "/not-an-inbox"}});
  members.actor("alice");
  members.actor("carol");
  auto members_of_group = [&] {
    httplib::Client client("127.0.0.1", causeway.port());
    auto res = client.Get("/ap/group/townhall/followers?page=1");
    return res ? json::parse(res->body, nullptr, false).value("orderedItems", json::array()) : json::array();
  };
  for (auto [peer, name] : {std::pair{&attackers, "mallory"}, std::pair{&members, "alice"}, std::pair{&members, "carol"}}) {
    peer->post("/control/follow", {{"actor", name}, {"target", group}});
    std::string id = peer->origin() + "/users/" + name;
    REQUIRE(eventually([&] {
      for (const auto& m : members_of_group())
        if (m == id) return true;
      return false;
    }));
  }
  json note = members.post("/control/post", {{"actor", "alice"},
                                             {"to", {kPublic}},
                                             {"cc", {group}},
                                             {"content", "<p>Picket line moves to the north gate.</p>"}});
  auto announced_to = [&](FedifyPeer& peer, const std::string& name) {
    for (const auto& a : peer.received(name))
      if (a.value("type", "") == "Announce" && a.value("actor", "") == group && a.value("object_id", "") == note["note"])
        return true;
    return false;
  };
  CHECK(eventually([&] { return announced_to(members, "carol"); }));
  CHECK(eventually([&] { return announced_to(attackers, "mallory"); }));  // at its own inbox
}

TEST_CASE("with members.fediverse_replies at its default (via_group), only what the followed group announced crosses",
          "[trust]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("groupmirror");
  setenv("NEWS_APP_PASSWORD", mirror.app_password.c_str(), 1);
  FedifyPeer fedify;
  json dave = fedify.actor("dave");  // plays the group
  json alice = fedify.actor("alice"), mallory = fedify.actor("mallory");
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  CausewayDaemon causeway(
      "\n  - name: news\n    fediverse: { group: \"@dave@127.0.0.1:" + std::to_string(fedify.port()) +
          "\" }\n    bluesky: { pds: " + pds.url() + ", handle: groupmirror.test, app_password: { env: NEWS_APP_PASSWORD } }",
      "atproto:\n  plc_url: " + pds.plc_url() + "\n  stream: { kind: firehose, url: ws://localhost:" + port + " }\n", "info");
  std::string service = causeway.origin() + "/ap/bridge";
  INFO("causeway log:\n" << causeway.log());
  REQUIRE(eventually([&] {
    for (const auto& f : fedify.get("/control/followers?actor=dave"))
      if (f == service) return true;
    return false;
  }));
  // The last decision about `id` once it is `outcome` (or whatever it is after 30 s).
  auto why = [&](const std::string& id, const std::string& outcome) {
    eventually([&] { return last_outcome(causeway, id) == outcome; }, std::chrono::seconds(30));
    ProcessOutput out = causeway.cli({"why", "--config", causeway.config().string(), "--json", id});
    json answer = json::parse(out.out, nullptr, false);
    return answer.is_array() && !answer.empty() ? answer.back() : json::object();
  };
  auto announce = [&](const json& note) {
    fedify.post("/control/send", {{"actor", "dave"},
                                  {"to", {dave["followers"]}},
                                  {"activity", {{"type", "Announce"},
                                                {"object", note["note"]},
                                                {"to", {kPublic}},
                                                {"cc", {dave["followers"]}}}}});
  };

  json post = fedify.post("/control/post", {{"actor", "alice"}, {"to", {kPublic}}, {"content", "<p>Rally at noon.</p>"}});
  announce(post);
  json original = why(post["note"], "bridged");
  INFO("decision: " << original.dump());
  REQUIRE(original.value("outcome", "") == "bridged");

  // mallory answers straight to causeway; the group never announced mallory.
  json direct = fedify.post("/control/post", {{"actor", "mallory"},
                                              {"to", {kPublic}},
                                              {"cc", {service}},
                                              {"inReplyTo", post["note"]},
                                              {"content", "<p>Buy followers cheap</p>"}});
  json refused = why(direct["note"], "not bridged");
  CHECK(refused.value("outcome", "") == "not bridged");
  CHECK(refused.value("reason", "").find("members.fediverse_replies: via_group") != std::string::npos);
  CHECK(mirror_posts(pds, mirror.did).size() == 1);

  // The same reply once the group announces it: it crosses, under the post it answers.
  announce(direct);
  json bridged = why(direct["note"], "bridged");
  REQUIRE(bridged.value("outcome", "") == "bridged");
  json posts = mirror_posts(pds, mirror.did);
  CHECK(posts.size() == 2);
  for (const auto& r : posts)
    if (r["uri"] == bridged["copy"]) CHECK(r["value"]["reply"]["parent"]["uri"] == original["copy"]);
}
