// Telling the kinds of followed group apart from real actor documents (tests/data/activitypub,
// SOURCES.md): a Lemmy community, a Friendica forum, Mastodon-style boost groups.
#include <catch2/catch.hpp>

#include <fstream>

#include "protocols/activitypub/remote_group.h"
#include "tests/support/paths.h"

using namespace causeway;
using namespace causeway::activitypub;
using nlohmann::json;

namespace {

json actor(const std::string& relative) {
  std::ifstream in(testing::source_dir() / "tests/data/activitypub" / relative);
  REQUIRE(in);
  return json::parse(in);
}

}  // namespace

TEST_CASE("a Lemmy community is told by its shape or its software", "[remote group]") {
  json lemmy = actor("lemmy/group.json");
  RemoteGroup g = classify_remote_group(lemmy, "tenforward@enterprise.lemmy.ml");
  CHECK(g.kind == RemoteGroupKind::community);
  CHECK(g.id == "https://enterprise.lemmy.ml/c/tenforward");
  CHECK_FALSE(group_mention_text(g));
  // A bare Group on a server that says it runs PieFed is one too.
  json bare = {{"id", "https://piefed.example/c/x"}, {"type", "Group"}};
  CHECK(classify_remote_group(bare, "x@piefed.example", "PieFed").kind == RemoteGroupKind::community);
}

TEST_CASE("a Friendica forum is told by the generator Friendica writes", "[remote group]") {
  // Friendica's getProfile adds "generator" (Transmitter.php, getService()).
  json forum = {{"id", "https://friendica.example/profile/townhall"},
                {"type", "Group"},
                {"manuallyApprovesFollowers", false},
                {"generator", {{"type", "Service"}, {"name", "Friendica 'Yellow Archangel' 2024.12"}}}};
  RemoteGroup g = classify_remote_group(forum, "townhall@friendica.example");
  CHECK(g.kind == RemoteGroupKind::forum);
  CHECK(group_mention_text(g) == "!townhall@friendica.example");
}

TEST_CASE("a Mastodon account or a bare Group is a boost group, locked when it approves followers", "[remote group]") {
  json channel = {{"id", "https://newsmast.community/users/harrisnews"},
                  {"type", "Person"},
                  {"manuallyApprovesFollowers", true}};
  RemoteGroup g = classify_remote_group(channel, "harrisnews@newsmast.community", "mastodon");
  CHECK(g.kind == RemoteGroupKind::boost);
  CHECK(g.locked);
  CHECK(group_mention_text(g) == "@harrisnews@newsmast.community");
  json gnusocial = actor("gnusocial/group.json");
  CHECK(classify_remote_group(gnusocial, "g@gnusocial.example").kind == RemoteGroupKind::boost);
  CHECK(parse_remote_group_kind("forum") == RemoteGroupKind::forum);
  CHECK_FALSE(parse_remote_group_kind("Forum"));
}
