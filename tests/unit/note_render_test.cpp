// Events from Bluesky as the AS2 Notes and activities causeway sends
// (protocols/activitypub/note_render.h), fed with the post records of tests/data/atproto/posts read
// by record_events: what a Mastodon, Misskey or Lemmy reader would see of each.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "protocols/activitypub/note_render.h"
#include "protocols/atproto/record_events.h"

using namespace causeway;
using namespace causeway::activitypub;
using nlohmann::json;

namespace {

constexpr const char* kBob = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
constexpr const char* kActor = "https://causeway.example/ap/users/bob.bsky.social";
constexpr const char* kGroup = "https://groups.example/c/news";
constexpr const char* kAliceActor = "https://mastodon.social/users/alice";

Event fixture_event(const std::string& name) {
  std::ifstream in(std::string(CAUSEWAY_SOURCE_DIR) + "/tests/data/atproto/posts/" + name);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto event = atproto::event_from_post_json(json::parse(text.str()));
  INFO(name << ": " << (event.ok() ? "" : event.error()));
  REQUIRE(event.ok());
  return *event;
}

// What the writer's lookups would answer, with records of what was asked.
struct Lookups {
  std::vector<std::string> fediverse_asked;
  std::map<std::string, std::string> fediverse_ids;  // at-uri -> fediverse id of quoted posts
};

NoteContext context_for(const Event& e, Lookups& lookups) {
  NoteContext c;
  c.actor_id = kActor;
  c.followers = std::string(kActor) + "/followers";
  c.note_id = bridged_object_id(kActor, e.origin.object.id);
  c.group = kGroup;
  c.mentioned_actor = [](const std::string& did) -> std::optional<MentionedActor> {
    if (did == "did:plc:carol0000000000000000000")
      return MentionedActor{"https://causeway.example/ap/users/carol.bsky.social", "carol.bsky.social@causeway.example"};
    return std::nullopt;
  };
  c.fediverse_actor = [&lookups](const std::string& acct) -> std::optional<std::string> {
    lookups.fediverse_asked.push_back(acct);
    if (acct == "alice@mastodon.social") return kAliceActor;
    return std::nullopt;
  };
  c.fediverse_id = [&lookups](const std::string& at_uri) -> std::optional<std::string> {
    auto it = lookups.fediverse_ids.find(at_uri);
    if (it == lookups.fediverse_ids.end()) return std::nullopt;
    return it->second;
  };
  c.blob_url = [](const std::string& did, const std::string& cid) {
    return "https://pds.example/xrpc/com.atproto.sync.getBlob?did=" + did + "&cid=" + cid;
  };
  return c;
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::vector<json> tags_of_type(const json& note, const std::string& type) {
  std::vector<json> out;
  for (const auto& t : note["tag"])
    if (t.value("type", "") == type) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("Bluesky posts become Notes that show all of what their author posted", "[note render]") {
  struct Row {
    const char* fixture;
    std::function<void(const json& note, const RenderedNote& out, const Lookups& lookups)> check;
    std::map<std::string, std::string> quoted_fediverse_ids = {};
  };
  std::vector<Row> rows = {
      {"images_tags_langs_label.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         std::string html = note["content"];
         // Every language carries the content.
         CHECK(note["contentMap"].size() == 2);
         CHECK(note["contentMap"]["fr"] == html);
         CHECK(note["contentMap"]["en"] == html);
         // A label Bluesky defines is a content warning naming it.
         CHECK(note["sensitive"] == true);
         CHECK(note["summary"] == "Non-sexual Nudity");
         // The hashtag's anchor and its tag link the same, percent-encoded UTF-8.
         const std::string tag_href = "https://bsky.app/hashtag/caf%C3%A9";
         CHECK(contains(html, "<a href=\"" + tag_href + "\""));
         auto hashtags = tags_of_type(note, "Hashtag");
         REQUIRE(hashtags.size() == 2);  // #café once (the record's "Café" is the same tag), #caturday
         CHECK(hashtags[0]["href"] == tag_href);
         CHECK(hashtags[0]["name"] == "#café");
         CHECK(hashtags[1]["name"] == "#caturday");
         CHECK(hashtags[1]["href"] == "https://bsky.app/hashtag/caturday");
         CHECK(contains(html, "<a href=\"https://example.com/menu\""));
         REQUIRE(note["attachment"].size() == 2);
         CHECK(note["attachment"][0]["name"] == "A cup of coffee on a wooden table");
         CHECK(note["attachment"][0]["width"] == 1200);
         CHECK(note["attachment"][0]["mediaType"] == "image/jpeg");
         CHECK(contains(note["attachment"][0]["url"], "cid=bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"));
         CHECK(note["published"] == "2024-11-22T10:15:00Z");
       }},
      {"video.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         std::string html = note["content"];
         std::string page = std::string("https://bsky.app/profile/") + kBob + "/post/3lcdv4a2ikc2b";
         CHECK(contains(html, "<a href=\"" + page + "\""));
         CHECK(contains(html, "A cat stepping into snow"));
         CHECK_FALSE(note.contains("sensitive"));
       }},
      {"external_card.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         CHECK(contains(note["content"], "<a href=\"https://example.org/articles/bridges\""));
       }},
      {"granary_quote_and_attachment.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         // The card's link and the quote's, neither dropped.
         std::string html = note["content"];
         CHECK(contains(html, "https://youtu.be/6rgStv12dwA"));
         CHECK(note["quoteUrl"] == "https://bsky.app/profile/did/post/orig-post-tid");
       }},
      {"quote.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         const std::string page = "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l";
         CHECK(note["quoteUrl"] == page);
         CHECK(note["_misskey_quote"] == page);
         auto links = tags_of_type(note, "Link");
         REQUIRE(links.size() == 1);
         CHECK(links[0]["href"] == page);
         CHECK(contains(links[0]["mediaType"], "activitystreams"));
         CHECK(contains(note["content"], "<p class=\"quote-inline\">RE: <a href=\"" + page + "\""));
       }},
      {"quote.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         // A quote of the Bluesky copy of a fediverse post points at the original.
         CHECK(note["quoteUrl"] == "https://mastodon.social/users/dana/statuses/1");
         CHECK(contains(note["content"], "RE: <a href=\"https://mastodon.social/users/dana/statuses/1\""));
       },
       {{"at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l", "https://mastodon.social/users/dana/statuses/1"}}},
      {"reply_bridgy_fed_mention.json",
       [](const json& note, const RenderedNote& out, const Lookups& lookups) {
         // The Bridgy Fed user is tagged, linked and sent the Note as the fediverse actor they are.
         CHECK(lookups.fediverse_asked == std::vector<std::string>{"alice@mastodon.social"});
         auto mentions = tags_of_type(note, "Mention");
         REQUIRE(mentions.size() == 2);
         CHECK(mentions[0]["href"] == kAliceActor);
         CHECK(mentions[0]["name"] == "@alice@mastodon.social");
         CHECK(mentions[1]["href"] == "https://causeway.example/ap/users/carol.bsky.social");
         CHECK(contains(note["content"], std::string("<a href=\"") + kAliceActor + "\" class=\"u-url mention\""));
         CHECK(out.recipients == std::vector<std::string>{kAliceActor});
         CHECK(std::find(note["cc"].begin(), note["cc"].end(), json(kAliceActor)) != note["cc"].end());
       }},
      {"granary_note_with_mention_linked_text.json",
       [](const json& note, const RenderedNote&, const Lookups&) {
         // Nobody known: a link to the Bluesky profile, no Mention tag.
         CHECK(contains(note["content"], "<a href=\"https://bsky.app/profile/did:plc:789\""));
         CHECK(tags_of_type(note, "Mention").empty());
       }},
  };
  for (const auto& row : rows) {
    INFO(row.fixture);
    Lookups lookups;
    lookups.fediverse_ids = row.quoted_fediverse_ids;
    Event e = row.fixture == std::string("granary_note_with_mention_linked_text.json") ||
                      row.fixture == std::string("granary_quote_and_attachment.json")
                  ? [&] {
                      std::ifstream in(std::string(CAUSEWAY_SOURCE_DIR) + "/tests/data/atproto/posts/" + row.fixture);
                      json record = json::parse(in);
                      json wrapped{{"uri", std::string("at://") + kBob + "/app.bsky.feed.post/3k"},
                                   {"author", {{"did", kBob}}},
                                   {"record", record}};
                      auto value = atproto::from_atproto_json(record);
                      REQUIRE(value.ok());
                      return atproto::event_from_post_record(*value, {wrapped["uri"], "", kBob, ""}).value();
                    }()
                  : fixture_event(row.fixture);
    auto out = render_note(e, context_for(e, lookups));
    REQUIRE(out.ok());
    const json& note = out->note;
    CHECK(note["id"] == bridged_object_id(kActor, e.origin.object.id));
    CHECK(note["attributedTo"] == kActor);
    CHECK(note["audience"] == kGroup);
    CHECK(out->create["type"] == "Create");
    CHECK(out->create["id"] == note["id"].get<std::string>() + "/activity");
    CHECK(out->create["object"]["content"] == note["content"]);
    CHECK_FALSE(out->create["object"].contains("@context"));
    row.check(note, *out, lookups);
  }
}

