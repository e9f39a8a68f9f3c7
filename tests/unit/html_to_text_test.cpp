// HTML -> text for what Bluesky readers see of fediverse posts: <br> runs, empty links, lists,
// quotes and code, custom emoji. (Mentions, hashtags and links: richtext_test.cpp.)
#include <catch2/catch.hpp>

#include "protocols/activitypub/html_text.h"

using namespace causeway;
namespace ap = causeway::activitypub;

TEST_CASE("runs of <br> and blank lines leave at most one blank line", "[html]") {
  CHECK(ap::html_to_text("<p>a<br><br><br><br>b</p><p></p><br><br><p>c</p>", {}).text == "a\n\nb\n\nc");
}

TEST_CASE("a link with no text shows its URL", "[html]") {
  auto rt = ap::html_to_text(R"(<p>see <a href="https://x.example/a"></a></p>)", {});
  CHECK(rt.text == "see https://x.example/a");
  CHECK(rt.facets == std::vector<Facet>{{Facet::Type::link, 4, 23, "https://x.example/a"}});
}

TEST_CASE("lists, quotes and code keep visible markers", "[html]") {
  CHECK(ap::html_to_text("<ol start=\"3\"><li>c</li><li>d</li></ol><ul><li>x<ul><li>y</li></ul></li></ul>", {}).text ==
        "3. c\n4. d\n\u2022 x\n\u2022 y");
  CHECK(ap::html_to_text("<blockquote><p>one</p><p>two<br>three</p><blockquote>deeper</blockquote></blockquote><p>after</p>", {}).text ==
        "> one\n\n> two\n> three\n\n> > deeper\n\nafter");
  // Code blocks are fenced, inline code is in backticks, as Markdown writes them.
  CHECK(ap::html_to_text("<p>see</p><pre><code>int  x;\n  y();</code></pre><p>done</p>", {}).text ==
        "see\n\n```\nint  x;\n  y();\n```\n\ndone");
  CHECK(ap::html_to_text("<p>run <code>make  test</code> first</p>", {}).text == "run `make test` first");
}

TEST_CASE("custom emoji images are their shortcode", "[html]") {
  CHECK(ap::html_to_text(R"(hi <img src="https://a.example/e.png" alt=":blobcat:" class="custom-emoji"> <img alt="photo" src="x">!)", {}).text ==
        "hi :blobcat: !");
}

TEST_CASE("only the first kMaxTags tag entries are read", "[html]") {
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i) many.push_back({{"type", "Hashtag"}, {"name", "#t" + std::to_string(i)}});
  auto tags = ap::tags_of({{"tag", many}});
  REQUIRE(tags.size() == ap::kMaxTags);
  CHECK(tags.back().name == "#t255");
}
