// Which servers get a group's Announce of the member's activity (FEP-1b12) and which a boost of
// the post by id, from what their NodeInfo says they run.
#include <catch2/catch.hpp>

#include "protocols/activitypub/peer_software.h"

using namespace causeway::activitypub;
using nlohmann::json;

TEST_CASE("forum software gets the activity, microblogs and unknown software a boost of the post", "[peer software]") {
  for (const char* forum : {"lemmy", "piefed", "mbin", "kbin", "friendica", "Lemmy", "PieFed"})
    CHECK(announce_style_of(forum) == AnnounceStyle::activity);
  for (const char* microblog : {"mastodon", "gotosocial", "misskey", "pleroma", "akkoma", "hometown", "", "lemmy-fork",
                                "causeway"})
    CHECK(announce_style_of(microblog) == AnnounceStyle::object);
}

TEST_CASE("the NodeInfo document is the newest 2.x one the well-known answer links", "[peer software]") {
  json both = {{"links",
                {{{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.0"}, {"href", "https://l.example/nodeinfo/2.0"}},
                 {{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.1"}, {"href", "https://l.example/nodeinfo/2.1"}}}}};
  CHECK(nodeinfo_document_url(both) == "https://l.example/nodeinfo/2.1");
  json old = {{"links", {{{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.0"}, {"href", "https://m.example/ni"}}}}};
  CHECK(nodeinfo_document_url(old) == "https://m.example/ni");
  // What a Fedify server without a NodeInfo dispatcher answers, and other answers that name nothing.
  CHECK_FALSE(nodeinfo_document_url(json{{"links", json::array()}}));
  CHECK_FALSE(nodeinfo_document_url(json{{"links", {{{"rel", "http://nodeinfo.diaspora.software/ns/schema/1.0"},
                                                     {"href", "https://x.example/1.0"}}}}}));
  CHECK_FALSE(nodeinfo_document_url(json{{"links", {{{"rel", "http://nodeinfo.diaspora.software/ns/schema/2.1"}}}}}));
  CHECK_FALSE(nodeinfo_document_url(json::array()));

  CHECK(nodeinfo_software_name(json{{"software", {{"name", "lemmy"}, {"version", "0.19.5"}}}}) == "lemmy");
  CHECK_FALSE(nodeinfo_software_name(json{{"software", "lemmy"}}));
  CHECK_FALSE(nodeinfo_software_name(json{{"software", {{"name", ""}}}}));
  CHECK_FALSE(nodeinfo_software_name(json{{"version", "2.1"}}));
}
