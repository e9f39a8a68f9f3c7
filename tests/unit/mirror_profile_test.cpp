// MirrorProfile against a small in-process fake of a PDS (and an image host) on 127.0.0.1: what
// it writes, what it leaves alone, and how it behaves when things fail.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "bridge/base/clock.h"
#include "bridge/daemon/mirror_profile.h"
#include "protocols/atproto/cid.h"
#include "tests/support/fake_jwt.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using nlohmann::json;

namespace {

const std::string kMirror = "did:plc:mirrormirrormirrormirror";
const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "not really pixels";

std::string jwt(const std::string& scope) {
  return testing::fake_jwt({{"scope", scope}, {"sub", kMirror}, {"exp", 4'000'000'000LL}});
}

// One account's profile record, uploads counted; also serves images at /img/*.
class FakePds : public testing::LoopbackServer {
 public:
  FakePds() {
    server.Post("/xrpc/com.atproto.server.createSession", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"accessJwt", jwt("com.atproto.appPass")}, {"refreshJwt", jwt("com.atproto.refresh")},
                           {"did", kMirror}, {"handle", "news.example"}}.dump(),
                      "application/json");
    });
    server.Get("/xrpc/com.atproto.repo.getRecord", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (profile.is_null()) {
        res.status = 400;
        res.set_content(R"({"error":"RecordNotFound","message":"Could not locate record"})", "application/json");
        return;
      }
      res.set_content(json{{"uri", "at://" + kMirror + "/app.bsky.actor.profile/self"}, {"cid", "bafyreiprofile"},
                           {"value", profile}}.dump(),
                      "application/json");
    });
    server.Post("/xrpc/com.atproto.repo.putRecord", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      if (fail_puts > 0) {
        --fail_puts;
        res.status = 500;
        res.set_content(R"({"error":"InternalServerError","message":"disk full"})", "application/json");
        return;
      }
      ++puts;
      profile = json::parse(req.body)["record"];
      res.set_content(json{{"uri", "at://" + kMirror + "/app.bsky.actor.profile/self"}, {"cid", "bafyreiprofile"}}.dump(),
                      "application/json");
    });
    server.Post("/xrpc/com.atproto.repo.uploadBlob", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++uploads;
      std::string cid = atproto::Cid::compute(atproto::kCodecRaw, req.body).to_string();
      res.set_content(json{{"blob", {{"$type", "blob"}, {"ref", {{"$link", cid}}},
                                     {"mimeType", req.get_header_value("Content-Type")}, {"size", req.body.size()}}}}.dump(),
                      "application/json");
    });
    server.Get("/img/logo.png", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kPng, "application/octet-stream");  // mislabelled, as servers do
    });
    server.Get("/img/logo.gif", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("GIF89a...", "image/gif");
    });
    start();
  }

  std::mutex mu_;
  json profile;  // null: none yet
  int puts = 0, uploads = 0, fail_puts = 0;
};

struct Fixture {
  explicit Fixture(BlueskySide::Profile mode = BlueskySide::Profile::sync) {
    BridgeConfig news;
    news.name = "news";
    news.fediverse.group = "@news@groups.example";
    news.bluesky = BlueskySide{parse_url(pds.url(), "http,https").value(), "news.example", {}};
    news.bluesky->profile = mode;
    config.bridges.push_back(news);
    group = {"https://groups.example/c/news", "News", "Local news, daily.", "https://groups.example/c/news",
             pds.url() + "/img/logo.png"};
  }
  MirrorProfileDeps deps() {
    return MirrorProfileDeps{config, http,
                             [this](const BridgeConfig&, std::string& error) -> atproto::XrpcClient* {
                               ++logins;
                               if (!client.did() && !client.login("news.example", "app-pass-1").ok()) {
                                 error = "cannot log in";
                                 return nullptr;
                               }
                               return &client;
                             },
                             [this](const BridgeConfig&) -> Result<GroupProfile> {
                               ++reads;
                               std::lock_guard lock(mu);
                               if (group_error) return make_error("groups.example: HTTP 503");
                               return group;
                             },
                             std::chrono::hours(1), std::chrono::milliseconds(20), std::chrono::milliseconds(80)};
  }