TEST_CASE("only the labels Bluesky defines make a Note sensitive", "[note render]") {
  struct Row {
    std::vector<std::string> labels;
    std::optional<std::string> summary;
  };
  std::vector<Row> rows = {{{"porn"}, "Adult Content"},
                           {{"sexual"}, "Sexually Suggestive"},
                           {{"graphic-media"}, "Graphic Media"},
                           {{"gore"}, "Graphic Media"},
                           {{"nudity", "porn"}, "Non-sexual Nudity, Adult Content"},
                           {{"!no-unauthenticated"}, std::nullopt},
                           {{"sussex"}, std::nullopt}};
  for (const auto& row : rows) {
    INFO(row.labels.front());
    Event e;
    e.origin.object.id = std::string("at://") + kBob + "/app.bsky.feed.post/3k";
    e.content.text = "hello";
    e.content.labels = row.labels;
    Lookups lookups;
    auto out = render_note(e, context_for(e, lookups));
    REQUIRE(out.ok());
    CHECK(out->note.contains("sensitive") == row.summary.has_value());
    if (row.summary) CHECK(out->note["summary"] == *row.summary);
  }
}

TEST_CASE("Bridgy Fed's handles for fediverse accounts are read back as user@host", "[note render]") {
  CHECK(bridgy_fed_fediverse_handle("alice.mastodon.social.ap.brid.gy") == "alice@mastodon.social");
  CHECK(bridgy_fed_fediverse_handle("@Alice.Mastodon.Social.ap.brid.gy") == "alice@mastodon.social");
  CHECK(bridgy_fed_fediverse_handle("r-contributors.hachyderm.io.ap.brid.gy") == "r-contributors@hachyderm.io");
  CHECK_FALSE(bridgy_fed_fediverse_handle("alice.bsky.social"));
  CHECK_FALSE(bridgy_fed_fediverse_handle("ap.brid.gy"));
  CHECK_FALSE(bridgy_fed_fediverse_handle("alice.ap.brid.gy"));
  CHECK_FALSE(bridgy_fed_fediverse_handle(".mastodon.social.ap.brid.gy"));
  CHECK_FALSE(bridgy_fed_fediverse_handle("bsky.brid.gy"));
}

