#include <catch2/catch.hpp>

#include "bridge/rich_text.h"
#include "protocols/activitypub/html_parse_budget.h"
#include "protocols/activitypub/html_text.h"
#include "protocols/atproto/post_text.h"

using namespace causeway;
using namespace causeway::activitypub;
using namespace causeway::atproto;
using nlohmann::json;
using Type = Facet::Type;

namespace {

// Facet texts of a RichText, in order: what a reader sees highlighted.
std::vector<std::string> facet_texts(const RichText& rt) {
  std::vector<std::string> out;
  for (const auto& f : rt.facets) out.emplace_back(rt.text_of(f));
  return out;
}

bool is_ascii_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Each part appears in `original` in order, with only whitespace between and around them.
void require_parts_cover(const std::string& original, const std::vector<RichText>& parts) {
  std::size_t at = 0;
  for (const auto& p : parts) {
    while (at < original.size() && is_ascii_space(original[at])) ++at;
    INFO("part \"" << p.text << "\" at byte " << at);
    REQUIRE(original.compare(at, p.text.size(), p.text) == 0);
    at += p.text.size();
  }
  while (at < original.size() && is_ascii_space(original[at])) ++at;
  REQUIRE(at == original.size());
}

}  // namespace

TEST_CASE("appending rich text shifts the appended facets to their new bytes", "[richtext]") {
  RichText rt;
  rt.append("Grüße ");
  rt.append(Type::hashtag, "#日本", "日本");
  RichText tail{"see https://a.example", {{Type::link, 4, 21, "https://a.example"}}};
  rt.append(" ");
  rt.append(tail);
  CHECK(rt.text == "Grüße #日本 see https://a.example");
  REQUIRE(rt.facets.size() == 2);
  CHECK(rt.facets[0] == Facet{Type::hashtag, 8, 15, "日本"});
  CHECK(rt.facets[1] == Facet{Type::link, 20, 37, "https://a.example"});
  CHECK(facet_texts(rt) == std::vector<std::string>{"#日本", "https://a.example"});
}

TEST_CASE("facets that overlap, leave the text or split a UTF-8 sequence are not well formed", "[richtext]") {
  RichText rt{"日本 abc def", {{Type::link, 7, 10, "https://b.example"},
                               {Type::link, 0, 3, "https://a.example"},
                               {Type::link, 8, 14, "https://overlaps.example"},
                               {Type::link, 1, 3, "https://splits.example"},
                               {Type::link, 11, 20, "https://outside.example"},
                               {Type::link, 4, 4, "https://empty.example"},
                               {Type::mention, 11, 14, ""}}};
  auto kept = well_formed_facets(rt);
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].target == "https://a.example");
  CHECK(kept[1].target == "https://b.example");
}

TEST_CASE("graphemes are extended clusters: combining marks, ZWJ sequences, flags, Hangul", "[graphemes]") {
  CHECK(grapheme_count("") == 0);
  CHECK(grapheme_count("abc") == 3);
  CHECK(grapheme_count("e\u0301te\u0301") == 3);                     // e + combining acute
  CHECK(grapheme_count("a\u0300\u0301\u0302\u0303") == 1);           // stacked marks
  CHECK(grapheme_count("\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466") == 1);  // family
  CHECK(grapheme_count("\U0001F44B\U0001F3FD") == 1);                // waving hand, skin tone
  CHECK(grapheme_count("\U0001F1EF\U0001F1F5\U0001F1EB\U0001F1F7") == 2);  // JP FR flags
  CHECK(grapheme_count("\U0001F1EF\U0001F1F5\U0001F1EB") == 2);      // a flag and a lone indicator
  CHECK(grapheme_count("\u1100\u1161\u11A8") == 1);                  // conjoining jamo: one syllable
  CHECK(grapheme_count("한국어") == 3);
  CHECK(grapheme_count("Grüße 👋🏽 日本") == 10);
  CHECK(grapheme_count("\r\n") == 1);
  CHECK(grapheme_count("a\xff\xfe" "b") == 4);  // each invalid byte counts as one
  CHECK(grapheme_count("\xe6\x97") == 2);       // a truncated sequence: two bad bytes
}

