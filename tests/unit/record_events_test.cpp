// Bluesky post records as Events (protocols/atproto/record_events.h), from the post records in
// tests/data/atproto/posts (granary's test data and records shaped by the app.bsky Lexicons; see
// tests/data/SOURCES.md), and hostile ones that must be refused or cut, never crash.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "protocols/atproto/record_events.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

constexpr const char* kBob = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

json post_fixture(const std::string& name) {
  std::ifstream in(std::string(CAUSEWAY_SOURCE_DIR) + "/tests/data/atproto/posts/" + name);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// Bare granary records skip the Lexicon check (their createdAt and CIDs are placeholders).
Event bare_record_event(const std::string& name) {
  auto value = from_atproto_json(post_fixture(name));
  REQUIRE(value.ok());
  auto event = event_from_post_record(*value, {std::string("at://") + kBob + "/app.bsky.feed.post/3k", "", kBob, ""});
  REQUIRE(event.ok());
  return *event;
}

Event wrapped_event(const std::string& name) {
  auto event = event_from_post_json(post_fixture(name));
  INFO(name << ": " << (event.ok() ? "" : event.error()));
  REQUIRE(event.ok());
  return *event;
}

std::string text_of(const Event& e, const Facet& f) { return e.content.text.substr(f.byte_start, f.byte_end - f.byte_start); }

}  // namespace

