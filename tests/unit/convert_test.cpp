// `causeway convert`'s two conversions over the collected corpus of real payloads
// (tests/data/, sources and licences in tests/data/SOURCES.md): every payload either converts or
// is refused with a reason, and what a reader would notice comes through.
#include "bridge/daemon/convert.h"

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

TEST_CASE("a Plume article's title leads; a Mastodon note's CW is a line, not a title", "[convert]") {
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
