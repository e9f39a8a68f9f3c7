// The mirror account's profile record: what a Bluesky user sees on the account's page.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/atproto/profile_record.h"

using namespace causeway::atproto;
using nlohmann::json;

namespace {

json blob(const std::string& cid) {
  return {{"$type", "blob"}, {"ref", {{"$link", cid}}}, {"mimeType", "image/png"}, {"size", 1234}};
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("the record shows the group's name, its summary ending with the group's link, and its avatar", "[profile]") {
  json r = profile_record({"Town Hall", "  Meetings of the town.\n", "https://h.example/ap/group/townhall",
                           blob("bafkreiavatar")});
  CHECK(r["$type"] == "app.bsky.actor.profile");
  CHECK(r["displayName"] == "Town Hall");
  CHECK(r["description"] == "Meetings of the town.\n\nMirror of https://h.example/ap/group/townhall");
  CHECK(r["avatar"] == blob("bafkreiavatar"));
  CHECK(avatar_cid(r) == "bafkreiavatar");
}

TEST_CASE("a group without summary, name or avatar still links the group and shows nothing made up", "[profile]") {
  json r = profile_record({"", "", "https://h.example/g", std::nullopt});
  CHECK(r["description"] == "Mirror of https://h.example/g");
  CHECK_FALSE(r.contains("displayName"));
  CHECK_FALSE(r.contains("avatar"));
  CHECK(avatar_cid(r).empty());
  CHECK_FALSE(profile_record({"", "", "", std::nullopt}).contains("description"));
}

TEST_CASE("fields of the existing record the group does not own are kept, its own are replaced or removed", "[profile]") {
  json current{{"$type", "app.bsky.actor.profile"},
               {"displayName", "old"},
               {"description", "old"},
               {"avatar", blob("bafkreiold")},
               {"banner", blob("bafkreibanner")},
               {"pinnedPost", {{"uri", "at://did:plc:x/app.bsky.feed.post/3k"}, {"cid", "bafyrei"}}},
               {"labels", {{"$type", "com.atproto.label.defs#selfLabels"}, {"values", json::array()}}},
               {"createdAt", "2026-01-01T00:00:00.000Z"}};
  json r = profile_record({"New name", "", "https://h.example/g", std::nullopt}, current);
  CHECK(r["displayName"] == "New name");
  CHECK(r["description"] == "Mirror of https://h.example/g");
  CHECK_FALSE(r.contains("avatar"));  // the group dropped its icon
  CHECK(r["banner"] == current["banner"]);
  CHECK(r["pinnedPost"] == current["pinnedPost"]);
  CHECK(r["labels"] == current["labels"]);
  CHECK(r["createdAt"] == current["createdAt"]);
  // The same group again gives the same record: the writer can tell nothing changed.
  CHECK(profile_record({"New name", "", "https://h.example/g", std::nullopt}, r) == r);
}

TEST_CASE("a long display name is cut to 64 graphemes between clusters, with an ellipsis", "[profile]") {
  std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";  // one grapheme, 18 bytes
  json r = profile_record({repeat("e\u0301", 70), "", "", std::nullopt});
  std::string name = r["displayName"];
  CHECK(grapheme_count(name) == 64);
  CHECK(name == repeat("e\u0301", 63) + "…");  // no accent left without its letter
  // 40 families fit 64 graphemes but not 640 bytes: bytes bind first, and no family is split.
  name = profile_record({repeat(family, 40), "", "", std::nullopt})["displayName"];
  CHECK(name.size() <= 640);
  CHECK(name == repeat(family, 35) + "…");
}

TEST_CASE("a long summary is cut so the description fits 256 graphemes and 2560 bytes and still ends with the link",
          "[profile]") {
  std::string url = "https://h.example/ap/group/townhall";
  std::string d = profile_description(repeat("word ", 100), url);
  CHECK(grapheme_count(d) == 256);
  CHECK(d.size() <= 2560);
  CHECK(d.substr(d.size() - url.size() - 12) == "\n\nMirror of " + url);
  CHECK(d.find("wor…\n\nMirror of") != std::string::npos);  // the cut is marked, before the link

  std::string wide = repeat("日本語", 300);  // 900 graphemes of 3 bytes
  d = profile_description(wide, url);
  CHECK(grapheme_count(d) <= 256);
  CHECK(d.rfind("日", 0) == 0);
  CHECK(d.find("Mirror of " + url) != std::string::npos);

  // Fits exactly: nothing cut.
  std::string tail = "\n\nMirror of " + url;
  std::string exact(256 - tail.size(), 'a');
  CHECK(profile_description(exact, url) == exact + tail);
  CHECK(profile_description(exact + "a", url).find("…") != std::string::npos);
}

TEST_CASE("a link too long for the description is left off rather than cut", "[profile]") {
  std::string url = "https://h.example/" + std::string(3000, 'x');
  CHECK(profile_description("About us", url) == "About us");
}

TEST_CASE("grapheme_prefix ends between clusters within both limits", "[profile]") {
  CHECK(grapheme_prefix("abc", {2, 10}) == "ab");
  CHECK(grapheme_prefix("abc", {5, 2}) == "ab");
  CHECK(grapheme_prefix("abc", {3, 3}) == "abc");
  CHECK(grapheme_prefix("e\u0301x", {1, 10}) == "e\u0301");
  CHECK(grapheme_prefix("e\u0301x", {5, 2}) == "");  // the accent takes two more bytes
  CHECK(grapheme_prefix("", {0, 0}) == "");
}
