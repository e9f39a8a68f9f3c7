// The mirror account's Bluesky profile against a real PDS: what a Bluesky user sees on the
// account's page (getRecord of app.bsky.actor.profile/self; the test PDS has no AppView for
// getProfile). The avatar is a PNG the Fedify peer makes.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"
#include "tests/support/pds_peer.h"
#include "tests/support/remote_server.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

// The account's profile record (uri, cid, value), or null when it has none.
json profile_of(const PdsPeer& pds, const PdsAccount& account) {
  try {
    return pds.get("com.atproto.repo.getRecord", "repo=" + account.did + "&collection=app.bsky.actor.profile&rkey=self");
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string bridge_yaml(const PdsPeer& pds, const std::string& host, const std::string& bluesky_extra) {
  return R"(
  - name: townhall
    fediverse: { host: { name: townhall, )" + host + R"( } }
    bluesky: { pds: )" + pds.url() + R"(, handle: townhall.test, app_password: { env: TOWNHALL_APP_PASSWORD })" +
         bluesky_extra + " }\n";
}

void rewrite(const std::filesystem::path& file, const std::string& from, const std::string& to) {
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string s = text.str();
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  std::ofstream(file, std::ios::trunc) << s;
}

}  // namespace

TEST_CASE("the mirror account shows the hosted group's name, summary with its link and avatar, and follows a rename",
          "[bridge][profile]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("townhall");
  setenv("TOWNHALL_APP_PASSWORD", mirror.app_password.c_str(), 1);
  FedifyPeer images;
  std::string avatar = images.origin() + "/media/townhall.png";
  CausewayDaemon causeway(bridge_yaml(pds, R"(display_name: "Town Hall", summary: "Questions and answers for our town.", avatar: ")" + avatar + "\"", ""),
                          "atproto:\n  plc_url: " + pds.plc_url() + "\n");
  std::string group = causeway.origin() + "/ap/group/townhall";
  INFO("causeway log:\n" << causeway.all_logs());

  json profile;
  REQUIRE(eventually([&] { return !(profile = profile_of(pds, mirror)).is_null(); }, std::chrono::seconds(30)));
  const json& v = profile["value"];
  CHECK(v["displayName"] == "Town Hall");
  CHECK(v["description"] == "Questions and answers for our town.\n\nMirror of " + group);
  REQUIRE(v.contains("avatar"));
  CHECK(v["avatar"]["mimeType"] == "image/png");
  std::string avatar_cid = v["avatar"]["ref"]["$link"];
  // The blob is really on the PDS, as the app would load it.
  httplib::Client blobs("localhost", std::stoi(pds.url().substr(pds.url().rfind(':') + 1)));
  auto blob = blobs.Get("/xrpc/com.atproto.sync.getBlob?did=" + mirror.did + "&cid=" + avatar_cid);
  REQUIRE(blob);
  CHECK(blob->status == 200);
  CHECK(blob->body.rfind("\x89PNG", 0) == 0);

  // A restart with nothing changed writes nothing: the repo gets no new commit.
  std::string first_cid = profile["cid"];
  auto latest_rev = [&] { return pds.get("com.atproto.sync.getLatestCommit", "did=" + mirror.did)["rev"].get<std::string>(); };
  std::string rev = latest_rev();
  REQUIRE(causeway.stop() == 0);
  causeway.start();
  CHECK(eventually([&] { return causeway.log().find("mirror account profile already shows") != std::string::npos; },
                   std::chrono::seconds(30)));
  CHECK(latest_rev() == rev);

  // The operator pins a post by hand; causeway keeps it when the group is renamed.
  REQUIRE(causeway.stop() == 0);
  json pinned{{"uri", "at://" + mirror.did + "/app.bsky.feed.post/3l2s5xxv2ze2c"}, {"cid", first_cid}};
  json edited = v;
  edited["pinnedPost"] = pinned;
  pds.post("com.atproto.repo.putRecord",
           {{"repo", mirror.did}, {"collection", "app.bsky.actor.profile"}, {"rkey", "self"}, {"record", edited}},
           mirror.access_jwt);
  rewrite(causeway.config(), "\"Town Hall\"", "\"Town Hall of Springfield\"");
  causeway.start();
  CHECK(eventually([&] {
    json now = profile_of(pds, mirror);
    return !now.is_null() && now["value"].value("displayName", "") == "Town Hall of Springfield";
  }, std::chrono::seconds(30)));
  json renamed = profile_of(pds, mirror)["value"];
  CHECK(renamed["pinnedPost"] == pinned);
  CHECK(renamed["avatar"]["ref"]["$link"] == avatar_cid);
  CHECK(renamed["description"] == v["description"]);
}

