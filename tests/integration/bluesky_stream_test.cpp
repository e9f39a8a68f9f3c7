// causeway following a real PDS's firehose (tests/peers/pds-peer.mjs): what other accounts do to
// the mirror account reaches causeway once, across restarts of causeway, with a future cursor, and
// only as signed by the repo's key in its DID document (looked up afresh when the cached one fails).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/atproto/ecdsa.h"
#include "storage/store.h"
#include "tests/support/commit_keys.h"
#include "tests/support/causeway_daemon.h"
#include "tests/support/net_util.h"
#include "tests/support/pds_peer.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

json create_post(const PdsPeer& pds, const PdsAccount& author, const std::string& text,
                 const json& reply_to = nullptr) {
  json record = {{"$type", "app.bsky.feed.post"}, {"text", text}, {"createdAt", "2026-11-22T03:00:00.000Z"}};
  if (!reply_to.is_null())
    record["reply"] = {{"root", {{"uri", reply_to["uri"]}, {"cid", reply_to["cid"]}}},
                       {"parent", {{"uri", reply_to["uri"]}, {"cid", reply_to["cid"]}}}};
  return pds.post("com.atproto.repo.createRecord",
                  {{"repo", author.did}, {"collection", "app.bsky.feed.post"}, {"record", record}}, author.access_jwt);
}

json like(const PdsPeer& pds, const PdsAccount& who, const json& post) {
  return pds.post("com.atproto.repo.createRecord",
                  {{"repo", who.did},
                   {"collection", "app.bsky.feed.like"},
                   {"record", {{"$type", "app.bsky.feed.like"}, {"subject", {{"uri", post["uri"]}, {"cid", post["cid"]}}},
                               {"createdAt", "2026-11-22T03:00:00.000Z"}}}},
                  who.access_jwt);
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

std::string stored(const json& record) { return record["uri"].get<std::string>() + " ("; }

// causeway with one bridge whose mirror account is alice.test, following the PDS's firehose.
std::unique_ptr<CausewayDaemon> causeway_watching(const PdsPeer& pds) {
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  return std::make_unique<CausewayDaemon>(R"(
  - name: townhall
    fediverse: { host: { name: townhall } }
    bluesky: { pds: )" + pds.url() + R"(, handle: alice.test, app_password: { env: TOWNHALL_APP_PASSWORD } })",
                                          "atproto:\n  plc_url: " + pds.plc_url() +
                                              "\n  stream: { kind: firehose, url: ws://localhost:" + port + " }\n");
}

// causeway starts live (no cursor yet): this waits until it sees the mirror account's new posts.
bool wait_until_live(const PdsPeer& pds, const PdsAccount& mirror, const CausewayDaemon& causeway) {
  return eventually([&] {
    json probe = create_post(pds, mirror, "Agenda attached");
    return eventually([&] { return causeway.log().find(stored(probe)) != std::string::npos; }, std::chrono::seconds(2));
  });
}

}  // namespace

TEST_CASE("replies and likes to the mirror account arrive from the firehose once, across restarts", "[bluesky]") {
  PdsPeer pds;
  PdsAccount alice = pds.create_account("alice"), bob = pds.create_account("bob");
  json root = create_post(pds, alice, "Town hall tonight");
  std::string port = pds.url().substr(pds.url().rfind(':') + 1);
  auto daemon = causeway_watching(pds);
  CausewayDaemon& causeway = *daemon;
  REQUIRE(wait_until_live(pds, alice, causeway));
  CHECK(causeway.log().find("mirror account alice.test is " + alice.did) != std::string::npos);

  json reply = create_post(pds, bob, "I'll be there 🎉", root);
  REQUIRE(eventually([&] { return causeway.log().find(stored(reply) + "reply to a mirrored post) stored") != std::string::npos; }));
  json unrelated = create_post(pds, bob, "Lunch");

  // While causeway is down, the network goes on.
  REQUIRE(causeway.stop() == 0);
  json liked = like(pds, bob, root);
  json second = create_post(pds, bob, "Me too", root);
  causeway.start();
  REQUIRE(eventually([&] { return causeway.log().find(stored(second)) != std::string::npos; }));
  std::string logs = causeway.all_logs();
  CHECK(count(logs, stored(reply)) == 1);   // not repeated after the restart
  CHECK(count(logs, stored(liked) + "like of a mirrored post) stored") == 1);  // not lost while down
  CHECK(count(logs, stored(second)) == 1);
  CHECK(count(logs, stored(unrelated)) == 0);  // bob's own posts do not concern the bridge

  // A cursor from the future (the PDS was reset, say) is recovered from: causeway starts again from
  // the oldest frame the PDS keeps, and takes in nothing twice.
  REQUIRE(causeway.stop() == 0);
  {
    auto store = std::move(causeway::Store::open(causeway.dir() / "data")).value();
    REQUIRE(store->put(causeway::Family::cursors, "firehose/ws://localhost:" + port + "/", "999999").ok());
  }
  causeway.start();
  REQUIRE(eventually([&] { return causeway.log().find("FutureCursor") != std::string::npos; }));
  json after = create_post(pds, bob, "Still here?", root);
  bool seen_live = eventually([&] { return causeway.log().find(stored(after)) != std::string::npos; });
  INFO("causeway log:\n" << causeway.log());
  CHECK(seen_live);
  logs = causeway.all_logs();
  CHECK(count(logs, stored(reply)) == 1);
  CHECK(count(logs, stored(second)) == 1);
  CHECK(count(logs, stored(after)) == 1);
}

