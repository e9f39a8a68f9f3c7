// causeway against a real Fedify server on loopback: discovery, hosted groups (FEP-1b12), held
// follow requests approved from the CLI, following a remote actor, and the inbox's refusals.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/public_key.h"
#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;
namespace ap = causeway::activitypub;

namespace {

const std::string kPublic = "https://www.w3.org/ns/activitystreams#Public";

std::string following_state(const FedifyPeer& peer, const std::string& actor, const std::string& target) {
  for (const auto& f : peer.get("/control/following?actor=" + actor))
    if (f.value("target", "") == target) return f.value("state", "");
  return "";
}

const json* find_received(const json& received, const std::string& type, const std::string& actor) {
  for (const auto& a : received)
    if (a.value("type", "") == type && a.value("actor", "") == actor) return &a;
  return nullptr;
}

}  // namespace

TEST_CASE("Fedify peers find a hosted group, join it, and get members' posts announced", "[fediverse]") {
  FedifyPeer peer1, peer2;
  CausewayDaemon causeway(R"(
  - name: townhall
    fediverse: { host: { name: townhall, display_name: "Town Hall", summary: "Questions for the town" } }
  - name: council
    fediverse: { host: { name: council, manually_approves_members: true } })");
  std::string group = causeway.origin() + "/ap/group/townhall";

  // WebFinger from Fedify, and the reverse check: the actor's preferredUsername@host resolves back.
  json found = peer1.get("/control/lookup?resource=acct:townhall@127.0.0.1:" + std::to_string(causeway.port()));
  CHECK(found["self"] == group);
  CHECK(found["actor"]["type"] == "Group");
  CHECK(found["actor"]["preferredUsername"] == "townhall");
  CHECK(found["subject"] == "acct:townhall@127.0.0.1:" + std::to_string(causeway.port()));

  json alice = peer1.actor("alice"), bob = peer2.actor("bob");
  peer1.post("/control/follow", {{"actor", "alice"}, {"target", group}});
  peer2.post("/control/follow", {{"actor", "bob"}, {"target", group}});
  INFO("causeway log:\n" << causeway.log());
  REQUIRE(eventually([&] { return following_state(peer1, "alice", group) == "accepted"; }));
  REQUIRE(eventually([&] { return following_state(peer2, "bob", group) == "accepted"; }));

  json note = peer1.post("/control/post", {{"actor", "alice"},
                                           {"to", {kPublic}},
                                           {"cc", {group}},
                                           {"mentions", {group}},
                                           {"content", "<p>Meeting tonight at 7, <a href=\"" + group + "\">@townhall</a></p>"}});
  json announce;
  REQUIRE(eventually([&] {
    json received = peer2.received("bob");
    const json* found_announce = find_received(received, "Announce", group);
    if (found_announce) announce = *found_announce;
    return found_announce != nullptr;
  }));
  CHECK(announce["object_id"] == note["note"]);
  CHECK(announce["signature"]["verified"] == true);

  // A non-member's post to the group is not announced.
  json mallory = peer1.actor("mallory");
  peer1.post("/control/post", {{"actor", "mallory"}, {"to", {kPublic}}, {"cc", {group}}, {"content", "<p>spam</p>"}});
  std::this_thread::sleep_for(std::chrono::seconds(2));
  for (const auto& a : peer2.received("bob"))
    if (a.value("type", "") == "Announce") CHECK(a["object_id"] == note["note"]);

  // A group that vets members holds the request until the operator approves it.
  std::string council = causeway.origin() + "/ap/group/council";
  json carol = peer1.actor("carol");
  peer1.post("/control/follow", {{"actor", "carol"}, {"target", council}});
  REQUIRE(eventually([&] {
    auto pending = causeway.cli({"members", "pending", "--config", "causeway.yaml", "--group", "council"});
    return pending.out == carol["id"].get<std::string>() + "\n";
  }));
  CHECK(following_state(peer1, "carol", council) == "pending");
  auto approved = causeway.cli({"members", "approve", "--config", "causeway.yaml", "--group", "council", carol["id"]});
  CHECK(approved.exit_code == 0);
  CHECK(eventually([&] { return following_state(peer1, "carol", council) == "accepted"; }));
  CHECK(causeway.cli({"members", "pending", "--config", "causeway.yaml", "--group", "council"}).out.empty());
  CHECK(causeway.cli({"members", "approve", "--config", "causeway.yaml", "--group", "nope", "x"}).exit_code == 1);
}

