// The mirror writer (the BridgeWriter for Bluesky), run by the bridge worker, against a small in-process fake of a PDS on 127.0.0.1, with the real router,
// store and queue: what ends up on Bluesky when a Delete comes while a copy is being made, and
// when a followed group announces a post by its Create (FEP-1b12). The fake PDS lets a test act
// while the writer is inside createRecord, so the race is played in order, not by luck.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "bridge/base/base64.h"
#include "bridge/base/clock.h"
#include "bridge/bridge_worker.h"
#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/router.h"
#include "protocols/atproto/mirror_writer.h"
#include "tests/support/fake_jwt.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using nlohmann::json;

namespace {

constexpr const char* kFollowedGroup = "https://groups.example/c/news";
constexpr const char* kAlice = "https://social.example/users/alice";
const std::string kMirror = "did:plc:mirrormirrormirrormirror";

std::string jwt(const std::string& scope) {
  return testing::fake_jwt({{"scope", scope}, {"sub", kMirror}, {"exp", 4'000'000'000LL}});
}

// Sessions, and a repo of posts kept by uri. `on_create` runs inside createRecord, before it answers.
class FakePds : public testing::LoopbackServer {
 public:
  FakePds() {
    server.Post("/xrpc/com.atproto.server.createSession", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"accessJwt", jwt("com.atproto.appPass")},
                           {"refreshJwt", jwt("com.atproto.refresh")},
                           {"did", kMirror},
                           {"handle", "news.example"}}
                          .dump(),
                      "application/json");
    });
    for (const char* nsid : {"com.atproto.repo.createRecord", "com.atproto.repo.putRecord"})
      server.Post(std::string("/xrpc/") + nsid, [this](const httplib::Request& req, httplib::Response& res) {
        json body = json::parse(req.body);
        std::string uri = "at://" + kMirror + "/" + body["collection"].get<std::string>() + "/" + body["rkey"].get<std::string>();
        std::function<void()> hook;
        {
          std::lock_guard lock(mu_);
          records_[uri] = body["record"];
          hook = on_create;
        }
        if (hook) hook();
        res.set_content(json{{"uri", uri}, {"cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}}.dump(),
                        "application/json");
      });
    server.Post("/xrpc/com.atproto.repo.deleteRecord", [this](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body);
      std::lock_guard lock(mu_);
      records_.erase("at://" + kMirror + "/" + body["collection"].get<std::string>() + "/" + body["rkey"].get<std::string>());
      res.set_content("{}", "application/json");
    });
    start();
  }
  std::map<std::string, json> records() {
    std::lock_guard lock(mu_);
    return records_;
  }

  std::function<void()> on_create;  // set before the writer starts

 private:
  std::mutex mu_;
  std::map<std::string, json> records_;
};

struct Fixture {
  Fixture() {
    { std::ofstream(dir / "app-password") << "app-pass-1\n"; }
    BridgeConfig news;
    news.name = "news";
    news.fediverse.group = "@news@groups.example";
    news.fediverse_replies = FediverseReplies::anyone;
    news.bluesky = BlueskySide{parse_url(pds.url(), "http,https").value(), "news.example",
                               SecretRef{SecretRef::Source::file, (dir / "app-password").string()}};
    news.attribution = "";
    config.bridges.push_back(news);
    router = std::make_unique<Router>(config, *db, queue, metrics, RouterHooks{}, now_us);
    router->set_group_id("news", kFollowedGroup);
    log.set_observer([this](WriteBatch& batch, const Event& e) { router->route(batch, e); });
  }