TEST_CASE("when the PDS goes away mid-stream, causeway reconnects by itself and misses nothing", "[bluesky]") {
  PdsPeer pds;
  PdsAccount alice = pds.create_account("alice"), bob = pds.create_account("bob");
  json root = create_post(pds, alice, "Budget vote on Thursday");
  auto daemon = causeway_watching(pds);
  CausewayDaemon& causeway = *daemon;
  REQUIRE(wait_until_live(pds, alice, causeway));
  json before = create_post(pds, bob, "Count me in", root);
  REQUIRE(eventually([&] { return causeway.log().find(stored(before)) != std::string::npos; }));

  pds.restart();
  json after = like(pds, bob, root);
  bool reconnected = eventually([&] { return causeway.log().find(stored(after)) != std::string::npos; },
                                std::chrono::seconds(60));
  INFO("causeway log:\n" << causeway.log());
  CHECK(reconnected);
  CHECK(causeway.log().find("reconnecting in") != std::string::npos);
  CHECK(count(causeway.log(), stored(before)) == 1);
}

TEST_CASE("a reply signed by its author crosses, and a stale cached key of the author is looked up afresh",
          "[bluesky]") {
  PdsPeer pds;
  PdsAccount alice = pds.create_account("alice"), bob = pds.create_account("bob");
  json root = create_post(pds, alice, "Town hall tonight");
  auto daemon = causeway_watching(pds);
  CausewayDaemon& causeway = *daemon;
  REQUIRE(wait_until_live(pds, alice, causeway));

  json reply = create_post(pds, bob, "I'll be there", root);
  REQUIRE(eventually([&] { return causeway.log().find(stored(reply) + "reply to a mirrored post) stored") != std::string::npos; }));
  // Checked against Bob's key, which causeway found in his DID document on the PLC directory.
  CHECK(causeway.log().find("commit of " + bob.did + " at seq ") != std::string::npos);
  CHECK(causeway.log().find(" verified (1 ops to keep)") != std::string::npos);

  // Bob's key as causeway cached it goes stale (his PDS rotated it, say): the cached document now
  // names a key that did not sign his commits.
  REQUIRE(causeway.stop() == 0);
  {
    auto store = std::move(causeway::Store::open(causeway.dir() / "data")).value();
    auto old_key = causeway::atproto::PrivateKey::generate(causeway::atproto::Curve::k256).value().public_key();
    std::int64_t now_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    json entry = {{"doc", json::parse(did_document_json(bob.did, old_key, bob.handle))}, {"fetched_us", now_us}};
    REQUIRE(store->put(causeway::Family::actors, "did/" + bob.did, entry.dump()).ok());
  }
  causeway.start();
  json second = create_post(pds, bob, "Me too", root);
  bool crossed = eventually([&] { return causeway.log().find(stored(second) + "reply to a mirrored post) stored") != std::string::npos; });
  INFO("causeway log:\n" << causeway.log());
  CHECK(crossed);
  CHECK(causeway.log().find("the signing key of " + bob.did + " was looked up afresh") != std::string::npos);
  CHECK(causeway.log().find("dropped") == std::string::npos);
}
