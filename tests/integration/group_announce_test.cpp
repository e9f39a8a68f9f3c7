// A group hosted by causeway announcing the FEP-1b12 way, against two real Fedify servers: one
// that passes for Lemmy (its NodeInfo says so) and one that says nothing (Mastodon-style). What
// the members' servers received is what is checked.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

const std::string kPublic = "https://www.w3.org/ns/activitystreams#Public";

bool accepted(const FedifyPeer& peer, const std::string& actor, const std::string& target) {
  for (const auto& f : peer.get("/control/following?actor=" + actor))
    if (f.value("target", "") == target) return f.value("state", "") == "accepted";
  return false;
}

// The group's Announce that `name` received whose object is (or embeds) `object_id`.
std::optional<json> announced(const FedifyPeer& peer, const std::string& name, const std::string& group,
                              const std::string& object_id) {
  for (const auto& a : peer.received(name))
    if (a.value("type", "") == "Announce" && a.value("actor", "") == group && a.value("object_id", "") == object_id)
      return a;
  return std::nullopt;
}

}  // namespace

TEST_CASE("a hosted group sends a Lemmy server the member's activity and a Mastodon-style one a boost, Likes and Undos to both",
          "[fediverse][group]") {
  FedifyPeer lemmy({"--software", "lemmy"}), mastodon;
  CausewayDaemon causeway("\n  - name: townhall\n    fediverse: { host: { name: townhall } }");
  std::string group = causeway.origin() + "/ap/group/townhall";
  INFO("causeway log:\n" << causeway.log());
  json lena = lemmy.actor("lena"), max = mastodon.actor("max"), alice = mastodon.actor("alice");
  lemmy.post("/control/follow", {{"actor", "lena"}, {"target", group}});
  mastodon.post("/control/follow", {{"actor", "max"}, {"target", group}});
  mastodon.post("/control/follow", {{"actor", "alice"}, {"target", group}});
  REQUIRE(eventually([&] {
    return accepted(lemmy, "lena", group) && accepted(mastodon, "max", group) && accepted(mastodon, "alice", group);
  }));

  json post = mastodon.post("/control/post", {{"actor", "alice"},
                                              {"to", {kPublic}},
                                              {"cc", {group}},
                                              {"mentions", {group}},
                                              {"content", "<p>Meeting tonight, <a href=\"" + group + "\">@townhall</a></p>"}});
  std::string create_id = post["activity"], note_id = post["note"];

  // Lena's server runs Lemmy: it gets alice's Create itself, embedded as alice sent it.
  std::optional<json> to_lena;
  REQUIRE(eventually([&] { return (to_lena = announced(lemmy, "lena", group, create_id)).has_value(); }));
  CHECK((*to_lena)["object_type"] == "Create");
  CHECK((*to_lena)["signature"]["verified"] == true);
  const json& raw = (*to_lena)["raw"];
  CHECK(raw["audience"] == group);
  CHECK(raw["object"]["id"] == create_id);
  CHECK(raw["object"]["actor"] == alice["id"]);
  CHECK(raw["object"]["object"]["id"] == note_id);
  CHECK(raw["object"]["object"]["attributedTo"] == alice["id"]);

  // Max's server tells nothing: it gets a boost of the note by id, which it can fetch.
  std::optional<json> to_max;
  REQUIRE(eventually([&] { return (to_max = announced(mastodon, "max", group, note_id)).has_value(); }));
  CHECK((*to_max)["raw"]["object"] == note_id);
  CHECK((*to_max)["raw"]["audience"] == group);
  CHECK((*to_max)["raw"]["id"] != raw["id"]);  // two bodies, two ids
  CHECK(eventually([&] { return announced(mastodon, "max", group, note_id).value()["object_type"] == "Note"; }));
  CHECK(causeway.log().find("peer software: " + lemmy.origin() + " runs lemmy") != std::string::npos);

  // Max likes the post in the group; the group relays the Like whole, to both servers.
  json like = mastodon.post("/control/send", {{"actor", "max"},
                                              {"activity", {{"type", "Like"}, {"object", note_id}, {"to", {group}}}},
                                              {"to", {group}}});
  std::string like_id = like["activity"];
  std::optional<json> like_to_lena, like_to_alice;
  REQUIRE(eventually([&] { return (like_to_lena = announced(lemmy, "lena", group, like_id)).has_value(); }));
  CHECK((*like_to_lena)["object_type"] == "Like");
  CHECK((*like_to_lena)["raw"]["object"]["actor"] == max["id"]);
  CHECK((*like_to_lena)["raw"]["object"]["object"] == note_id);
  CHECK((*like_to_lena)["raw"]["audience"] == group);
  REQUIRE(eventually([&] { return (like_to_alice = announced(mastodon, "alice", group, like_id)).has_value(); }));
  CHECK((*like_to_alice)["object_type"] == "Like");

  // And takes it back: the Undo is relayed too (FEP-1b12 Announce of the Undo).
  json undo = mastodon.post(
      "/control/send",
      {{"actor", "max"},
       {"activity",
        {{"type", "Undo"}, {"object", {{"id", like_id}, {"type", "Like"}, {"actor", max["id"]}, {"object", note_id}}}, {"to", {group}}}},
       {"to", {group}}});
  std::string undo_id = undo["activity"];
  std::optional<json> undo_to_lena, undo_to_alice;
  REQUIRE(eventually([&] { return (undo_to_lena = announced(lemmy, "lena", group, undo_id)).has_value(); }));
  CHECK((*undo_to_lena)["object_type"] == "Undo");
  CHECK((*undo_to_lena)["raw"]["object"]["object"]["id"] == like_id);
  CHECK((*undo_to_lena)["raw"]["audience"] == group);
  REQUIRE(eventually([&] { return (undo_to_alice = announced(mastodon, "alice", group, undo_id)).has_value(); }));
  CHECK((*undo_to_alice)["object_type"] == "Undo");

  // Each server got one body of the post's Announce: no boost reached Lemmy, no Create Mastodon.
  CHECK_FALSE(announced(lemmy, "lena", group, note_id));
  CHECK_FALSE(announced(mastodon, "max", group, create_id));
  CHECK_FALSE(announced(mastodon, "alice", group, create_id));
}