TEST_CASE("postable keeps only facets a post may carry", "[post]") {
  std::string long_tag(65, 'a');
  RichText rt{"a b c d e", {{Type::link, 0, 1, "javascript:alert(1)"},
                            {Type::hashtag, 2, 3, long_tag},
                            {Type::hashtag, 4, 5, std::string(64, 'a')},
                            {Type::mention, 6, 7, "did:plc:abc"},
                            {Type::link, 8, 9, "https://ok.example"}}};
  auto p = postable(rt);
  REQUIRE(p.facets.size() == 3);
  CHECK(p.facets[0].type == Type::hashtag);
  CHECK(p.facets[1].target == "did:plc:abc");
  CHECK(p.facets[2].target == "https://ok.example");
  std::string wide_tag;
  for (int i = 0; i < 30; ++i) wide_tag += "\U0001F468\u200D\U0001F469\u200D\U0001F467";  // 30 graphemes, 540 bytes
  CHECK(postable(RichText{"x", {{Type::hashtag, 0, 1, wide_tag}}}).facets.size() == 1);
  wide_tag += wide_tag;  // 60 graphemes, 1080 bytes: within 64 graphemes but over 640 bytes
  CHECK(postable(RichText{"x", {{Type::hashtag, 0, 1, wide_tag}}}).facets.empty());
}

TEST_CASE("a post that fits is one part, facets kept", "[post]") {
  RichText rt{"Grüße #日本", {{Type::hashtag, 8, 15, "日本"}}};
  CHECK(split_post(rt) == std::vector<RichText>{rt});
  RichText exactly(std::string(300, 'x'), {});
  CHECK(split_post(exactly).size() == 1);
  exactly.text += "x";
  CHECK(split_post(exactly).size() == 2);
}

TEST_CASE("splitting prefers paragraphs, then sentence ends, then whitespace", "[post]") {
  auto texts = [](const std::vector<RichText>& parts) {
    std::vector<std::string> out;
    for (const auto& p : parts) out.push_back(p.text);
    return out;
  };
  PostLimits twelve{12, 100};
  CHECK(texts(split_post({"Hi there.\n\nSecond one here. Third.", {}}, twelve)) ==
        std::vector<std::string>{"Hi there.", "Second one", "here. Third."});
  CHECK(texts(split_post({"Alpha beta gamma. Delta epsilon zeta", {}}, {24, 100})) ==
        std::vector<std::string>{"Alpha beta gamma.", "Delta epsilon zeta"});
  // A CJK full stop ends a sentence without a space after it.
  CHECK(texts(split_post({"日本語です。東京は大きい。", {}}, {8, 100})) ==
        std::vector<std::string>{"日本語です。", "東京は大きい。"});
  CHECK(texts(split_post({"abcdefghijklmnopqrstuvwxyz", {}}, {10, 100})) ==
        std::vector<std::string>{"abcdefghij", "klmnopqrst", "uvwxyz"});
  // Bytes bind before graphemes: 日 is three bytes.
  CHECK(texts(split_post({"日日日日 日日日日", {}}, {100, 14})) == std::vector<std::string>{"日日日日", "日日日日"});
  CHECK(split_post({std::string(400, ' '), {}}).empty());
}

TEST_CASE("splitting never cuts inside a facet that fits in a part", "[post]") {
  RichText rt{"see the docs now please", {{Type::link, 4, 16, "https://docs.example"}}};
  auto parts = split_post(rt, {12, 100});
  REQUIRE(parts.size() == 3);
  CHECK(parts[0] == RichText{"see", {}});
  CHECK(parts[1] == RichText{"the docs now", {{Type::link, 0, 12, "https://docs.example"}}});
  CHECK(parts[2] == RichText{"please", {}});
}