TEST_CASE("causeway follows a group on another server and receives what it posts", "[fediverse]") {
  FedifyPeer peer;
  json dave = peer.actor("dave");
  std::string handle = "@dave@127.0.0.1:" + std::to_string(peer.port());
  CausewayDaemon causeway("\n  - name: news\n    fediverse: { group: \"" + handle + "\" }");
  std::string service = causeway.origin() + "/ap/bridge";
  INFO("causeway log:\n" << causeway.log());
  REQUIRE(eventually([&] {
    for (const auto& f : peer.get("/control/followers?actor=dave"))
      if (f == service) return true;
    return false;
  }));
  json post = peer.post("/control/post", {{"actor", "dave"},
                                          {"to", {dave["followers"]}},
                                          {"cc", {kPublic}},
                                          {"content", "<p>Council meets on Monday</p>"}});
  std::string expected = "inbox: Create " + post["activity"].get<std::string>() + " from " + dave["id"].get<std::string>() +
                         " stored";
  CHECK(eventually([&] { return causeway.log().find(expected) != std::string::npos; }));
  CHECK(eventually([&] {
    httplib::Client client("127.0.0.1", causeway.port());
    auto res = client.Get("/ap/bridge/following?page=1");
    return res && json::parse(res->body)["orderedItems"] == json{dave["id"]};
  }));
}

namespace {

// A remote actor the test controls: its own key, its actor document served on loopback.
struct TestActor {
  ap::PrivateKey key = std::move(ap::PrivateKey::generate_rsa(2048)).value();
  httplib::Server server;
  int port = free_port();
  std::thread thread;
  std::atomic<int> deliveries{0};

  TestActor() {
    std::string pem = key.public_pem().value();
    server.Get(R"(/users/(\w+))", [this, pem](const httplib::Request& req, httplib::Response& res) {
      std::string id = origin() + req.path;
      json doc = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", id}, {"type", "Person"},
                  {"inbox", id + "/inbox"}, {"preferredUsername", std::string(req.matches[1])},
                  {"publicKey", {{"id", id + "#main-key"}, {"owner", id}, {"publicKeyPem", pem}}}};
      res.set_content(doc.dump(), "application/activity+json");
    });
    // This server has gone away for good: every delivery to it is refused.
    server.Post(R"(/users/(\w+)/inbox)", [this](const httplib::Request&, httplib::Response& res) {
      ++deliveries;
      res.status = 410;
    });
    thread = std::thread([this] { server.listen("127.0.0.1", port); });
    eventually([this] { return server.is_running(); });
  }
  ~TestActor() {
    server.stop();
    thread.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
};

json like(const TestActor& actor, const std::string& user, const std::string& n, const std::string& object) {
  std::string id = actor.origin() + "/users/" + user;
  return {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", id + "/likes/" + n}, {"type", "Like"},
          {"actor", id}, {"object", object}};
}

httplib::Result post_signed(const CausewayDaemon& causeway, const std::string& body, const ap::PrivateKey* key,
                            const std::string& key_id, std::chrono::seconds skew = std::chrono::seconds(0),
                            const std::string& sent_body = "");

std::string metric(const CausewayDaemon& causeway, const std::string& series);

}  // namespace

TEST_CASE("deliveries a server refuses go to the dead-letter list, and the CLI sends them again", "[fediverse]") {
  TestActor remote;
  CausewayDaemon causeway("\n  - name: townhall\n    fediverse: { host: { name: townhall } }");
  std::string gina = remote.origin() + "/users/gina";
  std::string group = causeway.origin() + "/ap/group/townhall";
  INFO("causeway log:\n" << causeway.log());
  json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", gina + "/follows/1"}, {"type", "Follow"},
                 {"actor", gina}, {"object", group}};
  REQUIRE(post_signed(causeway, follow.dump(), &remote.key, gina + "#main-key")->status == 202);

  std::string listed;
  REQUIRE(eventually([&] {
    listed = causeway.cli({"queue", "dead", "--config", "causeway.yaml"}).out;
    return listed.find("HTTP 410") != std::string::npos;
  }));
  CHECK(remote.deliveries == 1);  // 410 is final: no retries
  std::string job = listed.substr(0, listed.find('\t'));
  CHECK(job.find(gina + "/inbox") != std::string::npos);
  auto retried = causeway.cli({"queue", "retry", "--config", "causeway.yaml", job});
  CHECK(retried.exit_code == 0);
  CHECK(eventually([&] { return remote.deliveries == 2; }));
  CHECK(causeway.cli({"queue", "retry", "--config", "causeway.yaml", "no-such-job"}).exit_code == 1);
  CHECK(eventually([&] { return metric(causeway, "causeway_deliveries_total{outcome=\"refused\"}") == "2"; }));
}

