#include <catch2/catch.hpp>

#include "bridge/event_codec.h"
#include "bridge/event_log.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

Event bluesky_reply() {
  Event e;
  e.id = "0005f1a2b3c4d5e6000001";
  e.kind = EventKind::reply;
  e.origin = {Network::atproto, "at://did:plc:alice/app.bsky.feed.post/3kabc",
              {Network::atproto, "at://did:plc:alice/app.bsky.feed.post/3kabc", "bafyreib2rxk3rh6kzwq"}};
  e.actor = {"did:plc:alice", {"alice.bsky.social", "Alice ✨", "Organiser", "https://cdn.example/a.jpg"}};
  e.subject = NativeRef{Network::activitypub, "https://social.example/users/bob/statuses/1", ""};
  e.thread.parent = NativeRef{Network::activitypub, "https://social.example/users/bob/statuses/1", ""};
  e.thread.root = NativeRef{Network::atproto, "at://did:plc:group/app.bsky.feed.post/3kroot", "bafyreiroot"};
  e.content.text = "Thanks @bob — see https://example.org #union 🎉";
  e.content.facets = {{Facet::Type::mention, 7, 11, "did:plc:bob"},
                      {Facet::Type::link, 20, 39, "https://example.org"},
                      {Facet::Type::hashtag, 40, 46, "union"}};
  e.content.languages = {"en", "de"};
  e.content.content_warning = "strike talk";
  e.content.labels = {"graphic-media"};
  e.content.title = "Strike vote tonight";
  e.content.excerpt = "What the vote is about";
  e.content.tags = {"labour", "nopasaran"};
  e.embed.quote = NativeRef{Network::atproto, "at://did:plc:carol/app.bsky.feed.post/3kq", "bafyreiquote"};
  e.embed.link = LinkCard{"https://news.example/vote", "The vote", "Why it matters", "https://news.example/t.jpg"};
  e.media = {{"https://cdn.example/img.jpg", "image/jpeg", 123456, "A picket line", 1200, 800}};
  e.audience = {Visibility::unlisted, "https://bridge.example/ap/group/townhall"};
  e.created_at_us = 1700000000123456;
  e.received_at_us = 1700000000223456;
  e.bridge = "townhall";
  return e;
}

}  // namespace

TEST_CASE("every kind of event survives encode and decode unchanged", "[event]") {
  for (int k = 0; k <= static_cast<int>(EventKind::flag); ++k) {
    Event e = bluesky_reply();
    e.kind = static_cast<EventKind>(k);
    INFO(to_string(e.kind));
    auto decoded = decode_event(encode_event(e));
    REQUIRE(decoded.ok());
    CHECK(*decoded == e);
  }
  Event minimal;
  minimal.origin.object = {Network::activitypub, "https://a.example/note/1", ""};
  auto decoded = decode_event(encode_event(minimal));
  REQUIRE(decoded.ok());
  CHECK(*decoded == minimal);
}

TEST_CASE("the stored form is stable byte for byte", "[event]") {
  Event e;
  e.id = "0005f1a2b3c4d5e6000002";
  e.kind = EventKind::like;
  e.origin = {Network::activitypub, "https://m.example/likes/9", {Network::activitypub, "https://m.example/likes/9", ""}};
  e.actor.id = "https://m.example/users/carol";
  e.subject = NativeRef{Network::atproto, "at://did:plc:g/app.bsky.feed.post/3k", "bafyx"};
  e.created_at_us = 1;
  e.received_at_us = 2;
  // Changing this string means changing the stored format: bump kEventFormatVersion and migrate.
  CHECK(encode_event(e) ==
        R"({"actor":{"id":"https://m.example/users/carol"},"audience":{"visibility":"public"},"created_at_us":1,)"
        R"("id":"0005f1a2b3c4d5e6000002","kind":"like","origin":{"activity":"https://m.example/likes/9","net":"activitypub",)"
        R"("object":{"id":"https://m.example/likes/9","net":"activitypub"}},"received_at_us":2,)"
        R"("subject":{"cid":"bafyx","id":"at://did:plc:g/app.bsky.feed.post/3k","net":"atproto"},"v":1})");
}

TEST_CASE("damaged stored events are reported, not half-read", "[event]") {
  std::string good = encode_event(bluesky_reply());
  CHECK(decode_event("not json").error() == "stored event is not a JSON object");
  CHECK(decode_event(R"({"v":2})").error() == "stored event has format version 2, this causeway reads 1");
  std::string bad_kind = good;
  bad_kind.replace(bad_kind.find("\"reply\""), 7, "\"poke\"");
  CHECK(decode_event(bad_kind).error() == "stored event is malformed: kind has unknown value \"poke\"");
  std::string bad_time = good;
  bad_time.replace(bad_time.find("1700000000123456"), 16, "\"yesterday\"");
  CHECK(decode_event(bad_time).error() == "stored event is malformed: created_at_us is not an integer");
}

TEST_CASE("the event log stores events in arrival order with the batch they came in", "[event]") {
  testing::TempDir dir;
  auto store = Store::open(dir / "db");
  REQUIRE(store.ok());
  EventLog log(**store);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Event e = bluesky_reply();
    e.id.clear();
    e.received_at_us = 0;
    e.content.text = "event " + std::to_string(i);
    WriteBatch batch = (*store)->batch();
    log.append(batch, e, 1700000000000000 + i * 10);
    batch.put(Family::cursors, "firehose", std::to_string(i));
    REQUIRE((*store)->write(batch).ok());
    CHECK(e.received_at_us == 1700000000000000 + i * 10);
    ids.push_back(e.id);
  }
  auto first = log.get(ids[0]);
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->content.text == "event 0");
  std::vector<std::string> texts;
  REQUIRE(log.scan(ids[1], [&](const Event& e) {
    texts.push_back(e.content.text);
    return true;
  }).ok());
  CHECK(texts == std::vector<std::string>{"event 1", "event 2"});
}

TEST_CASE("the author an embedded object names survives encode and decode", "[event]") {
  Event e;
  e.kind = EventKind::post;
  e.origin = {Network::activitypub, "https://social.example/notes/1/activity",
              {Network::activitypub, "https://social.example/notes/1", ""}, "Note", "https://social.example/users/alice"};
  e.actor.id = "https://social.example/users/mallory";
  auto decoded = decode_event(encode_event(e));
  REQUIRE(decoded.ok());
  CHECK(decoded->origin.object_author == "https://social.example/users/alice");
}