TEST_CASE("a facet longer than a part is cut hard and loses its facet", "[post]") {
  RichText rt{"go https://example.org/abcdef end", {{Type::link, 3, 29, "https://example.org/abcdef"}}};
  auto parts = split_post(rt, {10, 100});
  CHECK(parts == std::vector<RichText>{{"go", {}}, {"https://ex", {}}, {"ample.org/", {}}, {"abcdef end", {}}});
}

TEST_CASE("a grapheme over the byte limit is the one cluster split, between code points", "[post]") {
  std::string zalgo = "e";
  for (int i = 0; i < 5; ++i) zalgo += "\u0301";  // one cluster of 11 bytes
  auto parts = split_post({"a" + zalgo + " b", {}}, {5, 8});
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].text == "ae\u0301\u0301\u0301");
  CHECK(parts[1].text == "\u0301\u0301 b");
}

TEST_CASE("a 1000-grapheme multilingual post splits within limits and keeps every facet", "[post]") {
  // One sentence: 36 graphemes, 54 bytes, a hashtag and a link ending right before its full stop.
  const std::string sentence = "Grüße #日本 👋🏽 e\u0301te\u0301 https://ü.example/x.";
  REQUIRE(grapheme_count(sentence) == 36);
  REQUIRE(sentence.size() == 54);
  RichText post;
  std::vector<std::string> expected_facets;
  auto add_sentence = [&] {
    if (!post.text.empty() && post.text.back() != '\n') post.append(" ");
    auto at = static_cast<std::uint32_t>(post.text.size());
    post.append(sentence);
    post.facets.push_back({Type::hashtag, at + 8, at + 15, "日本"});
    post.facets.push_back({Type::link, at + 33, at + 53, "https://ü.example/x"});
    expected_facets.insert(expected_facets.end(), {"#日本", "https://ü.example/x"});
  };
  for (int i = 0; i < 5; ++i) add_sentence();  // a first paragraph of 184 graphemes
  std::string first_paragraph = post.text;
  post.append("\n\n");
  for (int i = 0; i < 21; ++i) add_sentence();  // 962 graphemes so far
  post.append(" " + std::string(36, 'z') + ".");
  REQUIRE(grapheme_count(post.text) == 1000);
  REQUIRE(facet_texts(post) == expected_facets);

  auto parts = split_post(post);
  REQUIRE(parts.size() == 4);
  CHECK(parts[0].text == first_paragraph);  // the paragraph break is in the second half of 300
  std::vector<std::string> seen_facets;
  for (const auto& p : parts) {
    CHECK(grapheme_count(p.text) <= 300);
    CHECK(p.text.size() <= 3000);
    CHECK(p.text.back() == '.');  // every cut is at a sentence end
    for (auto& t : facet_texts(p)) seen_facets.push_back(t);
  }
  CHECK(seen_facets == expected_facets);
  require_parts_cover(post.text, parts);
}

TEST_CASE("truncating cuts at a word, appends the link with a facet, drops facets past the cut", "[post]") {
  RichText rt{"Grüße #日本 quick brown fox jumps over the lazy dog",
              {{Type::hashtag, 8, 15, "日本"}, {Type::link, 47, 55, "https://dog.example"}}};
  CHECK(truncate_post(rt, {}, "https://b.example/p/1") == rt);
  auto cut = truncate_post(rt, {35, 3000}, "https://b.example/p/1");
  CHECK(cut.text == "Grüße #日本… https://b.example/p/1");
  CHECK(cut.facets == std::vector<Facet>{{Type::hashtag, 8, 15, "日本"}, {Type::link, 19, 40, "https://b.example/p/1"}});
  CHECK(grapheme_count(cut.text) == 32);
  // Bytes bind too: the same cut under a 40-byte limit.
  CHECK(truncate_post(rt, {300, 40}, "https://b.example/p/1") == cut);
  // A link that leaves no room: an ellipsis only.
  CHECK(truncate_post({"one two three four five", {}}, {10, 3000}, std::string(40, 'h')) ==
        RichText{"one two\u2026", {}});
  // Not a web link: appended as text, without a facet.
  CHECK(truncate_post({"one two three four five", {}}, {16, 3000}, "at://x") == RichText{"one two\u2026 at://x", {}});
}

