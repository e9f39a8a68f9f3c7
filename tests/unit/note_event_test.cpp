// ActivityPub -> Event over real payloads (tests/data/activitypub, sources in tests/data/SOURCES.md):
// what a Bluesky reader of the copy would notice — title, text, links, mentions, tags, media and
// alt texts, quotes, warnings, languages — and the reasons given for what cannot cross.
#include "protocols/activitypub/note_event.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/paths.h"

using namespace causeway;
namespace ap = causeway::activitypub;
using nlohmann::json;
using Type = Facet::Type;

namespace {

json payload(const std::string& relative) {
  std::ifstream in(testing::source_dir() / "tests/data/activitypub" / relative);
  REQUIRE(in);
  json doc = json::parse(in, nullptr, false);
  REQUIRE(doc.is_object());
  return doc;
}

Event event_of(const std::string& relative) {
  auto e = ap::event_from_activity(payload(relative));
  INFO(relative << ": " << (e ? std::string() : e.error()));
  REQUIRE(e);
  return *e;
}

std::string facet_text(const Event& e, const Facet& f) { return e.content.text.substr(f.byte_start, f.byte_end - f.byte_start); }

std::vector<std::pair<std::string, std::string>> facets_of(const Event& e, Type type) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : e.content.facets)
    if (f.type == type) out.emplace_back(facet_text(e, f), f.target);
  return out;
}

json note(json fields) {
  json n{{"id", "https://a.example/notes/1"}, {"type", "Note"}, {"attributedTo", "https://a.example/users/alice"},
         {"to", {"https://www.w3.org/ns/activitystreams#Public"}}};
  n.update(fields);
  return n;
}

Event event_from(const json& doc) {
  auto e = ap::event_from_activity(doc);
  INFO(doc.dump() << ": " << (e ? std::string() : e.error()));
  REQUIRE(e);
  return *e;
}

}  // namespace

TEST_CASE("a bare object reads as its author's Create of it", "[note_event]") {
  Event wrapped = event_of("friendica/create_note.json");
  Event bare = event_of("friendica/note_1.json");
  CHECK(bare.kind == EventKind::reply);
  CHECK(bare.actor.id == "https://soc.schuerz.at/profile/jakob");
  CHECK(bare.origin.object_author == bare.actor.id);
  CHECK(bare.content == wrapped.content);
  CHECK(bare.audience.visibility == Visibility::public_);
}

TEST_CASE("what cannot cross is refused with a reason, never made an empty post", "[note_event]") {
  // PeerTube's channel alone (a Group) is no person.
  auto group_only = ap::event_from_activity(payload("granary/video.json"));
  REQUIRE_FALSE(group_only);
  CHECK_THAT(group_only.error(), Catch::Contains("attributedTo names no person"));
  // A poll vote: a Note with a name and nothing else.
  auto vote = ap::event_from_activity(payload("gotosocial/create_poll_vote.json"));
  REQUIRE_FALSE(vote);
  CHECK_THAT(vote.error(), Catch::Contains("has no text, title, media or link"));
  CHECK_FALSE(ap::event_from_activity(json::array()));
  CHECK_FALSE(ap::event_from_activity(json{{"id", "https://a.example/x"}}));
}

TEST_CASE("Lemmy posts: title, image posts' image as media, link posts' link as a card, language", "[note_event]") {
  Event image = event_of("lemmy/page.json");
  CHECK(image.content.title == "Post title");
  CHECK(image.content.text == "This is a post in the /c/tenforward community");
  REQUIRE(image.media.size() == 1);
  CHECK(image.media[0].url == "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png");
  CHECK_FALSE(image.embed.link);
  CHECK(image.content.languages == std::vector<std::string>{"fr"});

  Event both = event_of("lemmy/page_image_and_link.json");
  REQUIRE(both.embed.link);
  CHECK(both.embed.link->url == "https://example.com/some-article");
  CHECK(both.embed.link->title == "Post with image and link");
  CHECK(both.media.size() == 1);

  // Friendica's link post: the object's url is on another host than its id.
  Event friendica = event_of("friendica/page_1.json");
  CHECK(friendica.content.title == "ISS astronauts perform final spacewalk of Expedition 66");
  REQUIRE(friendica.embed.link);
  CHECK(friendica.embed.link->url == "https://www.nasaspaceflight.com/2022/03/us-eva-80/");
}