TEST_CASE("with bluesky.profile: manual the mirror account's profile is never written", "[bridge][profile]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("townhall");
  setenv("TOWNHALL_APP_PASSWORD", mirror.app_password.c_str(), 1);
  CausewayDaemon causeway(bridge_yaml(pds, R"(display_name: "Town Hall", summary: "Our town.")", ", profile: manual"),
                          "atproto:\n  plc_url: " + pds.plc_url() + "\n");
  INFO("causeway log:\n" << causeway.all_logs());
  // With sync the profile is there within a second or two of start (the test above).
  std::this_thread::sleep_for(std::chrono::seconds(5));
  CHECK(profile_of(pds, mirror).is_null());
  CHECK(causeway.log().find("mirror account profile") == std::string::npos);
}

TEST_CASE("a followed group's name, summary and icon show on the mirror account, and its Update is followed soon",
          "[bridge][profile]") {
  PdsPeer pds;
  PdsAccount mirror = pds.create_account("citynews");
  setenv("NEWS_APP_PASSWORD", mirror.app_password.c_str(), 1);
  FedifyPeer images;
  RemoteServer lemmy;
  std::string group = lemmy.actor("news", "Group");
  auto group_doc = [&](const std::string& name) {
    return json{{"@context", {"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"}},
                {"id", group},
                {"type", "Group"},
                {"preferredUsername", "news"},
                {"name", name},
                {"summary", "<p>Local <b>news</b>,<br>daily.</p>"},
                {"url", lemmy.origin() + "/c/news"},
                {"icon", {{"type", "Image"}, {"url", images.origin() + "/media/news.png"}}},
                {"inbox", group + "/inbox"},
                {"followers", group + "/followers"},
                {"publicKey", {{"id", group + "#main-key"}, {"owner", group}, {"publicKeyPem", lemmy.key("news").public_pem().value()}}}};
  };
  lemmy.serve("/users/news", group_doc("News of the Day"));
  CausewayDaemon causeway("\n  - name: news\n    fediverse: { group: \"@news@" + lemmy.host() + "\" }\n"
                          "    bluesky: { pds: " + pds.url() + ", handle: citynews.test, app_password: { env: NEWS_APP_PASSWORD } }",
                          "atproto:\n  plc_url: " + pds.plc_url() + "\n");
  INFO("causeway log:\n" << causeway.all_logs());
  json profile;
  REQUIRE(eventually([&] { return !(profile = profile_of(pds, mirror)).is_null(); }, std::chrono::seconds(30)));
  CHECK(profile["value"]["displayName"] == "News of the Day");
  CHECK(profile["value"]["description"] == "Local news,\ndaily.\n\nMirror of " + lemmy.origin() + "/c/news");
  CHECK(profile["value"]["avatar"]["mimeType"] == "image/png");

  // The group renames itself and tells its followers; the account follows within seconds, not hours.
  json renamed = group_doc("News of the Week");
  lemmy.serve("/users/news", renamed);
  json update = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", group + "#updates/1"}, {"type", "Update"},
                 {"actor", group}, {"object", renamed}, {"to", {"https://www.w3.org/ns/activitystreams#Public"}}};
  auto res = post_signed_to(causeway.port(), "/ap/inbox", update.dump(), &lemmy.key("news"), group + "#main-key");
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK(eventually([&] {
    json now = profile_of(pds, mirror);
    return !now.is_null() && now["value"].value("displayName", "") == "News of the Week";
  }, std::chrono::seconds(30)));
}