TEST_CASE("post records become events with their text, facets and every kind of embed", "[record events]") {
  struct Row {
    const char* fixture;
    bool wrapped;
    std::function<void(const Event&)> check;
  };
  std::vector<Row> rows = {
      {"granary_note_with_mention_linked_text.json", false,
       [](const Event& e) {
         REQUIRE(e.content.facets.size() == 1);
         CHECK(e.content.facets[0].type == Facet::Type::mention);
         CHECK(e.content.facets[0].target == "did:plc:789");
         CHECK(text_of(e, e.content.facets[0]) == "@alice");
       }},
      {"granary_note_with_article_attachment_indices.json", false,
       [](const Event& e) {
         // Byte offsets past multi-byte emoji and ZWJ sequences.
         REQUIRE(e.content.facets.size() == 1);
         CHECK(text_of(e, e.content.facets[0]) == "foo");
         CHECK(e.content.facets[0].target == "http://xyz/foo");
       }},
      {"granary_quote_and_attachment.json", false,
       [](const Event& e) {
         REQUIRE(e.embed.quote);
         CHECK(e.embed.quote->id == "at://did/app.bsky.feed.post/orig-post-tid");
         CHECK(e.embed.quote->cid == "TODO");
         REQUIRE(e.embed.link);
         CHECK(e.embed.link->url == "https://youtu.be/6rgStv12dwA");
         CHECK(e.embed.link->title == "Baby Bash - Suga Suga ft. Frankie J");
         CHECK(e.embed.link->description == "Music video by Baby Bash performing Suga Suga");
       }},
      {"images_tags_langs_label.json", true,
       [](const Event& e) {
         CHECK(e.kind == EventKind::post);
         CHECK(e.actor.id == kBob);
         CHECK(e.actor.profile.handle == "bob.bsky.social");
         CHECK(e.origin.object.id == std::string("at://") + kBob + "/app.bsky.feed.post/3lbq2kfxzhs2a");
         CHECK(e.origin.object.cid == "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4");
         CHECK(e.content.languages == std::vector<std::string>{"fr", "en"});
         CHECK(e.content.labels == std::vector<std::string>{"nudity"});
         CHECK(e.content.tags == std::vector<std::string>{"caturday", "Café"});
         REQUIRE(e.content.facets.size() == 2);
         CHECK(e.content.facets[0].type == Facet::Type::hashtag);
         CHECK(e.content.facets[0].target == "café");
         CHECK(text_of(e, e.content.facets[0]) == "#café");
         CHECK(e.content.facets[1].target == "https://example.com/menu");
         CHECK(text_of(e, e.content.facets[1]) == "example.com/menu");
         REQUIRE(e.media.size() == 2);
         CHECK(e.media[0].url == std::string("at://") + kBob + "/blob/bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy");
         CHECK(e.media[0].alt == "A cup of coffee on a wooden table");
         CHECK(e.media[0].mime_type == "image/jpeg");
         CHECK(e.media[0].size == 123456);
         CHECK(e.media[0].width == 1200);
         CHECK(e.media[0].height == 800);
         CHECK(e.media[1].width == 0);
         CHECK(e.created_at_us == 1732270500123000);
       }},
      {"video.json", true,
       [](const Event& e) {
         REQUIRE(e.media.size() == 1);
         CHECK(e.media[0].mime_type == "video/mp4");
         CHECK(e.media[0].url == std::string("https://bsky.app/profile/") + kBob + "/post/3lcdv4a2ikc2b");
         CHECK(e.media[0].alt == "A cat stepping into snow");
         CHECK(e.media[0].width == 1080);
         CHECK(e.media[0].height == 1920);
       }},
      {"external_card.json", true,
       [](const Event& e) {
         REQUIRE(e.embed.link);
         CHECK(e.embed.link->url == "https://example.org/articles/bridges");
         CHECK(e.embed.link->title == "Bridges between networks");
         CHECK(e.embed.link->description == "How posts travel from one network to another.");
         CHECK(e.embed.link->thumb_url ==
               std::string("at://") + kBob + "/blob/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
         CHECK(e.media.empty());
       }},
      {"quote.json", true,
       [](const Event& e) {
         REQUIRE(e.embed.quote);
         CHECK(e.embed.quote->network == Network::atproto);
         CHECK(e.embed.quote->id == "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l");
         CHECK(e.embed.quote->cid == "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi");
       }},
      {"reply_bridgy_fed_mention.json", true,
       [](const Event& e) {
         CHECK(e.kind == EventKind::reply);
         REQUIRE(e.thread.parent);
         CHECK(e.thread.parent->id == "at://did:plc:alicebridged00000000000a/app.bsky.feed.post/3lbbbbbbbbb2b");
         REQUIRE(e.thread.root);
         CHECK(e.thread.root->id == std::string("at://") + kBob + "/app.bsky.feed.post/3lbaaaaaaaa2a");
         REQUIRE(e.content.facets.size() == 2);
         CHECK(text_of(e, e.content.facets[0]) == "@alice.mastodon.social.ap.brid.gy");
         CHECK(e.content.facets[1].target == "did:plc:carol0000000000000000000");
       }},
  };
  for (const auto& row : rows) {
    INFO(row.fixture);
    row.check(row.wrapped ? wrapped_event(row.fixture) : bare_record_event(row.fixture));
  }
}

TEST_CASE("a bare record is placed at a stand-in uri, a wrapped one must live in its author's repository",
          "[record events]") {
  auto bare = event_from_post_json({{"$type", "app.bsky.feed.post"}, {"text", "hi"}, {"createdAt", "2024-01-01T00:00:00Z"}});
  REQUIRE(bare.ok());
  CHECK(bare->origin.object.id == kUnknownPostUri);
  CHECK(bare->actor.id == kUnknownAuthor);
  json view = post_fixture("quote.json");
  view["$type"] = "app.bsky.feed.defs#postView";
  for (const json& input : {view, json{{"$type", "app.bsky.feed.defs#feedViewPost"}, {"post", view}}}) {
    auto e = event_from_post_json(input);
    REQUIRE(e.ok());
    CHECK(e->origin.object.id == std::string("at://") + kBob + "/app.bsky.feed.post/3lchmj5zqzk2d");
    CHECK(e->actor.profile.handle == "bob.bsky.social");
  }
  json foreign = post_fixture("quote.json");
  foreign["author"]["did"] = "did:plc:someoneelse";
  auto refused = event_from_post_json(foreign);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error(), Catch::Contains("repository"));
}