TEST_CASE("a title-only post is a valid Event", "[note_event]") {
  Event e = event_of("fep/1b12_group_page.json");
  CHECK(e.content.title == "Hello forum!");
  CHECK(e.content.text.empty());
}

TEST_CASE("summary: a content warning on a Note, an excerpt on an Article", "[note_event]") {
  Event cw = event_of("mastodon/create_note_sensitive_cw.json");
  CHECK(cw.content.content_warning == "cw");
  CHECK(cw.content.excerpt.empty());
  Event article = event_of("wordpress/article_wedistribute.json");
  CHECK(article.content.content_warning.empty());
  CHECK(article.content.excerpt.starts_with("One of the largest platforms in the federated social web"));
  CHECK(article.content.excerpt.find('<') == std::string::npos);
  CHECK(article.content.title == "The end is near: Mastodon plans to drop OStatus support");
  // HTML in a summary is stripped.
  CHECK(event_from(note({{"summary", "<p>spoilers <b>ahead</b></p>"}, {"content", "x"}})).content.content_warning ==
        "spoilers ahead");
}

TEST_CASE("alt texts from an attachment's name or summary (GoToSocial), HTML stripped, bounded", "[note_event]") {
  Event e = event_of("gotosocial/note_hashtag_emoji_alt_summary.json");
  REQUIRE(e.media.size() == 1);
  CHECK(e.media[0].alt == "Black and white image of some 50's style text saying: Welcome On Board");
  CHECK(event_of("mastodon/note_2.json").media.at(0).alt.starts_with("The KDE dragons Katie and Konqi"));
  Event long_alt = event_from(note({{"attachment", {{{"type", "Image"}, {"url", "https://a.example/i.png"},
                                                  {"name", "<b>bold</b> " + std::string(5000, 'a')}}}}}));
  CHECK(long_alt.media.at(0).alt.starts_with("bold aaa"));
  CHECK(long_alt.media.at(0).alt.size() == ap::kMaxAltBytes);
}