TEST_CASE("likes, announces, deletes and undos keep the ids receivers dedupe on", "[note render]") {
  const std::string like_uri = std::string("at://") + kBob + "/app.bsky.feed.like/3lzz";
  const std::string id = bridged_object_id(kActor, like_uri);
  CHECK(id == std::string(kActor) + "/app.bsky.feed.like/3lzz");
  ReactionContext r{id, kActor, std::string(kActor) + "/followers", "https://mastodon.social/users/dana/statuses/1",
                    "https://mastodon.social/users/dana", kGroup, "2024-12-01T00:00:00Z"};
  json like = render_like(r);
  CHECK(like.dump() ==
        json{{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", id}, {"type", "Like"}, {"actor", kActor},
             {"object", r.object_id}, {"published", r.published}, {"to", {r.object_author}}, {"cc", {kGroup}},
             {"audience", kGroup}}
            .dump());
  json announce = render_announce(r);
  CHECK(announce["type"] == "Announce");
  CHECK(announce["to"] == json({r.object_author, "https://www.w3.org/ns/activitystreams#Public"}));
  CHECK(announce["cc"] == json({r.followers, kGroup}));

  const std::string note_id = std::string(kActor) + "/app.bsky.feed.post/3k";
  json del = render_delete(note_id, kActor, kGroup);
  CHECK(del["id"] == note_id + "#delete");
  CHECK(del["object"] == json{{"id", note_id}, {"type", "Tombstone"}});
  CHECK(del["cc"] == json({kGroup}));
  CHECK(render_tombstone(note_id)["type"] == "Tombstone");

  json undo = render_undo(id, like, kActor, kGroup);
  CHECK(undo["id"] == id + "#undo");
  CHECK_FALSE(undo["object"].contains("@context"));
  CHECK(undo["object"]["type"] == "Like");
  CHECK(undo["to"] == json({r.object_author}));
  CHECK(render_undo(id, std::nullopt, kActor, "")["object"] == json{{"id", id}});

  Event e;
  e.kind = EventKind::update;
  e.origin.object.id = std::string("at://") + kBob + "/app.bsky.feed.post/3k";
  e.content.text = "edited";
  Lookups lookups;
  auto out = render_note(e, context_for(e, lookups));
  REQUIRE(out.ok());
  json update = render_update(out->note, "bafyv2", "2024-12-02T00:00:00Z");
  CHECK(update["type"] == "Update");
  CHECK(update["id"] == note_id + "#updates/bafyv2");
  CHECK(update["object"]["updated"] == "2024-12-02T00:00:00Z");
  CHECK(update["object"]["content"] == "<p>edited</p>");
}

TEST_CASE("what is not a post is refused with a reason", "[note render]") {
  Event like;
  like.kind = EventKind::like;
  Lookups lookups;
  auto refused = render_note(like, context_for(like, lookups));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error(), Catch::Contains("like"));
  Event post;
  NoteContext empty;
  CHECK_FALSE(render_note(post, empty).ok());
}

