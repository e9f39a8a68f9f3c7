// `causeway convert`'s two conversions over the collected corpus of real payloads
// (tests/data/, sources and licences in tests/data/SOURCES.md): every payload either converts or
// is refused with a reason, and what a reader would notice comes through.
#include "bridge/daemon/convert.h"
#include "config/config_loader.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

using namespace causeway;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(CAUSEWAY_SOURCE_DIR) / "tests" / "data";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

json to_bluesky(const std::string& file) {
  std::string out, reason;
  int code = convert_to_bluesky(read(kData / "activitypub" / file), ConvertSetup{}, out, reason);
  INFO(file << ": " << reason);
  REQUIRE(code == kConvertOk);
  return json::parse(out);
}

}  // namespace

TEST_CASE("every collected payload converts or is refused with a reason", "[convert]") {
  std::size_t converted = 0, refused = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kData)) {
    if (entry.path().extension() != ".json" || entry.path().filename() == "rich-text-detection.json") continue;
    bool ap = entry.path().string().find("/activitypub/") != std::string::npos;
    std::string out, reason;
    int code = ap ? convert_to_bluesky(read(entry.path()), ConvertSetup{}, out, reason)
                  : convert_to_fediverse(read(entry.path()), ConvertSetup{}, out, reason);
    INFO(entry.path().string() << ": " << reason);
    if (code == kConvertOk) {
      ++converted;
      json result = json::parse(out);
      if (ap) {
        REQUIRE(!result["records"].empty());
        for (const auto& r : result["records"]) {
          // Never an empty post: some text, images or a card.
          CHECK((!r["text"].get<std::string>().empty() || r.contains("embed")));
        }
      } else {
        CHECK(result["note"]["type"] == "Note");
      }
    } else {
      CHECK(code == kConvertRefused);
      CHECK(!reason.empty());
      ++refused;
    }
  }
  CHECK(converted >= 60);  // the corpus is mostly posts
  WARN(converted << " converted, " << refused << " refused");
}

TEST_CASE("a Lemmy post's title leads, its image is carried, its language kept", "[convert]") {
  json r = to_bluesky("lemmy/page.json")["records"][0];
  CHECK(r["text"].get<std::string>().rfind("Post title", 0) == 0);
  CHECK(r["langs"] == json::array({"fr"}));
  json images = to_bluesky("lemmy/page.json")["images"];
  REQUIRE(images.size() == 1);
  CHECK(images[0]["url"] == "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png");
}

TEST_CASE("GoToSocial's alt text in summary reaches the image", "[convert]") {
  json images = to_bluesky("gotosocial/note_hashtag_emoji_alt_summary.json")["images"];
  REQUIRE(!images.empty());
  CHECK(images[0]["alt"].get<std::string>().rfind("Black and white image", 0) == 0);
}

TEST_CASE("a PeerTube video is posted by its person, titled, with a card", "[convert]") {
  json r = to_bluesky("peertube/video.json")["records"][0];
  CHECK(r["text"].get<std::string>().rfind("Mesa, Wayland & X.org in trouble", 0) == 0);
  CHECK(r["langs"] == json::array({"en"}));
  CHECK(r["embed"]["$type"] == "app.bsky.embed.external");
}

TEST_CASE("a Plume article's title leads, a Mastodon note's CW is a line, not a title", "[convert]") {
  CHECK(to_bluesky("plume/article.json")["records"][0]["text"].get<std::string>().rfind(
            "This Month in Plume: June 2018", 0) == 0);
  std::string cw = to_bluesky("mastodon/create_note_contentmap.json")["records"][0]["text"];
  CHECK(cw.rfind("CW: cw\n\n", 0) == 0);
}

TEST_CASE("a Bluesky quote comes back as a Note that links the quoted post", "[convert]") {
  std::string out, reason;
  REQUIRE(convert_to_fediverse(read(kData / "atproto/posts/quote.json"), ConvertSetup{}, out, reason) ==
          kConvertOk);
  json note = json::parse(out)["note"];
  CHECK(note.contains("quoteUrl"));
  CHECK(note["content"].get<std::string>().find("RE: ") != std::string::npos);
}