// ---------------------------------------------------------------------------------------------
// HTML <-> text (ActivityPub)

namespace {

std::vector<std::pair<Type, std::string>> typed_targets(const RichText& rt) {
  std::vector<std::pair<Type, std::string>> out;
  for (const auto& f : rt.facets) out.emplace_back(f.type, f.target);
  return out;
}

}  // namespace

TEST_CASE("a Mastodon post: mentions, hashtag, shortened link, <br>, paragraphs, entities", "[html]") {
  const std::string html =
      R"(<p>Grüße aus 日本 👋🏽 <span class="h-card" translate="no"><a href="https://mastodon.example/@alice" )"
      R"(class="u-url mention">@<span>alice</span></a></span> &amp; <span class="h-card" translate="no">)"
      R"(<a href="https://other.example/@bob" class="u-url mention">@<span>bob</span></a></span>!<br />)"
      R"(Read <a href="https://example.com/very/long/path/to/an/article?x=1&amp;y=2" target="_blank" )"
      R"(rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span>)"
      R"(<span class="ellipsis">example.com/very/long/path/to/</span><span class="invisible">an/article?x=1&amp;y=2)"
      R"(</span></a> &lt;3</p><p><a href="https://mastodon.example/tags/Fediverse" class="mention hashtag" )"
      R"(rel="tag">#<span>Fediverse</span></a> &quot;quoted&quot;</p>)";
  // As Mastodon sends them: a local account's name has no host; hrefs are actor ids, not profiles.
  json note = {{"content", html},
               {"tag", {{{"type", "Mention"}, {"href", "https://mastodon.example/users/alice"}, {"name", "@alice"}},
                        {{"type", "Mention"}, {"href", "https://other.example/users/bob"}, {"name", "@bob@other.example"}},
                        {{"type", "Hashtag"}, {"href", "https://mastodon.example/tags/fediverse"}, {"name", "#fediverse"}},
                        {{"type", "Emoji"}, {"name", ":blobcat:"}}}}};
  auto tags = tags_of(note);
  REQUIRE(tags.size() == 3);

  auto rt = html_to_text(html, tags);
  CHECK(rt.text ==
        "Grüße aus 日本 👋🏽 @alice & @bob!\n"
        "Read https://example.com/very/long/path/to/an/article?x=1&y=2 <3\n\n#Fediverse \"quoted\"");
  CHECK(rt.facets == std::vector<Facet>{
                         {Type::mention, 28, 34, "https://mastodon.example/users/alice"},
                         {Type::mention, 37, 41, "https://other.example/users/bob"},
                         {Type::link, 48, 104, "https://example.com/very/long/path/to/an/article?x=1&y=2"},
                         {Type::hashtag, 109, 119, "Fediverse"},
                     });
  CHECK(rt.text.size() == 128);

  // Without the tags the anchors still say who and what, and link the profile page.
  auto untagged = html_to_text(html, {});
  CHECK(untagged.text == rt.text);
  CHECK(untagged.facets[0].target == "https://mastodon.example/@alice");
}

