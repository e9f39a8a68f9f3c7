// The pure Event -> Bluesky post renderer: what the mirror account's post says and shows.
#include "protocols/atproto/post_render.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

constexpr const char* kGroup = "https://lemmy.example/c/townhall";
constexpr const char* kPostId = "https://social.example/users/alice/statuses/1";

Event note(std::string text, std::vector<Facet> facets = {}) {
  Event e;
  e.kind = EventKind::post;
  e.origin.object = NativeRef{Network::activitypub, kPostId, ""};
  e.actor.id = "https://social.example/users/alice";
  e.content.text = std::move(text);
  e.content.facets = std::move(facets);
  e.audience.group = kGroup;
  e.created_at_us = 1'760'000'000'000'000;
  e.received_at_us = 1'760'000'001'000'000;
  return e;
}

RenderedPost render(const Event& e, const PostOptions& options = {}, const PostContext& context = {}) {
  auto r = render_post(e, options, context);
  REQUIRE(r.ok());
  return *r;
}

json record_of(const RenderedPost& r, std::size_t i = 0) { return post_record(r.parts.at(i)); }

}  // namespace

TEST_CASE("content warnings label a post by whole words and hashtags, not by substrings", "[post_render]") {
  struct Case {
    const char* cw;
    std::vector<std::string> tags;
    std::vector<std::string> labels;
  };
  std::vector<Case> cases = {
      {"Trip to Sussex", {}, {}},                   // "sex" inside a word is no reason
      {"Essex and Middlesex", {}, {}},
      {"nsfw", {}, {"sexual"}},
      {"NSFW, lewd", {}, {"sexual"}},
      {"18+ only", {}, {"sexual"}},
      {"nudity (art)", {}, {"nudity"}},
      {"blood, injury", {}, {"graphic-media"}},
      {"politics", {"nsfw"}, {"sexual"}},           // a hashtag counts like a word
      {"graphical user interfaces", {}, {}},        // "graphic" only as a whole word
      {"", {}, {}},
  };
  for (const auto& c : cases) {
    INFO(c.cw);
    Event e = note("Hello");
    e.content.content_warning = c.cw;
    e.content.tags = c.tags;
    CHECK(render(e).parts[0].labels == c.labels);
  }
}

TEST_CASE("the label table is the bridge's to set, and only Bluesky's own labels are written", "[post_render]") {
  PostOptions options;
  options.labels = {{"graphic-media", {"spoilers"}}, {"made-up", {"politics"}}};
  Event e = note("Hello");
  e.content.content_warning = "Spoilers: politics";
  CHECK(render(e, options).parts[0].labels == std::vector<std::string>{"graphic-media"});
  e.content.content_warning = "nsfw";  // not in this bridge's table
  CHECK(render(e, options).parts[0].labels.empty());
}

TEST_CASE("media marked sensitive without a matching warning gets the configured label", "[post_render]") {
  Event e = note("Look");
  e.content.labels = {"sensitive"};
  e.media = {{"https://cdn.example/a.jpg", "image/jpeg", 1000, "A cat", 0, 0}};
  CHECK(render(e).parts[0].labels == std::vector<std::string>{"graphic-media"});
  PostOptions none;
  none.sensitive_media_label = "";
  CHECK(render(e, none).parts[0].labels.empty());
  e.media.clear();  // a sensitive text post has nothing to blur
  CHECK(render(e).parts[0].labels.empty());
}

TEST_CASE("a long post becomes a numbered thread whose parts each fit", "[post_render]") {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "Sentence number " + std::to_string(i) + " of the long post. ";
  auto r = render(note(text));
  REQUIRE(r.parts.size() >= 3);
  for (std::size_t i = 0; i < r.parts.size(); ++i) {
    const std::string& t = r.parts[i].text;
    std::string number = "(" + std::to_string(i + 1) + "/" + std::to_string(r.parts.size()) + ")";
    CHECK(t.size() >= number.size());
    CHECK(t.substr(t.size() - number.size()) == number);
    CHECK(grapheme_count(t) <= 300);
  }
  CHECK(r.notes.at(0) == "long post: a thread of " + std::to_string(r.parts.size()) + " posts");
  PostOptions truncate;
  truncate.long_posts = PostOptions::LongPosts::truncate;
  auto one = render(note(text), truncate);
  REQUIRE(one.parts.size() == 1);
  CHECK(one.parts[0].text.find(kPostId) != std::string::npos);  // truncated posts link the whole one
}

