// The fediverse side's WebFinger lookups against a WebFinger host on 127.0.0.1: a Bluesky thread
// that mentions the same bridged fediverse account again and again asks its server once an hour,
// not once per reply, and a host that names no actor is not asked again for five minutes.
#include <catch2/catch.hpp>

#include <atomic>

#include <nlohmann/json.hpp>

#include "bridge/base/metrics.h"
#include "bridge/daemon/fediverse_service.h"
#include "bridge/event_log.h"
#include "storage/secret_vault.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using nlohmann::json;

TEST_CASE("WebFinger answers are kept an hour and misses five minutes", "[webfinger]") {
  testing::LoopbackServer host;
  std::atomic<int> asked{0};
  host.server.Get("/.well-known/webfinger", [&](const httplib::Request& req, httplib::Response& res) {
    ++asked;
    std::string resource = req.get_param_value("resource");
    if (resource.rfind("acct:alice@", 0) != 0) {
      res.status = 404;
      return;
    }
    res.set_content(json{{"subject", resource},
                         {"links", {{{"rel", "self"}, {"type", "application/activity+json"},
                                     {"href", "http://127.0.0.1/users/alice"}}}}}
                        .dump(),
                    "application/jrd+json");
  });
  host.start();
  std::string authority = "127.0.0.1:" + std::to_string(host.port());

  testing::TempDir dir;
  auto store = std::move(Store::open(dir / "db")).value();
  Config config;
  config.allow_private_addresses = true;  // the host is on loopback (plain http is then tried too)
  config.server.public_url = *parse_url("http://127.0.0.1:1", "http");
  EventLog events(*store);
  SecretVault vault = SecretVault::from_key(std::array<unsigned char, SecretVault::kKeyBytes>{7, 7, 7});
  Metrics metrics;
  std::int64_t now = 1'800'000'000'000'000;
  FediverseService fediverse(config, *store, events, vault, metrics, [&now] { return now; });

  for (int i = 0; i < 5; ++i) {
    auto actor = fediverse.webfinger_actor("alice@" + authority);
    REQUIRE(actor.ok());
    CHECK(*actor == "http://127.0.0.1/users/alice");
  }
  int after_hits = asked.load();
  CHECK(after_hits == 1);  // https first (no TLS there: no request), then http: one answer, kept

  CHECK_FALSE(fediverse.webfinger_actor("nobody@" + authority).ok());
  int after_miss = asked.load();
  CHECK_FALSE(fediverse.webfinger_actor("nobody@" + authority).ok());
  CHECK(asked.load() == after_miss);  // the miss is remembered

  now += 301'000'000;  // past five minutes: the miss is asked again, the answer still kept
  CHECK_FALSE(fediverse.webfinger_actor("nobody@" + authority).ok());
  CHECK(asked.load() > after_miss);
  int before = asked.load();
  CHECK(fediverse.webfinger_actor("alice@" + authority).ok());
  CHECK(asked.load() == before);

  now += 3'600'000'000;  // past an hour: asked again
  CHECK(fediverse.webfinger_actor("alice@" + authority).ok());
  CHECK(asked.load() > before);
}