TEST_CASE("custom emoji stay as their shortcode text", "[note_event]") {
  Event e = event_of("gotosocial/note_hashtag_emoji_alt_summary.json");
  CHECK(e.content.text == "hello world! #welcome ! first post on the instance :rainbow: !");
  CHECK(facets_of(e, Type::hashtag) == std::vector<std::pair<std::string, std::string>>{{"#welcome", "welcome"}});
  // An <img> emoji in the HTML is its shortcode.
  Event img = event_from(note({{"content", R"(<p>hi <img class="emoji" alt=":blobcat:" src="https://a.example/b.png"> <img src="https://a.example/photo.jpg" alt="a photo"></p>)"}}));
  CHECK(img.content.text == "hi :blobcat:");
}

TEST_CASE("authors among several attributedTo: the Person, or the organizer, never the channel", "[note_event]") {
  Event video = event_of("peertube/video.json");
  CHECK(video.origin.object_author == "https://tilvids.com/accounts/thelinuxexperiment");
  CHECK(video.content.title.starts_with("Mesa, Wayland & X.org in trouble"));
  REQUIRE(video.embed.link);
  CHECK(video.embed.link->url == "https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1");
  CHECK(video.embed.link->thumb_url == "https://tilvids.com/lazy-static/previews/ef6088ee-c83a-4fcf-8be2-58db95ca5135.jpg");
  CHECK(video.content.languages == std::vector<std::string>{"en"});
  // Its description is markdown: list items keep a marker, bare URLs are links.
  CHECK(video.content.text.find("\n\u2022 a Daily Linux News show") != std::string::npos);
  CHECK(facets_of(video, Type::link).at(0).second == "https://squarespace.com/thelinuxexperiment");

  CHECK(event_of("plume/article.json").origin.object_author == "https://baptiste.gelez.xyz/@/BaptisteGelez");
  Event mobilizon = event_of("mobilizon/event.json");
  CHECK(mobilizon.origin.object_author == "https://rendezvous.nomagic.uk/@emorrp1");
  CHECK(mobilizon.content.title == "Caledonian scottish dance class");
  REQUIRE(mobilizon.embed.link);
  CHECK(mobilizon.embed.link->url == "https://rendezvous.nomagic.uk/events/b81c0531-a57c-497d-93ba-af0f8b255498");
  CHECK(mobilizon.content.languages == std::vector<std::string>{"en"});
}

TEST_CASE("a poll lists its options and links the poll", "[note_event]") {
  Event poll = event_of("mastodon/create_question.json");
  CHECK(poll.content.text ==
        "Why is Tenshi eating a corndog so cute?\n\n\u2022 Dunno\n\u2022 Everyone knows that!\n\u2022 25 char limit is dumb\n"
        "\u2022 I can't even fit a funny");
  REQUIRE(poll.embed.link);
  CHECK(poll.embed.link->url == "https://mastodon.sdf.org/@rinpatch/102070944809637304");

  // Misskey's own fallback text for servers without polls is used as written, options and all.
  Event misskey = event_of("misskey/question_no_end_date.json");
  CHECK(misskey.content.text.find("How are your notifications now?") != std::string::npos);
  CHECK(misskey.content.text.find("0: Working\n1: Broken af") != std::string::npos);
  CHECK(misskey.content.text.find("\u2022 Working") == std::string::npos);  // not listed twice
  REQUIRE(misskey.embed.link);
  CHECK(misskey.embed.link->url == "https://skippers-bin.com/notes/7x9tmrp97i");
}

TEST_CASE("languages: every contentMap key, the one of `content` first, and language.identifier", "[note_event]") {
  Event e = event_from(note({{"content", "<p>Hallo</p>"},
                           {"contentMap", {{"en", "<p>Hello</p>"}, {"de", "<p>Hallo</p>"}}},
                           {"language", {{"identifier", "fr"}, {"name", "Français"}}}}));
  CHECK(e.content.languages == std::vector<std::string>{"de", "en", "fr"});
  CHECK(e.content.text == "Hallo");
  CHECK(event_of("mastodon/create_note_contentmap.json").content.languages == std::vector<std::string>{"en"});
}

TEST_CASE("markdown and plain text keep their lines and get facets", "[note_event]") {
  Event md = event_from(note({{"mediaType", "text/markdown"},
                            {"content", "# Title\n\nSome *text* and [a link](https://x.example/a)\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```\ncode  kept\n```"}}));
  CHECK(md.content.text ==
        "Title\n\nSome text and a link\n\n\u2022 one\n\u2022 two\n1. first\n2. second\n\n> quoted\n\n```\ncode  kept\n```");
  CHECK(facets_of(md, Type::link) == std::vector<std::pair<std::string, std::string>>{{"a link", "https://x.example/a"}});

  // No content, only a markdown source (Lemmy's form).
  Event source = event_from(note({{"source", {{"content", "line one\nline **two**"}, {"mediaType", "text/markdown"}}}}));
  CHECK(source.content.text == "line one\nline two");

  Event plain = event_from(note({{"mediaType", "text/plain"},
                               {"content", "see example.com/x and https://y.example/a?b=1.\r\n\r\n\r\n\r\n#tag @bob here"},
                               {"tag", {{{"type", "Mention"}, {"href", "https://b.example/users/bob"}, {"name", "@bob@b.example"}}}}}));
  CHECK(plain.content.text == "see example.com/x and https://y.example/a?b=1.\n\n#tag @bob here");
  CHECK(facets_of(plain, Type::link) == std::vector<std::pair<std::string, std::string>>{
                                            {"example.com/x", "https://example.com/x"}, {"https://y.example/a?b=1", "https://y.example/a?b=1"}});
  CHECK(facets_of(plain, Type::hashtag) == std::vector<std::pair<std::string, std::string>>{{"#tag", "tag"}});
  CHECK(facets_of(plain, Type::mention) == std::vector<std::pair<std::string, std::string>>{{"@bob", "https://b.example/users/bob"}});
}

TEST_CASE("tags not anchored in the HTML get facets where their text is, the rest become tags", "[note_event]") {
  // Misskey writes mentions and hashtags as text and names them in `tag`.
  Event e = event_from(note({{"content", "<p>hi @carol and #Rust fans</p>"},
                           {"tag", {{{"type", "Mention"}, {"href", "https://c.example/users/carol"}, {"name", "@carol@c.example"}},
                                    {{"type", "Hashtag"}, {"href", "https://a.example/tags/rust"}, {"name", "#rust"}},
                                    {{"type", "Hashtag"}, {"href", "https://a.example/tags/elsewhere"}, {"name", "#elsewhere"}}}}}));
  CHECK(e.content.text == "hi @carol and #Rust fans");
  CHECK(facets_of(e, Type::mention) == std::vector<std::pair<std::string, std::string>>{{"@carol", "https://c.example/users/carol"}});
  CHECK(facets_of(e, Type::hashtag) == std::vector<std::pair<std::string, std::string>>{{"#Rust", "Rust"}});
  CHECK(e.content.tags == std::vector<std::string>{"elsewhere"});

  CHECK(event_of("mastodon/create_note_sensitive_cw.json").content.tags == std::vector<std::string>{"NSFW"});
  Event misskey = event_of("misskey/mfm_underscore_content.json");
  CHECK(facets_of(misskey, Type::hashtag) == std::vector<std::pair<std::string, std::string>>{{"#dancedance", "dancedance"}});
}

TEST_CASE("mention text stays as written, the facet carries the actor id", "[note_event]") {
  Event e = event_of("gotosocial/note_reply_mention.json");
  CHECK(e.content.text == "hi @the_mighty_zork welcome to the instance!");
  CHECK(facets_of(e, Type::mention) ==
        std::vector<std::pair<std::string, std::string>>{{"@the_mighty_zork", "http://localhost:8080/users/the_mighty_zork"}});
  CHECK(facets_of(event_of("mastodon/note_2.json"), Type::mention).at(0) ==
        std::pair<std::string, std::string>{"@kde@lemmy.kde.social", "https://lemmy.kde.social/c/kde"});
}

TEST_CASE("quotes: every form names the quoted post, the inline RE: line that repeats it goes", "[note_event]") {
  Event misskey = event_of("misskey/quote_post.json");
  REQUIRE(misskey.embed.quote);
  CHECK(*misskey.embed.quote == NativeRef{Network::activitypub, "https://misskey.io/notes/8vs6wxufd0", ""});

  Event compat = event_of("fep/044f_quote_compat.json");
  REQUIRE(compat.embed.quote);
  CHECK(compat.embed.quote->id == "https://example.com/users/alice/statuses/1");
  CHECK(compat.content.text == "I am quoting alice's post");
  CHECK(event_of("fep/044f_quote_with_authorization.json").content.text == "I am quoting alice's post");
  Event fedibird = event_of("fedibird/quote_post.json");
  CHECK(fedibird.content.text == "いつの生まれだシトリン");
  CHECK(fedibird.embed.quote->id == "https://misskey.io/notes/8vsn2izjwh");

  // The RE: link stays when it names another post than the quote.
  Event other = event_of("misskey/quote.json");
  CHECK(other.content.text == "i quompt u\n\nRE: https://example.com/objects/30c543fb-a165-40dd-87fd-4e249ec5a40b");

  // FEP-e232 object links, in both media types.
  for (std::string media_type : {"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", "application/activity+json"}) {
    json e232 = payload("fep/e232_object_link_tag.json");
    e232["attributedTo"] = "https://forge.example/users/alice";
    e232["tag"][0]["mediaType"] = media_type;
    CHECK(event_from(e232).embed.quote == NativeRef{Network::activitypub, "https://forge.example/tickets/1374", ""});
  }
  CHECK_FALSE(event_from(note({{"content", "x"}, {"tag", {{{"type", "Link"}, {"href", "https://a.example/page"}, {"mediaType", "text/html"}}}}}))
                  .embed.quote);
}

TEST_CASE("Bluesky users bridged by Bridgy Fed are mentioned by DID", "[note_event]") {
  Event e = event_from(note(
      {{"content",
        R"(<p><a href="https://bsky.brid.gy/ap/did:plc:abc123" class="u-url mention">@alice.bsky.social</a> )"
        R"(<a href="https://bsky.app/profile/did:plc:def456">Bob</a> <a href="https://bsky.app/profile/carol.bsky.social">Carol</a> )"
        R"(@dan.bsky.social</p>)"},
       {"tag", {{{"type", "Mention"}, {"href", "https://bsky.brid.gy/r/https://bsky.app/profile/did:plc:ghi789"},
                 {"name", "@dan.bsky.social@bsky.brid.gy"}}}}}));
  CHECK(e.content.text == "@alice.bsky.social Bob Carol @dan.bsky.social");
  CHECK(facets_of(e, Type::mention) == std::vector<std::pair<std::string, std::string>>{
                                           {"@alice.bsky.social", "did:plc:abc123"}, {"Bob", "did:plc:def456"},
                                           {"@dan.bsky.social", "did:plc:ghi789"}});
  CHECK(facets_of(e, Type::link) ==
        std::vector<std::pair<std::string, std::string>>{{"Carol", "https://bsky.app/profile/carol.bsky.social"}});
}

TEST_CASE("every spelling of Public is public", "[note_event]") {
  for (const char* p : {"https://www.w3.org/ns/activitystreams#Public", "http://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}) {
    CHECK(ap::is_public_address(p));
    CHECK(ap::visibility_of(json{{"to", {p}}}) == Visibility::public_);
    CHECK(ap::visibility_of(json{{"cc", p}}) == Visibility::unlisted);
  }
  CHECK_FALSE(ap::is_public_address("https://www.w3.org/ns/activitystreams#Publicx"));
}

TEST_CASE("every payload of the corpus reads without throwing, and posts are never empty", "[note_event]") {
  int read = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::source_dir() / "tests/data/activitypub")) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    json doc = json::parse(in, nullptr, false);
    auto e = ap::event_from_activity(doc);
    ++read;
    if (!e) {
      CHECK_FALSE(e.error().empty());
      continue;
    }
    INFO(entry.path().string());
    if (e->kind == EventKind::post && !e->content.html.empty())
      CHECK((!e->content.text.empty() || !e->content.title.empty() || !e->media.empty() || e->embed.link));
  }
  CHECK(read > 50);
}

TEST_CASE("hostile shapes: wrong types, deep nesting, huge lists", "[note_event]") {
  json deep = "x";
  for (int i = 0; i < 2000; ++i) deep = json::array({deep});
  json huge = json::array();
  for (int i = 0; i < 100000; ++i) huge.push_back({{"type", "Image"}, {"url", "https://a.example/" + std::to_string(i) + ".png"}});
  for (const json& bad : {note({{"content", 5}, {"attributedTo", deep}}), note({{"attachment", huge}, {"tag", huge}, {"url", huge}}),
                          note({{"contentMap", {{"en", 1}}}, {"source", "x"}, {"name", json::object()}, {"quote", deep}}),
                          note({{"attributedTo", json::array({nullptr, 1, json::object()})}}),
                          json{{"type", "Create"}, {"id", "https://a.example/c"}, {"actor", "https://a.example/u"}, {"object", deep}}}) {
    Result<Event> e = make_error("unset");
    REQUIRE_NOTHROW(e = ap::event_from_activity(bad));
    if (e) CHECK(e->media.size() <= ap::kMaxAttachments);
  }
}
