// The daemon's memory of what members' servers run, against NodeInfo hosts on 127.0.0.1: a server
// is asked once per 6 hours, one that tells nothing or cannot be reached once per half hour.
#include <catch2/catch.hpp>

#include <atomic>

#include <nlohmann/json.hpp>

#include "bridge/daemon/peer_software_cache.h"
#include "tests/support/net_util.h"
#include "tests/support/loopback_server.h"

using namespace causeway;
using nlohmann::json;

namespace {

// A server whose /.well-known/nodeinfo links a 2.1 document naming `software`, or, when it is
// empty, links nothing (as a Fedify server without a NodeInfo dispatcher answers).
struct NodeInfoHost {
  testing::LoopbackServer host;
  std::atomic<int> asked{0};

  explicit NodeInfoHost(const std::string& software) {
    host.server.Get("/.well-known/nodeinfo", [this, software](const httplib::Request&, httplib::Response& res) {
      ++asked;
      json links = json::array();
      if (!software.empty())
        links.push_back({{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.1"}, {"href", host.url() + "/nodeinfo/2.1"}});
      res.set_content(json{{"links", links}}.dump(), "application/json");
    });
    host.server.Get("/nodeinfo/2.1", [software](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"version", "2.1"}, {"software", {{"name", software}, {"version", "0.19.5"}}}}.dump(),
                      "application/json");
    });
    host.start();
  }
};

}  // namespace

TEST_CASE("a server's software is asked once per 6 hours, and not knowing it counts as Mastodon-style for 30 minutes",
          "[peer software]") {
  HttpClient http(OutboundPolicy{true}, "causeway-test");
  std::int64_t now = 1'800'000'000'000'000;
  PeerSoftwareCache cache(http, [&now] { return now; });

  NodeInfoHost lemmy("Lemmy");
  std::string inbox = lemmy.host.url() + "/users/lena/inbox";
  CHECK(cache.software(inbox) == "lemmy");
  CHECK(cache.announce_style(inbox) == activitypub::AnnounceStyle::activity);
  CHECK(cache.announce_style(lemmy.host.url() + "/inbox") == activitypub::AnnounceStyle::activity);
  CHECK(lemmy.asked == 1);
  now += 6 * 3600LL * 1'000'000 - 1;
  CHECK(cache.software(inbox) == "lemmy");
  CHECK(lemmy.asked == 1);
  now += 1;
  CHECK(cache.software(inbox) == "lemmy");
  CHECK(lemmy.asked == 2);

  NodeInfoHost silent("");
  std::string other = silent.host.url() + "/users/max/inbox";
  CHECK(cache.software(other).empty());
  CHECK(cache.announce_style(other) == activitypub::AnnounceStyle::object);
  CHECK(silent.asked == 1);
  now += 30 * 60LL * 1'000'000;
  CHECK(cache.announce_style(other) == activitypub::AnnounceStyle::object);
  CHECK(silent.asked == 2);

  // Nothing listens there: unknown.
  std::string gone = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/inbox";
  CHECK(cache.announce_style(gone) == activitypub::AnnounceStyle::object);
  CHECK(cache.software("not a url").empty());
}