TEST_CASE("hostile post records are refused with a reason or cut to the Lexicon's limits", "[record events]") {
  PostRecordSource at{std::string("at://") + kBob + "/app.bsky.feed.post/3k", "", kBob, ""};
  auto event_of = [&](const json& record) { return event_from_post_record(from_atproto_json(record).value(), at); };

  SECTION("wrong types") {
    CHECK_THAT(event_from_post_record(Value("a string"), at).error(), Catch::Contains("not an object"));
    CHECK_FALSE(event_from_post_json(json::array()).ok());
    CHECK_THAT(event_of({{"text", 42}}).error(), Catch::Contains("text is not a string"));
    CHECK_THAT(event_of({{"$type", "app.bsky.feed.like"}}).error(), Catch::Contains("not an app.bsky.feed.post"));
    auto odd = event_of({{"text", "x"}, {"langs", "en"}, {"facets", {{"index", 3}}}, {"embed", "none"}, {"reply", 1},
                         {"labels", {{"values", {1, 2}}}}, {"tags", {{{"a", 1}}}}});
    REQUIRE(odd.ok());
    CHECK(odd->content.languages.empty());
    CHECK(odd->content.facets.empty());
    CHECK(odd->content.labels.empty());
    CHECK(odd->content.tags.empty());
    CHECK_FALSE(odd->thread.parent);
    CHECK(odd->kind == EventKind::post);
  }
  SECTION("facets out of range or inside a UTF-8 sequence are dropped") {
    auto facet = [](int start, int end) {
      return json{{"index", {{"byteStart", start}, {"byteEnd", end}}},
                  {"features", {{{"$type", "app.bsky.richtext.facet#link"}, {"uri", "https://example.com"}}}}};
    };
    // "é" is two bytes: offset 2 is inside it.
    auto e = event_of({{"text", "café x"}, {"facets", {facet(0, 99), facet(-1, 2), facet(4, 2), facet(2, 4), facet(0, 5)}}});
    REQUIRE(e.ok());
    REQUIRE(e->content.facets.size() == 1);
    CHECK(e->content.facets[0].byte_end == 5);
  }
  SECTION("arrays beyond the Lexicon's limits are cut") {
    json images = json::array(), langs = json::array(), tags = json::array(), labels = json::array();
    for (int i = 0; i < 50; ++i) {
      images.push_back({{"alt", std::to_string(i)},
                        {"image", {{"$type", "blob"}, {"ref", {{"$link", "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"}}},
                                   {"mimeType", "image/png"}, {"size", 1}}}});
      langs.push_back("en");
      tags.push_back("t" + std::to_string(i));
      labels.push_back({{"val", "porn"}});
    }
    tags.push_back(std::string(700, 'x'));
    auto e = event_of({{"text", "x"}, {"langs", langs}, {"tags", tags}, {"labels", {{"values", labels}}},
                       {"embed", {{"$type", "app.bsky.embed.images"}, {"images", images}}}});
    REQUIRE(e.ok());
    CHECK(e->media.size() == 4);
    CHECK(e->content.languages.size() == 3);
    CHECK(e->content.tags.size() == 8);
    CHECK(e->content.labels.size() == 10);
  }
  SECTION("a wrapped record breaking its Lexicon is refused") {
    json wrapped = post_fixture("quote.json");
    wrapped["record"]["text"] = std::string(5000, 'a');
    auto refused = event_from_post_json(wrapped);
    CHECK_FALSE(refused.ok());
  }
}

TEST_CASE("a firehose op of a post goes through the same reading as a record", "[record events]") {
  json record = post_fixture("video.json")["record"];
  RepoOp op;
  op.action = "update";
  op.path = "app.bsky.feed.post/3lcdv4a2ikc2b";
  op.record = from_atproto_json(record).value();
  auto e = event_from_op(kBob, op);
  REQUIRE(e);
  CHECK(e->kind == EventKind::update);
  REQUIRE(e->media.size() == 1);
  CHECK(e->media[0].url == std::string("https://bsky.app/profile/") + kBob + "/post/3lcdv4a2ikc2b");
}
