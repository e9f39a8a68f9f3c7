// Trust under hostile and concurrent traffic, against a real causeway daemon (and, where a copy on
// Bluesky is what a user would see, a real PDS): nobody signs for somebody else, a request signed
// for another server is refused, and concurrent copies of one activity cross once.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/black_hole.h"
#include "tests/support/bridge_setup.h"
#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"
#include "tests/support/pds_peer.h"
#include "tests/support/remote_server.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

json followers_of(const CausewayDaemon& causeway, const std::string& group_path) {
  httplib::Client client("127.0.0.1", causeway.port());
  auto res = client.Get(group_path + "/followers?page=1");
  if (!res || res->status != 200) return json::array();
  return json::parse(res->body).value("orderedItems", json::array());
}

json create_note(const std::string& actor, const std::string& id, const std::string& group, const std::string& text) {
  return {{"@context", "https://www.w3.org/ns/activitystreams"},
          {"id", id},
          {"type", "Create"},
          {"actor", actor},
          {"to", {kPublic}},
          {"cc", {group}},
          {"object",
           {{"id", id + "/note"}, {"type", "Note"}, {"attributedTo", actor}, {"content", "<p>" + text + "</p>"},
            {"to", {kPublic}}, {"cc", {group}}, {"published", "2026-12-01T10:00:00Z"}}}};
}

// The mirror account's posts on the PDS.
std::vector<json> mirror_posts(const PdsPeer& pds, const std::string& did) {
  json listed = pds.get("com.atproto.repo.listRecords", "repo=" + did + "&collection=app.bsky.feed.post&limit=100");
  std::vector<json> out;
  for (const auto& r : listed["records"]) out.push_back(r);
  return out;
}

// Sends `body` `n` times at once, each from its own thread; returns the statuses.
std::vector<int> send_at_once(int n, int port, const std::string& path, const std::string& body,
                              const causeway::activitypub::PrivateKey& key, const std::string& key_id) {
  std::vector<int> statuses(n, 0);
  std::atomic<int> ready{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < n; ++i)
    senders.emplace_back([&, i] {
      ++ready;
      while (ready < n) std::this_thread::yield();
      auto res = post_signed_to(port, path, body, &key, key_id);
      statuses[i] = res ? res->status : -1;
    });
  for (auto& t : senders) t.join();
  return statuses;
}

}  // namespace

TEST_CASE("a key on an attacker's server that names a victim as its owner signs for nobody", "[trust]") {
  FedifyPeer victims;
  json alice = victims.actor("alice");
  RemoteServer attacker;
  CausewayDaemon causeway("\n  - name: townhall\n    fediverse: { host: { name: townhall } }");
  std::string group = causeway.origin() + "/ap/group/townhall";
  INFO("causeway log:\n" << causeway.log());

  // The attacker's key document claims alice as its owner; alice's own document does not list it.
  std::string key_id = attacker.origin() + "/keys/1";
  attacker.actor("mallory");
  attacker.serve("/keys/1", {{"@context", "https://w3id.org/security/v1"},
                             {"id", key_id},
                             {"owner", alice["id"]},
                             {"publicKeyPem", attacker.key("mallory").public_pem().value()}});
  std::string alice_id = alice["id"];
  json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", alice_id + "/follows/forged"},
                 {"type", "Follow"}, {"actor", alice_id}, {"object", group}};
  auto res = post_signed_to(causeway.port(), "/ap/group/townhall/inbox", follow.dump(), &attacker.key("mallory"), key_id);
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(json::parse(res->body)["error"] == "signature: key_unavailable");  // the class, no addresses
  CHECK(res->body.find("127.0.0.1") == std::string::npos);
  json forged_post = create_note(alice_id, alice_id + "/posts/forged", group, "I resign");
  res = post_signed_to(causeway.port(), "/ap/inbox", forged_post.dump(), &attacker.key("mallory"), key_id);
  REQUIRE(res);
  CHECK(res->status == 401);

  // Alice is no member, and the group announced nothing in her name.
  CHECK(followers_of(causeway, "/ap/group/townhall").empty());
  CHECK(causeway.log().find("does not list it") != std::string::npos);  // the detail is in the log

  // A key the owner does list still works: mallory signs as mallory.
  json own = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", attacker.actor("mallory") + "/follows/1"},
              {"type", "Follow"}, {"actor", attacker.actor("mallory")}, {"object", group}};
  res = post_signed_to(causeway.port(), "/ap/group/townhall/inbox", own.dump(), &attacker.key("mallory"),
                       attacker.actor("mallory") + "#main-key");
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK(eventually([&] { return followers_of(causeway, "/ap/group/townhall") == json{attacker.actor("mallory")}; }));
}