namespace {

httplib::Result post_signed(const CausewayDaemon& causeway, const std::string& body, const ap::PrivateKey* key,
                            const std::string& key_id, std::chrono::seconds skew, const std::string& sent_body) {
  ap::HttpRequestView view;
  view.method = "POST";
  view.target = "/ap/inbox";
  view.authority = "127.0.0.1:" + std::to_string(causeway.port());
  view.scheme = "http";
  view.add_header("Content-Type", "application/activity+json");
  view.body = body;
  if (key) {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + skew;
    REQUIRE(ap::sign_cavage(view, *key, key_id, now).ok());
  }
  httplib::Headers headers;
  for (const auto& f : view.headers)
    if (!ap::equals_ignoring_case(f.name, "host") && !ap::equals_ignoring_case(f.name, "content-type"))
      headers.emplace(f.name, f.value);
  httplib::Client client("127.0.0.1", causeway.port());
  return client.Post("/ap/inbox", headers, sent_body.empty() ? body : sent_body, "application/activity+json");
}

std::string metric(const CausewayDaemon& causeway, const std::string& series) {
  httplib::Client client("127.0.0.1", causeway.admin_port());
  std::string body = client.Get("/metrics")->body;
  auto at = body.find(series + " ");
  return at == std::string::npos ? "" : body.substr(at + series.size() + 1, body.find('\n', at) - at - series.size() - 1);
}

}  // namespace

TEST_CASE("the inbox refuses unsigned, stale, tampered and wrong-owner POSTs and stores nothing", "[fediverse]") {
  TestActor remote;
  CausewayDaemon causeway("[]");
  std::string erin = remote.origin() + "/users/erin";
  std::string object = causeway.origin() + "/ap/bridge";
  INFO("causeway log:\n" << causeway.log());

  std::string body = like(remote, "erin", "1", object).dump();
  CHECK(post_signed(causeway, body, nullptr, "")->status == 401);
  CHECK(post_signed(causeway, body, &remote.key, erin + "#main-key", -std::chrono::hours(13))->status == 401);
  CHECK(post_signed(causeway, body, &remote.key, erin + "#main-key", std::chrono::hours(2))->status == 401);
  std::string tampered = like(remote, "erin", "1", causeway.origin() + "/ap/other").dump();
  CHECK(post_signed(causeway, body, &remote.key, erin + "#main-key", {}, tampered)->status == 401);
  // Signed by frank's key (the same key pair, but frank's keyId names frank as owner) for erin.
  CHECK(post_signed(causeway, body, &remote.key, remote.origin() + "/users/frank#main-key")->status == 401);

  CHECK(metric(causeway, "causeway_inbox_rejected_total{status=\"401\",reason=\"signature: no_signature\"}") == "1");
  CHECK(metric(causeway, "causeway_inbox_rejected_total{status=\"401\",reason=\"signature: expired\"}") == "1");
  CHECK(metric(causeway, "causeway_inbox_rejected_total{status=\"401\",reason=\"signature: not_yet_valid\"}") == "1");
  CHECK(metric(causeway, "causeway_inbox_rejected_total{status=\"401\",reason=\"signature: digest_mismatch\"}") == "1");
  CHECK(metric(causeway, "causeway_inbox_rejected_total{status=\"401\",reason=\"signature: key_owner_mismatch\"}") == "1");
  CHECK(metric(causeway, "causeway_inbox_total{outcome=\"accepted\"}").empty());

  // None of the refused requests left a trace: the same activity, signed properly, is new.
  CHECK(post_signed(causeway, body, &remote.key, erin + "#main-key")->status == 202);
  CHECK(metric(causeway, "causeway_inbox_total{outcome=\"accepted\"}") == "1");
  CHECK(post_signed(causeway, body, &remote.key, erin + "#main-key")->status == 202);
  CHECK(metric(causeway, "causeway_inbox_total{outcome=\"duplicate\"}") == "1");

  // Bad bodies: too large, not JSON, absurdly deep.
  std::string huge = "{\"x\":\"" + std::string(1100000, 'a') + "\"}";
  CHECK(post_signed(causeway, huge, &remote.key, erin + "#main-key")->status == 413);
  std::string deep = std::string(200, '[') + std::string(200, ']');
  CHECK(post_signed(causeway, deep, &remote.key, erin + "#main-key")->status == 400);
  CHECK(post_signed(causeway, "not json", &remote.key, erin + "#main-key")->status == 400);
}
