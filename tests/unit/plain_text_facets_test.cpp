// Plain-text facets against atproto's own rich-text detection cases
// (tests/data/atproto/rich-text-detection.json): a plain-text post must link, tag and mention
// what Bluesky's clients would.
#include "protocols/activitypub/plain_text_facets.h"

#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/support/paths.h"

using namespace causeway;
namespace ap = causeway::activitypub;
using nlohmann::json;

TEST_CASE("plain text gets the facets Bluesky's detection finds", "[plain_text]") {
  std::ifstream in(testing::source_dir() / "tests/data/atproto/rich-text-detection.json");
  REQUIRE(in);
  json cases = json::parse(in);
  // atproto's test resolves every handle to did:fake:<handle>; so does this lookup.
  auto lookup = [](std::string_view written) { return "did:fake:" + std::string(written); };
  int checked = 0;
  for (const auto& c : cases) {
    // Cashtags ($AAPL) are not detected: fediverse servers do not write them.
    if (c["group"] == "cashtags") continue;
    std::string text = c["text"];
    std::vector<std::tuple<std::string, std::string, std::string>> expected, found;
    for (const auto& f : c["facets"])
      expected.emplace_back(f["type"] == "tag" ? "hashtag" : f["type"].get<std::string>(), f["text"], f["target"]);
    for (const auto& f : ap::plain_text_facets(text, lookup)) {
      const char* type = f.type == Facet::Type::link ? "link" : f.type == Facet::Type::mention ? "mention" : "hashtag";
      found.emplace_back(type, text.substr(f.byte_start, f.byte_end - f.byte_start), f.target);
    }
    INFO(text);
    CHECK(found == expected);
    ++checked;
  }
  CHECK(checked > 70);
}

TEST_CASE("mentions without a target stay plain text, fediverse names are read whole", "[plain_text]") {
  CHECK(ap::plain_text_facets("hi @alice", nullptr).empty());
  auto facets = ap::plain_text_facets("cc @alice@a.example.", [](std::string_view w) { return std::string("https://x/") + std::string(w); });
  REQUIRE(facets.size() == 1);
  CHECK(facets[0] == Facet{Facet::Type::mention, 3, 19, "https://x/alice@a.example"});
}
