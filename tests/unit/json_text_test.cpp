// pretty_json is what `causeway convert` prints: it must be byte for byte the text dump(2) gives,
// for every payload of the corpus and for the strings that need escapes, and refuse what dump(2)
// refuses.
#include "bridge/daemon/json_text.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

using causeway::pretty_json;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("every corpus payload prints as dump(2) prints it", "[convert]") {
  std::size_t compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(CAUSEWAY_SOURCE_DIR) / "tests" / "data")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    json doc = json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr, false);
    if (doc.is_discarded()) continue;
    INFO(entry.path().string());
    CHECK(pretty_json(doc) == doc.dump(2));
    ++compared;
  }
  CHECK(compared > 100);
}

TEST_CASE("escapes, numbers and empty containers print as dump(2) prints them", "[convert]") {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
  json doc = {{"controls", every_control},
              {"quotes", "a \"b\" \\ c / d \x7f"},
              {"unicode", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x91\x8b \xe4\xb8\xad"},
              {"numbers", {0, -1, 1.5, -2.25e-10, 1e300, std::numeric_limits<std::int64_t>::min(),
                           std::numeric_limits<std::uint64_t>::max()}},
              {"empty", {{"object", json::object()}, {"array", json::array()}, {"string", ""}}},
              {"nested", {{{"a", {{"b", {true, false, nullptr}}}}}}},
              {"key \"with\" \n escapes", 1}};
  CHECK(pretty_json(doc) == doc.dump(2));
  CHECK(pretty_json(json("top")) == "\"top\"");
  CHECK(pretty_json(json::array()) == "[]");
}

TEST_CASE("a string that is not UTF-8 is refused as dump(2) refuses it", "[convert]") {
  for (std::string bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok \xe2\x82"}) {
    json doc = {{"text", bad}};
    CHECK_THROWS_AS(pretty_json(doc), json::type_error);
    json key = {{bad, 1}};
    CHECK_THROWS_AS(pretty_json(key), json::type_error);
  }
}