TEST_CASE("Friendica- and Lemmy-style HTML: plain anchors, lists, quotes, pre", "[html]") {
  const std::string friendica = R"(<div>
  <h2>Release notes</h2>
  <ul>
    <li>Fixed   the <a href="https://git.example/issue/1">crash</a></li>
    <li>New: <b>bold</b> <i>italic</i> &nbsp;text</li>
  </ul>
  <blockquote><p>quoted line</p></blockquote>
  <p>Thanks to <a href="https://friendica.example/profile/carol" class="userinfo mention">@carol</a> and <a href="mailto:x@y.example">mail me</a>.</p>
  <pre>code  block
  indented</pre>
</div>)";
  auto rt = html_to_text(friendica, {});
  CHECK(rt.text ==
        "Release notes\n\u2022 Fixed the crash\n\u2022 New: bold italic \u00A0text\n\n> quoted line\n\n"
        "Thanks to @carol and mail me.\n\n```\ncode  block\n  indented\n```");
  CHECK(facet_texts(rt) == std::vector<std::string>{"crash", "@carol"});
  CHECK(typed_targets(rt) == std::vector<std::pair<Type, std::string>>{
                                 {Type::link, "https://git.example/issue/1"},
                                 {Type::mention, "https://friendica.example/profile/carol"}});

  // Lemmy links mentions to the actor id itself, without a class, and names communities with '!'.
  const std::string lemmy =
      "<p>Check <a href=\"https://lemmy.example/u/dave\">@dave@lemmy.example</a> and "
      "<a href=\"https://lemmy.example/c/rust\">!rust@lemmy.example</a> <a href=\"https://x.example/t/rust\">#Rust</a></p>\n"
      "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n";
  std::vector<As2Tag> tags{{"Mention", "https://lemmy.example/u/dave", "@dave@lemmy.example"},
                           {"Hashtag", "https://x.example/t/rust", "#rust"}};
  auto lemmy_rt = html_to_text(lemmy, tags);
  CHECK(lemmy_rt.text == "Check @dave@lemmy.example and !rust@lemmy.example #Rust\n\n\u2022 one\n\u2022 two");
  CHECK(lemmy_rt.facets == std::vector<Facet>{{Type::mention, 6, 25, "https://lemmy.example/u/dave"},
                                              {Type::link, 30, 49, "https://lemmy.example/c/rust"},
                                              {Type::hashtag, 50, 55, "Rust"}});
  // Without the Hashtag tag, "#Rust" in a plain anchor is just a link.
  CHECK(html_to_text(lemmy, {tags[0]}).facets[2] == Facet{Type::link, 50, 55, "https://x.example/t/rust"});
}

TEST_CASE("tags_of reads Mention and Hashtag tags, as one object or a list", "[html]") {
  CHECK(tags_of(json{{"tag", {{"type", "Mention"}, {"href", "https://a.example/u"}}}}) ==
        std::vector<As2Tag>{{"Mention", "https://a.example/u", ""}});
  CHECK(tags_of(json{{"tag", {{{"type", "Hashtag"}, {"name", "#x"}}, "https://not.an.object", {{"type", "Mention"}},
                              {{"type", "Mention"}, {"href", std::string(3000, 'h')}}}}}) ==
        std::vector<As2Tag>{{"Hashtag", "", "#x"}});
  CHECK(tags_of(json{{"content", "x"}}).empty());
  CHECK(tags_of(json::array()).empty());
}

