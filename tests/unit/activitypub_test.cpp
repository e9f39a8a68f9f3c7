#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/discovery.h"
#include "protocols/activitypub/group_policy.h"
#include "protocols/activitypub/note_event.h"
#include "protocols/net/address_guard.h"

using namespace causeway;
using namespace causeway::activitypub;
using nlohmann::json;

namespace {

bool public_v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, text, &a.sin_addr);
  return is_public_address(reinterpret_cast<sockaddr*>(&a));
}

bool public_v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &a.sin6_addr);
  return is_public_address(reinterpret_cast<sockaddr*>(&a));
}

LocalActors test_actors() {
  LocalActors actors(*parse_url("https://bridge.example:8443", "https"));
  actors.add({LocalActor::Kind::group, "group/townhall", "townhall", "Town Hall", "", "", false, "townhall"});
  return actors;
}

}  // namespace

TEST_CASE("the outbound guard refuses every non-public address", "[guard]") {
  CHECK(public_v4("93.184.216.34"));
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                        "224.0.0.1", "255.255.255.255", "192.0.2.1"})
    CHECK_FALSE(public_v4(a));
  CHECK(public_v6("2606:4700::1111"));
  for (const char* a : {"::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                        "2001:db8::1", "64:ff9b::7f00:1"})
    CHECK_FALSE(public_v6(a));
  auto refused = resolve_guarded("localhost", 80, OutboundPolicy{false});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("non-public address") != std::string::npos);
  CHECK(resolve_guarded("localhost", 80, OutboundPolicy{true}).ok());
}

TEST_CASE("WebFinger finds local actors by acct: with the port, and nothing else", "[discovery]") {
  LocalActors actors = test_actors();
  auto found = webfinger(actors, "acct:townhall@bridge.example:8443");
  REQUIRE(found.status == 200);
  CHECK(found.content_type.rfind("application/jrd+json", 0) == 0);
  json jrd = json::parse(found.body);
  CHECK(jrd["subject"] == "acct:townhall@bridge.example:8443");
  CHECK(jrd["links"][0]["rel"] == "self");
  CHECK(jrd["links"][0]["href"] == "https://bridge.example:8443/ap/group/townhall");
  CHECK(webfinger(actors, "acct%3Atownhall%40bridge.example%3A8443").status == 200);
  CHECK(webfinger(actors, "https://bridge.example:8443/ap/group/townhall").status == 200);
  CHECK(webfinger(actors, "acct:townhall@other.example").status == 404);
  CHECK(webfinger(actors, "acct:nobody@bridge.example:8443").status == 404);
  CHECK(webfinger(actors, "").status == 400);
  CHECK(json::parse(nodeinfo("2.1", {2, 0}).body)["software"]["name"] == "causeway");
  CHECK(nodeinfo("9.9", {}).status == 404);
}