TEST_CASE("a title-only post is its title, with a card to the original", "[post_render]") {
  Event e = note("");
  e.content.title = "Meeting moved to Thursday";
  json rec = record_of(render(e));
  CHECK(rec["text"] == "Meeting moved to Thursday");
  CHECK(rec["embed"]["$type"] == "app.bsky.embed.external");
  CHECK(rec["embed"]["external"]["uri"] == kPostId);
  CHECK(rec["embed"]["external"]["title"] == "Meeting moved to Thursday");
}

TEST_CASE("a link post's card is the article it links to, titled by the post", "[post_render]") {
  Event e = note("Worth reading before the vote.");
  e.content.title = "Council publishes budget";
  e.embed.link = LinkCard{"https://news.example/budget", "", "", ""};
  json rec = record_of(render(e));
  CHECK(rec["text"] == "Council publishes budget\n\nWorth reading before the vote.");
  CHECK(rec["embed"]["external"]["uri"] == "https://news.example/budget");
  CHECK(rec["embed"]["external"]["title"] == "Council publishes budget");
}

TEST_CASE("an article with an excerpt is shared as title and excerpt, not as raw HTML or a CW", "[post_render]") {
  Event e = note(std::string(2000, 'x'));
  e.origin.object_type = "Article";
  e.content.title = "Why we strike";
  e.content.excerpt = "Five reasons, in plain words.";
  auto r = render(e);
  REQUIRE(r.parts.size() == 1);
  CHECK(r.parts[0].text == "Why we strike\n\nFive reasons, in plain words.");
  CHECK(r.parts[0].text.find("CW:") == std::string::npos);
  CHECK(*r.parts[0].card_uri == kPostId);
  CHECK(r.notes == std::vector<std::string>{"an article: its excerpt is posted, with a link to the full text"});
}

TEST_CASE("a content warning on a note is a line before the text", "[post_render]") {
  Event e = note("The details.");
  e.content.content_warning = "Strike news";
  CHECK(render(e).parts[0].text == "CW: Strike news\n\nThe details.");
}

TEST_CASE("the group's own leading mention is dropped, other mentions become DIDs or links", "[post_render]") {
  //                 0         1         2         3
  //                 0123456789012345678901234567890123456
  Event e = note("@townhall hello @bob and @carol", {{Facet::Type::mention, 0, 9, kGroup},
                                                     {Facet::Type::mention, 16, 20, "https://bsky.brid.gy/ap/did:plc:bob"},
                                                     {Facet::Type::mention, 25, 31, "https://social.example/users/carol"}});
  PostContext context;
  context.mention_did = [](const std::string& id) -> std::optional<std::string> {
    if (id == "https://bsky.brid.gy/ap/did:plc:bob") return std::string("did:plc:bob");
    return std::nullopt;
  };
  auto r = render(e, {}, context);
  CHECK(r.parts[0].text == "hello @bob and @carol");
  REQUIRE(r.parts[0].facets.size() == 2);
  CHECK(r.parts[0].facets[0] == Facet{Facet::Type::mention, 6, 10, "did:plc:bob"});
  CHECK(r.parts[0].facets[1] == Facet{Facet::Type::link, 15, 21, "https://social.example/users/carol"});
  // A mention of the group later in the text is the author's words and stays.
  Event later = note("hello @townhall", {{Facet::Type::mention, 6, 15, kGroup}});
  CHECK(render(later).parts[0].text == "hello @townhall");
}