TEST_CASE("HTML text: whitespace, entities, dropped elements, non-web anchors", "[html]") {
  CHECK(html_to_text("  <p>  a  \n b </p>  ", {}).text == "a b");
  CHECK(html_to_text("&amp;lt; &#x1F44B; &bogus; &copy", {}).text == "&lt; 👋 &bogus; ©");
  CHECK(html_to_text("&notit;", {}).text == "\u00ACit;");  // legacy entities need no ';', as in browsers
  CHECK(html_to_text("<style>p{}</style><p>a</p><script>alert(1)</script><template>t</template><!-- c -->b", {}).text ==
        "a\n\nb");
  CHECK(html_to_text("a<br><br>b<br>", {}).text == "a\n\nb");
  CHECK(html_to_text("<p>x</p><p></p><p>y</p>", {}).text == "x\n\ny");
  auto js = html_to_text(R"html(<a href="javascript:alert(1)">click</a> <a href="/relative">here</a>)html", {});
  CHECK(js == RichText{"click here", {}});
  // A link's own surrounding whitespace stays outside its facet.
  CHECK(html_to_text(R"(see<a href="https://x.example"> the site </a>now)", {}) ==
        RichText{"see the site now", {{Type::link, 4, 12, "https://x.example"}}});
}

TEST_CASE("malformed, oversized and hostile HTML still yields text", "[html]") {
  CHECK(html_to_text("<p>unclosed <b>bold <a href='https://x.example'>link", {}) ==
        RichText{"unclosed bold link", {{Type::link, 14, 18, "https://x.example"}}});
  CHECK(html_to_text(R"(<a href="https://x.example">a<a href="https://y.example">b</a></a>)", {}) ==
        RichText{"ab", {{Type::link, 0, 1, "https://x.example"}, {Type::link, 1, 2, "https://y.example"}}});
  CHECK(html_to_text("</p></div>text<", {}).text == "text<");
  CHECK(html_to_text("a\xff" "b", {}).text == "a\uFFFD" "b");  // invalid UTF-8 is replaced, not passed on
  CHECK(html_to_text("", {}) == RichText{});

  // Input shaped to make parsing slow is cut before the first start tag past the budget.
  std::string deep;
  for (int i = 0; i < 50000; ++i) deep += "<div>";
  CHECK(html_to_text("a" + deep + "x", {}).text == "a");
  CHECK(html_to_text(deep.substr(0, 5 * 4096) + "x", {}).text == "x");
  std::string formatting;
  for (int i = 0; i < 15000; ++i) formatting += "<b><i>x</i></b>";
  CHECK(html_to_text(formatting, {}).text == std::string(2048, 'x'));
  std::string flood = "<p>hi</p><div";
  for (int i = 0; i < 300; ++i) flood += " a" + std::to_string(i);
  CHECK(html_to_text(flood + ">x", {}).text == "hi");

  std::string big = "<p>" + std::string(300 * 1024, 'a') + "</p>";
  CHECK(html_to_text(big, {}).text == std::string(kMaxHtmlInput - 3, 'a'));
  // The cut never splits a UTF-8 sequence: 10 bytes of 日日日日 keep three characters.
  CHECK(html_to_text("日日日日", {}, 10).text == "日日日");
}

TEST_CASE("the HTML parse budget counts every possible start tag, measured as the tokenizer reads it", "[html]") {
  HtmlParseBudget small{3, 2, 40};
  CHECK(html_prefix_within("<p>a</p><p>b</p><p>c</p>", small) == 24);  // end tags are free
  CHECK(html_prefix_within("<p>a</p><p>b</p><p>c</p><p>d", small) == 24);
  // Attributes with and without values, quoted or not, run on after a quote or after '/'.
  CHECK(html_prefix_within(R"(<a href="x" class=y>ok</a><b c d e>)", small) == 26);
  CHECK(html_prefix_within(R"(<a x="1"y='2'z>)", small) == 0);
  CHECK(html_prefix_within("<a/x/y/z>", small) == 0);
  CHECK(html_prefix_within("<a/x/y>", small) == 7);
  // '>' inside a quoted value does not end the tag: t, u and v are all its attributes.
  CHECK(html_prefix_within(R"(<a t="> <b" u v>)", small) == 0);
  // Possible start tags in comments count too: the count errs high, never low.
  CHECK(html_prefix_within("<!-- <x> <y> --><p>z</p><q>", small) == 24);
  // A tag longer than the byte bound is cut even if it would end later; text is not a tag.
  CHECK(html_prefix_within("ab<img src=\"" + std::string(100, 'x') + "\">", small) == 2);
  CHECK(html_prefix_within("<p>" + std::string(100, 'x'), small) == 103);
  CHECK(html_prefix_within("a < b <3 <", small) == 10);
}

TEST_CASE("text to HTML escapes first, then wraps only safe, well-formed facets", "[html]") {
  auto no_mentions = [](const std::string&) { return MentionLink{}; };
  CHECK(text_to_html({"<script>alert('x')</script> & \"q\"", {}}, no_mentions, "https://bsky.app/hashtag/") ==
        "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>");
  CHECK(text_to_html({"a\nb\n\n\nc\n", {}}, no_mentions, "") == "<p>a<br>b</p><p>c</p>");
  CHECK(text_to_html({"\n\n", {}}, no_mentions, "").empty());

  RichText links{"evil safe bad", {{Type::link, 0, 4, "https://x.example/?q=\"><script>&'"},
                                   {Type::link, 5, 9, "https://safe.example/a?b=1&c=2"},
                                   {Type::link, 10, 13, "javascript:alert(1)"}}};
  CHECK(text_to_html(links, no_mentions, "") ==
        R"(<p><a href="https://x.example/?q=&quot;&gt;&lt;script&gt;&amp;&#39;" rel="nofollow noopener" )"
        R"(target="_blank">evil</a> <a href="https://safe.example/a?b=1&amp;c=2" rel="nofollow noopener" )"
        R"(target="_blank">safe</a> bad</p>)");

  // Overlapping (the later one loses), out of range, UTF-8-splitting and line-spanning facets stay text.
  RichText odd{"日本 ab\ncd", {{Type::link, 0, 6, "https://jp.example"},
                               {Type::link, 3, 7, "https://overlap.example"},
                               {Type::link, 1, 3, "https://split.example"},
                               {Type::link, 7, 12, "https://lines.example"},
                               {Type::link, 10, 99, "https://out.example"}}};
  CHECK(text_to_html(odd, no_mentions, "") ==
        R"(<p><a href="https://jp.example" rel="nofollow noopener" target="_blank">日本</a> ab<br>cd</p>)");
}

TEST_CASE("text to HTML renders mentions and hashtags the way Mastodon does", "[html]") {
  RichText rt{"hi @alice.bsky.social #日本 @ghost.bsky.social",
              {{Type::mention, 3, 21, "did:plc:alice"},
               {Type::hashtag, 22, 29, "日本"},
               {Type::mention, 30, 48, "did:plc:ghost"}}};
  auto mention = [](const std::string& did) {
    if (did == "did:plc:alice") return MentionLink{"https://bridge.example/ap/alice.bsky.social?x=1&y=2", "@alice.bsky.social"};
    return MentionLink{};  // not bridged: the mention stays plain text
  };
  CHECK(text_to_html(rt, mention, "https://bsky.app/hashtag/") ==
        R"(<p>hi <span class="h-card"><a href="https://bridge.example/ap/alice.bsky.social?x=1&amp;y=2" )"
        R"(class="u-url mention">@<span>alice.bsky.social</span></a></span> )"
        R"(<a href="https://bsky.app/hashtag/%E6%97%A5%E6%9C%AC" rel="tag" class="mention hashtag">#<span>日本</span></a> )"
        R"(@ghost.bsky.social</p>)");
  CHECK(text_to_html(rt, nullptr, "not a url/") == "<p>hi @alice.bsky.social #日本 @ghost.bsky.social</p>");
}

TEST_CASE("text -> HTML -> text keeps the text and the facets", "[html]") {
  RichText rt{"Grüße @alice@bridge.example 👋🏽, see https://x.example/a?b=1&c=2 #日本\n\nBye <3 \"ok\"\nline",
              {{Type::mention, 8, 29, "https://bridge.example/ap/alice"},
               {Type::link, 44, 71, "https://x.example/a?b=1&c=2"},
               {Type::hashtag, 72, 79, "日本"}}};
  REQUIRE(facet_texts(rt) == std::vector<std::string>{"@alice@bridge.example", "https://x.example/a?b=1&c=2", "#日本"});
  auto mention = [](const std::string& target) { return MentionLink{target, "alice@bridge.example"}; };
  std::string html = text_to_html(rt, mention, "https://bsky.app/hashtag/");
  CHECK(html_to_text(html, {}) == rt);
  // With the Mention tag a receiver would see, too.
  CHECK(html_to_text(html, {{"Mention", "https://bridge.example/ap/alice", "@alice@bridge.example"}}) == rt);
}