TEST_CASE("what is not a post is refused with the reason", "[convert]") {
  std::string out, reason;
  CHECK(convert_to_bluesky(read(kData / "activitypub/lemmy/like_note.json"), ConvertSetup{}, out, reason) ==
        kConvertRefused);
  CHECK(reason.find("like") != std::string::npos);
  CHECK(convert_to_bluesky("{not json", ConvertSetup{}, out, reason) == kConvertRefused);
  CHECK(!reason.empty());
  CHECK(convert_to_fediverse("[]", ConvertSetup{}, out, reason) == kConvertRefused);
  CHECK(!reason.empty());
}

namespace {

// One bridge hosting its group here, one following a remote group.
Config two_bridges() {
  auto loaded = load_config_text(R"(server: { public_url: "https://bridge.example.org", listen: 127.0.0.1:8480 }
storage: { path: ./var }
secrets: { master_key_file: ./master.key }
bridges:
  - name: townhall
    fediverse: { host: { name: townhall } }
  - name: harris-news
    fediverse: { group: "@HarrisNews@newsmast.community" }
)",
                                 "convert.yaml", "/srv");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  return *loaded.config;
}

}  // namespace

TEST_CASE("a Bluesky post previewed for a hosted group is addressed to the group", "[convert]") {
  Config config = two_bridges();
  ConvertSetup setup = convert_setup_for(config, config.bridges[0]);
  std::string out, reason;
  REQUIRE(convert_to_fediverse(read(kData / "atproto/posts/docs-reply.json"), setup, out, reason) == kConvertOk);
  json result = json::parse(out);
  const std::string group = "https://bridge.example.org/ap/group/townhall";
  CHECK(result["note"]["audience"] == group);
  CHECK(result["note"]["cc"].dump().find(group) != std::string::npos);
  CHECK(result["activity"]["cc"].dump().find(group) != std::string::npos);
  // The bridged author lives on the configured origin, not the default one.
  CHECK(result["note"]["attributedTo"].get<std::string>().rfind("https://bridge.example.org/ap/did:", 0) == 0);
}

TEST_CASE("a member's leading mention of the hosted group is dropped from the Bluesky preview", "[convert]") {
  Config config = two_bridges();
  const std::string post = R"({"@context": "https://www.w3.org/ns/activitystreams", "type": "Note",
    "id": "https://social.example/notes/1", "attributedTo": "https://social.example/users/ann",
    "to": ["https://www.w3.org/ns/activitystreams#Public"],
    "content": "<p><span class=\"h-card\"><a href=\"https://bridge.example.org/ap/group/townhall\" class=\"u-url mention\">@<span>townhall</span></a></span> The bins are late again</p>",
    "tag": [{"type": "Mention", "href": "https://bridge.example.org/ap/group/townhall", "name": "@townhall@bridge.example.org"}]})";
  std::string out, reason;
  REQUIRE(convert_to_bluesky(post, convert_setup_for(config, config.bridges[0]), out, reason) == kConvertOk);
  std::string text = json::parse(out)["records"][0]["text"];
  CHECK(text.find("@townhall") == std::string::npos);
  CHECK(text.find("The bins are late again") != std::string::npos);
}

TEST_CASE("a preview for a followed remote group says its id is not looked up", "[convert]") {
  Config config = two_bridges();
  ConvertSetup setup = convert_setup_for(config, config.bridges[1]);
  CHECK(setup.group_id.empty());
  std::string out, reason;
  REQUIRE(convert_to_fediverse(read(kData / "atproto/posts/docs-reply.json"), setup, out, reason) == kConvertOk);
  CHECK(json::parse(out)["why"].dump().find("@HarrisNews@newsmast.community") != std::string::npos);
}