TEST_CASE("a request signed for another server is refused here, and nothing is stored", "[trust]") {
  RemoteServer remote;
  CausewayDaemon causeway("\n  - name: townhall\n    fediverse: { host: { name: townhall } }");
  std::string group = causeway.origin() + "/ap/group/townhall";
  std::string erin = remote.actor("erin");
  INFO("causeway log:\n" << causeway.log());
  json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", erin + "/follows/1"},
                 {"type", "Follow"}, {"actor", erin}, {"object", group}};
  // Signed (validly) for other.example, then replayed to causeway.
  auto res = post_signed_to(causeway.port(), "/ap/group/townhall/inbox", follow.dump(), &remote.key("erin"),
                            erin + "#main-key", "other.example");
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(json::parse(res->body)["error"] == "signature: wrong_authority");
  CHECK(followers_of(causeway, "/ap/group/townhall").empty());
  // The same activity signed for causeway is taken.
  res = post_signed_to(causeway.port(), "/ap/group/townhall/inbox", follow.dump(), &remote.key("erin"), erin + "#main-key");
  REQUIRE(res);
  CHECK(res->status == 202);
}

TEST_CASE("eight identical signed POSTs at once make one event, one job and one Bluesky record", "[trust][bridge]") {
  BridgeSetup b;
  RemoteServer member_server;
  std::string gina = member_server.actor("gina");
  std::string key_id = gina + "#main-key";
  INFO("causeway log:\n" << b.causeway->log());
  json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", gina + "/follows/1"},
                 {"type", "Follow"}, {"actor", gina}, {"object", b.group}};
  REQUIRE(post_signed_to(b.causeway->port(), "/ap/group/townhall/inbox", follow.dump(), &member_server.key("gina"), key_id)->status == 202);

  json create = create_note(gina, gina + "/posts/1", b.group, "Rally moved to Saturday");
  std::vector<int> statuses = send_at_once(8, b.causeway->port(), "/ap/inbox", create.dump(), member_server.key("gina"), key_id);
  for (int s : statuses) CHECK(s == 202);

  std::string uri = b.bridged_as(gina + "/posts/1/note");
  REQUIRE_FALSE(uri.empty());
  // Exactly one copy on Bluesky, one "queued" decision (one job), seven duplicates counted.
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let any second copy show itself
  int copies = 0;
  for (const auto& r : mirror_posts(b.pds, b.mirror.did))
    if (r["value"]["text"].get<std::string>().find("Rally moved to Saturday") != std::string::npos) ++copies;
  CHECK(copies == 1);
  int queued = 0;
  for (const auto& d : b.why(gina + "/posts/1/note"))
    if (d.value("outcome", "") == "queued") ++queued;
  CHECK(queued == 1);
}