TEST_CASE("AS2 bodies are bounded and activities need id, type and actor", "[as2]") {
  CHECK(parse_as2(std::string(100, '[') + std::string(100, ']')).error() == "JSON is nested deeper than 32 levels");
  CHECK(parse_as2("[1]").error() == "body is not a JSON object");
  CHECK(parse_as2("{").error() == "body is not valid JSON");
  CHECK(parse_as2(std::string(2 << 20, ' ')).error().find("over the limit") != std::string::npos);
  CHECK(view_activity(json{{"type", "Like"}, {"actor", "https://a.example/u"}}).error() == "activity has no absolute id");
  auto v = view_activity(json{{"id", "https://a.example/1"},
                              {"type", "Create"},
                              {"actor", {{"id", "https://a.example/u"}}},
                              {"object", {{"id", "https://a.example/n"}, {"cc", {kPublic}}}},
                              {"signature", {{"type", "RsaSignature2017"}}},
                              {"proof", {{"type", "DataIntegrityProof"}}}});
  REQUIRE(v.ok());
  CHECK(v->actor == "https://a.example/u");
  CHECK(v->is_public());  // addressing of the object counts too
  CHECK(is_activity_json_type("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""));
  CHECK_FALSE(is_activity_json_type("text/html"));
}

TEST_CASE("a hosted group announces members' posts addressed or mentioning it, and nothing else", "[group]") {
  LocalActors actors = test_actors();
  const LocalActor& group = *actors.by_key("group/townhall");
  std::string gid = actors.id(group);
  json mention = {{"id", "https://m.example/a/1"},
                  {"type", "Create"},
                  {"actor", "https://m.example/u/ann"},
                  {"to", {kPublic}},
                  {"object", {{"id", "https://m.example/n/1"},
                              {"attributedTo", "https://m.example/u/ann"},
                              {"tag", {{{"type", "Mention"}, {"href", gid}}}}}}};
  auto post = *view_activity(mention);
  CHECK(decide_group_announce(actors, group, post, true, false).announce);
  CHECK(decide_group_announce(actors, group, post, false, false).reason == "author is not a member of the group");
  CHECK(decide_group_announce(actors, group, post, true, true).reason == "author's domain is blocked");
  json elsewhere = mention;
  elsewhere["object"]["tag"] = json::array();
  CHECK(decide_group_announce(actors, group, *view_activity(elsewhere), true, false).reason == "not addressed to the group");
  json direct = mention;
  direct["to"] = {"https://m.example/u/bob"};
  CHECK(decide_group_announce(actors, group, *view_activity(direct), true, false).reason ==
        "neither public nor addressed to the group");

  GroupAnnounces announces = group_announces(actors, group, post, mention, "2026-11-22T00:00:00Z");
  // For forum software (FEP-1b12): the member's activity itself, embedded as it was received.
  const json& of_activity = announces.of_activity;
  CHECK(of_activity["type"] == "Announce");
  CHECK(of_activity["actor"] == gid);
  CHECK(of_activity["object"] == mention);
  CHECK(of_activity["object"]["id"] == "https://m.example/a/1");
  CHECK(of_activity["object"]["actor"] == "https://m.example/u/ann");
  CHECK(of_activity["object"]["object"]["id"] == "https://m.example/n/1");
  CHECK(of_activity["audience"] == gid);
  CHECK(of_activity["to"] == json{actors.followers(group)});
  CHECK(of_activity["cc"] == json{kPublic});
  // For Mastodon-style servers: a boost of the post by id, which they fetch from its origin.
  REQUIRE(announces.boost);
  const json& boost = *announces.boost;
  CHECK(boost["type"] == "Announce");
  CHECK(boost["actor"] == gid);
  CHECK(boost["object"] == "https://m.example/n/1");
  CHECK(boost["audience"] == gid);
  CHECK(boost["to"] == json{actors.followers(group)});
  CHECK(boost["cc"] == json{kPublic});
  // Two bodies, two ids; the same ids on every try, which receivers dedupe on.
  CHECK(boost["id"] != of_activity["id"]);
  GroupAnnounces again = group_announces(actors, group, post, mention, "x");
  CHECK(again.of_activity["id"] == of_activity["id"]);
  CHECK(again.boost->at("id") == boost["id"]);
}

TEST_CASE("a hosted group relays a member's Like and its Undo whole, and no other Undo", "[group]") {
  LocalActors actors = test_actors();
  const LocalActor& group = *actors.by_key("group/townhall");
  std::string gid = actors.id(group);
  json like = {{"id", "https://m.example/likes/1"},
               {"type", "Like"},
               {"actor", "https://m.example/u/ann"},
               {"to", {gid}},
               {"object", "https://o.example/n/9"}};
  GroupAnnounces liked = group_announces(actors, group, *view_activity(like), like, "x");
  CHECK(liked.of_activity["object"] == like);
  CHECK(liked.of_activity["audience"] == gid);
  CHECK(liked.of_activity["cc"] == json::array());  // the Like was for the group only
  CHECK_FALSE(liked.boost);  // a Like has no boost form: every server gets it whole

  json undo = {{"id", "https://m.example/likes/1/undo"}, {"type", "Undo"}, {"actor", "https://m.example/u/ann"},
               {"to", {gid}}, {"object", like}};
  CHECK(decide_group_announce(actors, group, *view_activity(undo), true, false).announce);
  CHECK(decide_group_announce(actors, group, *view_activity(undo), false, false).reason ==
        "author is not a member of the group");
  GroupAnnounces undone = group_announces(actors, group, *view_activity(undo), undo, "x");
  CHECK(undone.of_activity["object"] == undo);
  CHECK_FALSE(undone.boost);
  CHECK(undone.of_activity["id"] != liked.of_activity["id"]);

  json unboost = undo;
  unboost["object"] = {{"id", "https://m.example/boosts/2"}, {"type", "Announce"}, {"actor", "https://m.example/u/ann"},
                       {"object", "https://o.example/n/9"}};
  CHECK(decide_group_announce(actors, group, *view_activity(unboost), true, false).announce);

  json of_another = undo;
  of_another["object"]["actor"] = "https://m.example/u/bob";
  CHECK(decide_group_announce(actors, group, *view_activity(of_another), true, false).reason ==
        "it undoes the Like of https://m.example/u/bob, not of its actor https://m.example/u/ann");
  json of_follow = undo;
  of_follow["object"] = {{"id", "https://m.example/f/1"}, {"type", "Follow"}, {"actor", "https://m.example/u/ann"},
                         {"object", gid}};
  CHECK(decide_group_announce(actors, group, *view_activity(of_follow), true, false).reason ==
        "an Undo of Follow is not relayed");
  json by_id = undo;
  by_id["object"] = "https://m.example/likes/1";
  CHECK(decide_group_announce(actors, group, *view_activity(by_id), true, false).reason ==
        "it names what it undoes only by id, so what it undoes is unknown");
}

TEST_CASE("a hosted group does not announce a member's Create of an object that is not the member's own", "[group]") {
  LocalActors actors = test_actors();
  const LocalActor& group = *actors.by_key("group/townhall");
  json create = {{"id", "https://m.example/a/2"},
                 {"type", "Create"},
                 {"actor", "https://m.example/u/mallory"},
                 {"to", {kPublic, actors.id(group)}},
                 {"object", {{"id", "https://m.example/n/2"}, {"attributedTo", "https://m.example/u/ann"}}}};
  CHECK(decide_group_announce(actors, group, *view_activity(create), true, false).reason ==
        "its object is attributed to https://m.example/u/ann, not to the actor https://m.example/u/mallory");
  create["object"].erase("attributedTo");
  CHECK(decide_group_announce(actors, group, *view_activity(create), true, false).reason ==
        "its object is attributed to nobody, not to the actor https://m.example/u/mallory");
  create["object"] = "https://other.example/n/3";  // someone else's post, by reference
  CHECK(decide_group_announce(actors, group, *view_activity(create), true, false).reason ==
        "its object is not on the server of its actor https://m.example/u/mallory");
}

TEST_CASE("an object addressed to the public collection in its compacted form is public", "[activitypub]") {
  // What Fedify serves for a note addressed only to the public: a single string, compacted.
  CHECK(visibility_of(json{{"to", "as:Public"}}) == Visibility::public_);
  CHECK(visibility_of(json{{"to", {"https://a.example/users/x/followers"}}, {"cc", {"Public"}}}) ==
        Visibility::unlisted);
  CHECK(visibility_of(json{{"to", {kPublic}}}) == Visibility::public_);
  CHECK(visibility_of(json{{"to", {"https://a.example/users/x"}}}) == Visibility::direct);
}