TEST_CASE("a reply into a followed group names it the way that group's software passes posts on", "[note render]") {
  Event e = fixture_event("docs-reply.json");
  Lookups lookups;
  NoteContext c = context_for(e, lookups);
  SECTION("a Lemmy community: in to and audience, not mentioned") {
    c.group_in_to = true;
    auto r = render_note(e, c);
    REQUIRE(r.ok());
    CHECK(std::find(r->note["to"].begin(), r->note["to"].end(), kGroup) != r->note["to"].end());
    CHECK(r->note["audience"] == kGroup);
    CHECK(tags_of_type(r->note, "Mention").empty());
  }
  SECTION("a boost group: a Mention tag and the handle opening the text") {
    c.group_mention = "@news@groups.example";
    auto r = render_note(e, c);
    REQUIRE(r.ok());
    auto mentions = tags_of_type(r->note, "Mention");
    REQUIRE(mentions.size() == 1);
    CHECK(mentions[0]["href"] == kGroup);
    CHECK(mentions[0]["name"] == "@news@groups.example");
    std::string html = r->note["content"];
    CHECK(html.rfind("<p><span class=\"h-card\" translate=\"no\"><a href=\"https://groups.example/c/news\" class=\"u-url "
                     "mention\">@<span>news</span></a></span> ",
                     0) == 0);
    CHECK(r->create["object"]["content"] == html);
  }
  SECTION("a Friendica forum: the !forum mention") {
    c.group_mention = "!news@groups.example";
    auto r = render_note(e, c);
    REQUIRE(r.ok());
    auto mentions = tags_of_type(r->note, "Mention");
    REQUIRE(mentions.size() == 1);
    CHECK(mentions[0]["name"] == "!news@groups.example");
    CHECK(contains(r->note["content"], ">!<span>news</span></a>"));
  }
}