TEST_CASE("a followed group's Announce delivered eight times at once crosses once", "[trust][bridge]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("townhall");
  setenv("NEWS_APP_PASSWORD", mirror.app_password.c_str(), 1);
  RemoteServer lemmy;
  std::string group = lemmy.actor("news", "Group");
  std::string author = lemmy.actor("reporter");
  std::string note_id = lemmy.origin() + "/post/7";
  lemmy.serve("/post/7", {{"@context", "https://www.w3.org/ns/activitystreams"},
                          {"id", note_id},
                          {"type", "Note"},
                          {"attributedTo", author},
                          {"content", "<p>Strike vote passes 94 to 6</p>"},
                          {"to", {kPublic}},
                          {"cc", {group}},
                          {"published", "2026-12-01T10:00:00Z"}});
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  CausewayDaemon causeway("\n  - name: news\n    fediverse: { group: \"@news@" + lemmy.host() + "\" }\n"
                          "    bluesky: { pds: " + pds.url() + ", handle: townhall.test, app_password: { env: NEWS_APP_PASSWORD } }",
                          "atproto:\n  plc_url: " + pds.plc_url() + "\n  stream: { kind: firehose, url: ws://localhost:" + port + " }\n",
                          "info");
  INFO("causeway log:\n" << causeway.log());
  // causeway follows the group first (that is how it learns the group's id).
  REQUIRE(eventually([&] {
    for (const auto& a : lemmy.received())
      if (a.value("type", "") == "Follow" && a.value("object", "") == group) return true;
    return false;
  }));
  // The group accepts (as Lemmy does at once): its key is known before the Announces race in.
  json follow;
  for (const auto& a : lemmy.received())
    if (a.value("type", "") == "Follow") follow = a;
  json accept = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", group + "/accept/1"}, {"type", "Accept"},
                 {"actor", group}, {"object", follow}};
  REQUIRE(post_signed_to(causeway.port(), "/ap/inbox", accept.dump(), &lemmy.key("news"), group + "#main-key")->status == 202);
  json announce = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", group + "/announce/7"},
                   {"type", "Announce"}, {"actor", group}, {"object", note_id}, {"to", {kPublic}},
                   {"cc", {group + "/followers"}}};
  std::vector<int> statuses = send_at_once(8, causeway.port(), "/ap/inbox", announce.dump(), lemmy.key("news"), group + "#main-key");
  for (int s : statuses) CHECK(s == 202);
  REQUIRE(eventually([&] {
    for (const auto& r : mirror_posts(pds, mirror.did))
      if (r["value"]["text"].get<std::string>().find("Strike vote passes") != std::string::npos) return true;
    return false;
  }, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  int copies = 0;
  for (const auto& r : mirror_posts(pds, mirror.did))
    if (r["value"]["text"].get<std::string>().find("Strike vote passes") != std::string::npos) ++copies;
  CHECK(copies == 1);
  // And one job: a single "queued" decision about the post (no second copy was even attempted).
  json why = json::parse(causeway.cli({"why", "--config", "causeway.yaml", "--json", note_id}).out, nullptr, false);
  REQUIRE(why.is_array());
  int queued = 0;
  for (const auto& d : why)
    if (d.value("outcome", "") == "queued") ++queued;
  CHECK(queued == 1);
}

TEST_CASE("while 60 POSTs wait on a key host that never answers, a member's post crosses once and /healthz answers", "[trust][bridge]") {
  BridgeSetup b;
  RemoteServer member_server;
  BlackHole silent;
  std::string gina = member_server.actor("gina");
  INFO("causeway log:\n" << b.causeway->log());
  json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", gina + "/follows/1"},
                 {"type", "Follow"}, {"actor", gina}, {"object", b.group}};
  REQUIRE(post_signed_to(b.causeway->port(), "/ap/group/townhall/inbox", follow.dump(), &member_server.key("gina"),
                         gina + "#main-key")->status == 202);

  // The flood: activities "of" actors on the silent host, each naming its own key there.
  std::vector<std::thread> flood;
  std::atomic<int> flood_answered{0};
  for (int i = 0; i < 60; ++i)
    flood.emplace_back([&, i] {
      std::string actor = silent.origin() + "/users/u" + std::to_string(i);
      json like = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", actor + "/likes/1"}, {"type", "Like"},
                   {"actor", actor}, {"object", b.group}};
      auto res = post_signed_to(b.causeway->port(), "/ap/inbox", like.dump(), &member_server.key("gina"), actor + "#main-key");
      if (res) ++flood_answered;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the flood is in, waiting on its keys

  httplib::Client health("127.0.0.1", b.causeway->port());
  health.set_read_timeout(2, 0);
  auto up = health.Get("/healthz");
  CHECK((up && up->status == 200));
  json create = create_note(gina, gina + "/posts/flood", b.group, "Picket at the gate, 7am");
  auto res = post_signed_to(b.causeway->port(), "/ap/inbox", create.dump(), &member_server.key("gina"), gina + "#main-key");
  REQUIRE(res);
  CHECK(res->status == 202);
  std::string uri = b.bridged_as(gina + "/posts/flood/note");
  CHECK_FALSE(uri.empty());
  for (auto& t : flood) t.join();
  CHECK(flood_answered == 60);  // refused in the end (key_unavailable), none left hanging
  int copies = 0;
  for (const auto& r : mirror_posts(b.pds, b.mirror.did))
    if (r["value"]["text"].get<std::string>().find("Picket at the gate") != std::string::npos) ++copies;
  CHECK(copies == 1);
}