  // Stores the event as the inbox does: under the ingest locks of its ids, routed in the same batch.
  Event store(Event e) {
    auto guard = log.locks().lock({e.origin.activity_id, e.origin.object.id});
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us());
    REQUIRE(db->write(batch).ok());
    return e;
  }
  std::string last(const std::string& id) {
    auto d = router->decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? "" : d->back().describe();
  }
  // Runs the writer until no job is left in the queue.
  void run_writer() {
    atproto::MirrorWriter writer(atproto::MirrorWriterDeps{config, *db, log, queue, *router, metrics, http, vault,
                                                           now_us, nullptr, nullptr, fetch_post});
    BridgeWorker worker(BridgeWorkerDeps{config, *db, log, queue, router->decisions(), metrics, now_us}, kToBlueskyJob,
                        writer);
    worker.start();
    for (int i = 0; i < 2000; ++i) {
      auto left = queue.pending_count();
      REQUIRE(left.ok());
      if (*left == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    worker.stop();
    auto left = queue.pending_count();
    REQUIRE(left.ok());
    REQUIRE(*left == 0);
  }

  testing::TempDir dir;
  FakePds pds;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  Config config;
  DeliveryQueue queue{*db, now_us};
  Metrics metrics;
  EventLog log{*db};
  std::unique_ptr<Router> router;
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  SecretVault vault = SecretVault::from_key(std::array<unsigned char, SecretVault::kKeyBytes>{7, 7, 7});
  std::function<Result<Event, FetchFailure>(const std::string&, const std::string&)> fetch_post;
};

// A public Create of alice's Note sent straight to causeway, in the group.
Event direct_post(const std::string& note) {
  Event e;
  e.kind = EventKind::post;
  e.origin = {Network::activitypub, note + "/create", {Network::activitypub, note, ""}, "Note", kAlice};
  e.actor.id = kAlice;
  e.audience = {Visibility::public_, kFollowedGroup};
  e.content.text = "hello from the fediverse";
  return e;
}

// The group's Announce of alice's Create (Lemmy): the announced id is the Create's, not the Note's.
Event group_announce(const std::string& note) {
  Event e;
  e.kind = EventKind::repost;
  std::string create = note + "/create";
  e.origin = {Network::activitypub, std::string(kFollowedGroup) + "/activities/announce/1",
              {Network::activitypub, create, ""}, "", ""};
  e.subject = NativeRef{Network::activitypub, create, ""};
  e.actor.id = kFollowedGroup;
  return e;
}

// What the post's origin answers when the Create is fetched: the Note, by alice.
Event fetched_note(const std::string& note) {
  Event e = direct_post(note);
  e.origin.activity_id = "";
  e.origin.object_author = "";
  return e;
}

Event alices_delete(const std::string& note) {
  Event e;
  e.kind = EventKind::remove;
  e.origin = {Network::activitypub, note + "#delete", {Network::activitypub, note, ""}, "", ""};
  e.subject = NativeRef{Network::activitypub, note, ""};
  e.actor.id = kAlice;
  return e;
}

}  // namespace

TEST_CASE("a Delete that comes while the copy is being written removes the copy", "[mirror writer]") {
  Fixture f;
  const std::string note = "https://social.example/notes/1";
  f.store(direct_post(note));
  CHECK(f.last(note) == "queued for delivery: post");
  f.pds.on_create = [&] {
    f.pds.on_create = nullptr;
    f.store(alices_delete(note));
  };
  f.run_writer();
  CHECK(f.last(note + "#delete") == "not bridged: deleted before it crossed; its copy will not be made");
  CHECK(f.pds.records().empty());
  CHECK(f.last(note) == "not bridged: deleted while its copy was being made; the copy was removed");
  auto copy = IdMap(*f.db).bluesky_copy(note);
  REQUIRE(copy.ok());
  CHECK_FALSE(copy->has_value());
}

TEST_CASE("the author's Delete of a Note announced by its Create stops the copy, also while it is being written",
          "[mirror writer]") {
  Fixture f;
  const std::string note = "https://social.example/notes/2";
  f.fetch_post = [&](const std::string& id, const std::string&) -> Result<Event, FetchFailure> {
    if (id != note + "/create") return FetchFailure{true, "unexpected fetch of " + id};
    return fetched_note(note);
  };
  f.store(group_announce(note));
  f.pds.on_create = [&] {
    f.pds.on_create = nullptr;
    f.store(alices_delete(note));
  };
  f.run_writer();
  CHECK(f.last(note + "#delete") ==
        "not bridged: deleted before it crossed; its copy will not be made if " + std::string(kAlice) + " wrote it");
  CHECK(f.pds.records().empty());
  CHECK(f.last(note) == "not bridged: deleted while its copy was being made; the copy was removed");
  CHECK(f.last(note + "/create") == "not bridged: deleted while its copy was being made; the copy was removed");
}

TEST_CASE("a Note sent straight to causeway and announced by its Create makes one Bluesky post", "[mirror writer]") {
  Fixture f;
  const std::string note = "https://social.example/notes/3";
  f.fetch_post = [&](const std::string&, const std::string&) -> Result<Event, FetchFailure> { return fetched_note(note); };
  Event announce = f.store(group_announce(note));
  f.store(direct_post(note));
  f.run_writer();
  CHECK(f.pds.records().size() == 1);
  CHECK(f.last(announce.origin.activity_id).rfind("not bridged: already", 0) == 0);
  CHECK(f.last(note).rfind("bridged as at://", 0) == 0);
}

TEST_CASE("a Note announced by its Create after it was bridged straight is not posted again", "[mirror writer]") {
  Fixture f;
  const std::string note = "https://social.example/notes/4";
  f.fetch_post = [&](const std::string&, const std::string&) -> Result<Event, FetchFailure> { return fetched_note(note); };
  f.store(direct_post(note));
  f.run_writer();
  REQUIRE(f.pds.records().size() == 1);
  Event announce = f.store(group_announce(note));
  f.run_writer();
  CHECK(f.pds.records().size() == 1);
  CHECK(f.last(announce.origin.activity_id).rfind("not bridged: already bridged as at://", 0) == 0);
}