  testing::TempDir dir;
  FakePds pds;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  Config config;
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  SecretVault vault = SecretVault::from_key(std::array<unsigned char, SecretVault::kKeyBytes>{7, 7, 7});
  atproto::XrpcClient client{pds.url(), http, *db, vault, now_us, [](std::chrono::microseconds) {}};
  std::mutex mu;
  GroupProfile group;  // guarded by mu
  bool group_error = false;
  std::atomic<int> logins{0}, reads{0};
};

}  // namespace

TEST_CASE("the profile is written once, and an unchanged group writes and uploads nothing again", "[profile]") {
  Fixture f;
  MirrorProfile profiles(f.deps());
  auto first = profiles.sync(f.config.bridges[0]);
  REQUIRE(first.ok());
  CHECK(*first == "written");
  CHECK(f.pds.profile["displayName"] == "News");
  CHECK(f.pds.profile["description"] == "Local news, daily.\n\nMirror of https://groups.example/c/news");
  CHECK(f.pds.profile["avatar"]["mimeType"] == "image/png");  // by its bytes, not its label
  CHECK(f.pds.uploads == 1);

  auto again = profiles.sync(f.config.bridges[0]);
  REQUIRE(again.ok());
  CHECK(*again == "unchanged");
  CHECK(f.pds.puts == 1);
  CHECK(f.pds.uploads == 1);  // the same image is not uploaded again

  f.group.name = "News of the Week";
  REQUIRE(profiles.sync(f.config.bridges[0]).ok());
  CHECK(f.pds.profile["displayName"] == "News of the Week");
  CHECK(f.pds.puts == 2);
  CHECK(f.pds.uploads == 1);
}

TEST_CASE("an avatar that is not PNG or JPEG does not stop the name, keeps the old avatar, and is reported", "[profile]") {
  Fixture f;
  MirrorProfile profiles(f.deps());
  REQUIRE(profiles.sync(f.config.bridges[0]).ok());
  json avatar = f.pds.profile["avatar"];
  f.group.name = "Renamed";
  f.group.avatar_url = f.pds.url() + "/img/logo.gif";
  auto done = profiles.sync(f.config.bridges[0]);
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().find("not a PNG or JPEG") != std::string::npos);
  CHECK(done.error().find("logo.gif") != std::string::npos);
  CHECK(f.pds.profile["displayName"] == "Renamed");
  CHECK(f.pds.profile["avatar"] == avatar);
}

TEST_CASE("a failing write is retried with a growing delay until it succeeds, without crashing", "[profile]") {
  Fixture f;
  f.pds.fail_puts = 3;
  MirrorProfile profiles(f.deps());
  profiles.start();
  for (int i = 0; i < 200 && f.pds.puts == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  profiles.stop();
  CHECK(f.pds.puts == 1);
  CHECK(f.pds.fail_puts == 0);
  CHECK(f.pds.profile["displayName"] == "News");
  CHECK(f.reads == 4);  // three failures, then the write; no more until the recheck an hour later
}

TEST_CASE("a group that cannot be read is retried and the account is not touched meanwhile", "[profile]") {
  Fixture f;
  f.group_error = true;
  MirrorProfile profiles(f.deps());
  profiles.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  profiles.stop();
  // 20, 40, 80, 80, 80 ms ...: a handful of tries, not a busy loop.
  CHECK(f.reads >= 3);
  CHECK(f.reads <= 8);
  CHECK(f.logins == 0);
  CHECK(f.pds.profile.is_null());
}

TEST_CASE("with bluesky.profile: manual nothing is read or written, even on the group's Update", "[profile]") {
  Fixture f(BlueskySide::Profile::manual);
  MirrorProfile profiles(f.deps());
  profiles.start();
  profiles.actor_updated("https://groups.example/c/news");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  profiles.stop();
  CHECK(f.reads == 0);
  CHECK(f.pds.profile.is_null());
  CHECK(profiles.sync(f.config.bridges[0]).ok());
  CHECK(f.pds.puts == 0);
}