TEST_CASE("a quote of a bridged post embeds its Bluesky copy, of anything else, links it", "[post_render]") {
  Event e = note("This.");
  e.embed.quote = NativeRef{Network::activitypub, "https://misskey.example/notes/9abc", ""};
  PostContext known;
  known.bluesky_copy = [](const NativeRef& q) -> std::optional<StrongRef> {
    if (q.id == "https://misskey.example/notes/9abc") return StrongRef{"at://did:plc:m/app.bsky.feed.post/3k", "bafyq"};
    return std::nullopt;
  };
  json rec = record_of(render(e, {}, known));
  CHECK(rec["embed"]["$type"] == "app.bsky.embed.record");
  CHECK(rec["embed"]["record"]["uri"] == "at://did:plc:m/app.bsky.feed.post/3k");
  CHECK(rec["text"].get<std::string>().find(kPostId) != std::string::npos);  // the original, in the text

  Event with_image = e;
  with_image.media = {{"https://cdn.example/a.png", "image/png", 10, "chart", 0, 0}};
  auto r = render(with_image, {}, known);
  r.parts[0].images = {ImageEmbed{json{{"$type", "blob"}}, "chart", 0, 0}};
  CHECK(record_of(r)["embed"]["$type"] == "app.bsky.embed.recordWithMedia");

  auto unknown = render(e);
  CHECK(unknown.parts[0].text.rfind("This.\n\nRE: https://misskey.example/notes/9abc", 0) == 0);
  CHECK(std::any_of(unknown.parts[0].facets.begin(), unknown.parts[0].facets.end(), [](const Facet& f) {
    return f.type == Facet::Type::link && f.target == "https://misskey.example/notes/9abc";
  }));
  CHECK(!unknown.parts[0].quote);
}

TEST_CASE("images are chosen for upload, the rest named, and the original linked in the text", "[post_render]") {
  Event e = note("Photos from the march");
  for (int i = 0; i < 5; ++i)
    e.media.push_back({"https://cdn.example/" + std::to_string(i) + ".jpg", "image/jpeg", 1000, "alt", 0, 0});
  e.media.push_back({"https://cdn.example/v.mp4", "video/mp4", 1000, "", 0, 0});
  e.media.push_back({"https://cdn.example/big.jpg", "image/jpeg", 5'000'000, "", 0, 0});
  auto r = render(e);
  CHECK(r.images.size() == 4);
  CHECK(r.notes.size() == 3);
  CHECK(r.parts[0].text == std::string("Photos from the march\n\n") + kPostId);
  CHECK(!r.parts[0].card_uri);
}

TEST_CASE("attribution names the member, dates far off are replaced by receipt time", "[post_render]") {
  Event e = note("Hi");
  PostOptions options;
  options.attribution = "{name} (@{handle}):";
  PostContext context;
  context.author = {"Alice", "alice@social.example"};
  CHECK(render(e, options, context).parts[0].text == "Alice (@alice@social.example):\nHi");
  CHECK(render(e).parts[0].created_at == "2025-10-09T08:53:20.000Z");
  e.created_at_us = 4'000'000'000'000'000;  // claims the year 2096
  CHECK(render(e).parts[0].created_at == "2025-10-09T08:53:21.000Z");
}

TEST_CASE("a post with nothing to carry is refused with a reason", "[post_render]") {
  auto r = render_post(note(""), {}, {});
  REQUIRE(!r.ok());
  CHECK(r.error() == "the post has no text to carry");
}

TEST_CASE("hashtags with no place in the text go into the record's tags, within the Lexicon's limits", "[post_render]") {
  Event e = note("a post about the library");
  e.content.tags = {"Libraries", "#books", "Libraries", std::string(65, 'x'), "a", "b", "c", "d", "e", "f", "g"};
  RenderedPost r = render(e);
  json record = record_of(r);
  // Duplicates and a tag over 64 graphemes are left out; at most 8 are kept, and why says so.
  CHECK(record["tags"] == json::array({"Libraries", "books", "a", "b", "c", "d", "e", "f"}));
  CHECK(std::find(r.notes.begin(), r.notes.end(), "more than 8 hashtags outside the text: the rest are not tagged") !=
        r.notes.end());
  // No tags: no key at all.
  CHECK_FALSE(record_of(render(note("plain"))).contains("tags"));
}
