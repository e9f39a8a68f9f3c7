// Records checked against their Lexicon: the shapes Bluesky writes pass, with unknown fields and
// union members of unknown types; each way a carried record can break its Lexicon is reported
// with the field at fault, and reduced to a metric label without indexes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/lexicon_check.h"
#include "protocols/atproto/syntax.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

const std::string kAlice = "did:plc:3abn75zm6osaccj3hvhi5rs6";
const std::string kAlicePost = "at://" + kAlice + "/app.bsky.feed.post/3l3pte3p2e325";
const std::string kAlicePostCid = "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4";
const std::string kBlobCid = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy";
const std::string kCreatedAt = "2024-09-09T19:46:02.102Z";

// One grapheme of ten bytes: a letter with three combining arrows (U+20D7, three bytes each).
const std::string kTenByteGrapheme = "a\xE2\x83\x97\xE2\x83\x97\xE2\x83\x97";

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

json strong_ref() { return {{"uri", kAlicePost}, {"cid", kAlicePostCid}}; }
json blob() { return {{"$type", "blob"}, {"ref", {{"$link", kBlobCid}}}, {"mimeType", "image/png"}, {"size", 95}}; }

// A reply with every field the post Lexicon has, plus a field and a facet feature it does not know.
json full_post() {
  return {{"$type", "app.bsky.feed.post"},
          {"text", "@alice.example.com see https://example.org #causeway"},
          {"createdAt", kCreatedAt},
          {"langs", {"en", "fr"}},
          {"facets",
           {{{"$type", "app.bsky.richtext.facet"},
             {"index", {{"byteStart", 0}, {"byteEnd", 18}}},
             {"features", {{{"$type", "app.bsky.richtext.facet#mention"}, {"did", kAlice}}}}},
            {{"index", {{"byteStart", 23}, {"byteEnd", 42}}},
             {"features", {{{"$type", "app.bsky.richtext.facet#link"}, {"uri", "https://example.org"}}}}},
            {{"index", {{"byteStart", 43}, {"byteEnd", 52}}},
             {"features",
              {{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", "causeway"}},
               {{"$type", "org.example.facet#sparkle"}, {"level", 3}}}}}}},
          {"reply", {{"root", strong_ref()}, {"parent", strong_ref()}}},
          {"embed",
           {{"$type", "app.bsky.embed.images"},
            {"images", {{{"image", blob()}, {"alt", "a pixel"}, {"aspectRatio", {{"width", 1}, {"height", 1}}}}}}}},
          {"labels", {{"$type", "com.atproto.label.defs#selfLabels"}, {"values", {{{"val", "nudity"}}}}}},
          {"tags", {"bridge", "fediverse"}},
          {"via", "org.example.client"}};
}

json minimal_post() { return {{"text", ""}, {"createdAt", kCreatedAt}}; }

json subject_ref_record(const std::string& type) {
  return {{"$type", type}, {"createdAt", kCreatedAt}, {"subject", strong_ref()}};
}
json subject_did_record(const std::string& type) {
  return {{"$type", type}, {"createdAt", kCreatedAt}, {"subject", kAlice}};
}

json full_profile() {
  return {{"$type", "app.bsky.actor.profile"},
          {"displayName", "Alice"},
          {"description", "Bridged from the fediverse"},
          {"avatar", blob()},
          {"banner", {{"cid", kBlobCid}, {"mimeType", "image/jpeg"}}},  // the legacy blob form
          {"labels", {{"$type", "com.atproto.label.defs#selfLabels"}, {"values", json::array()}}},
          {"createdAt", kCreatedAt},
          {"pinnedPost", strong_ref()}};
}

// The violation reported, or "fits".
std::string verdict(std::string_view collection, const Value& record) {
  return lexicon_violation(collection, record).value_or("fits");
}

Value value_of(const json& j) {
  auto v = from_atproto_json(j);
  REQUIRE(v.ok());
  return std::move(*v);
}

json with(json record, const std::string& pointer, json value) {
  record[json::json_pointer(pointer)] = std::move(value);
  return record;
}

json without(json record, const std::string& pointer) {
  json::json_pointer p(pointer);
  record.at(p.parent_pointer()).erase(p.back());
  return record;
}

}  // namespace

TEST_CASE("records of every carried collection that fit their Lexicon pass", "[lexicon]") {
  struct Case {
    const char* what;
    std::string collection;
    json record;
  };
  const std::vector<Case> cases = {
      {"a reply with every field", "app.bsky.feed.post", full_post()},
      {"text and createdAt only", "app.bsky.feed.post", minimal_post()},
      {"3000 bytes in 300 graphemes", "app.bsky.feed.post",
       with(minimal_post(), "/text", repeat(kTenByteGrapheme, 300))},
      {"300 graphemes of two bytes", "app.bsky.feed.post", with(minimal_post(), "/text", repeat("\xC3\xA9", 300))},
      {"a time zone offset", "app.bsky.feed.post", with(minimal_post(), "/createdAt", "2024-09-09T21:46:02+02:00")},
      {"an empty facet", "app.bsky.feed.post",
       with(minimal_post(), "/facets", {{{"index", {{"byteStart", 4}, {"byteEnd", 4}}}, {"features", json::array()}}})},
      {"a quote", "app.bsky.feed.post",
       with(minimal_post(), "/embed", {{"$type", "app.bsky.embed.record"}, {"record", strong_ref()}})},
      {"a quote with images", "app.bsky.feed.post",
       with(minimal_post(), "/embed",
            {{"$type", "app.bsky.embed.recordWithMedia"},
             {"record", {{"record", strong_ref()}}},
             {"media", {{"$type", "app.bsky.embed.images"}, {"images", {{{"image", blob()}, {"alt", ""}}}}}}})},
      {"a link card (checked by $type only)", "app.bsky.feed.post",
       with(minimal_post(), "/embed", {{"$type", "app.bsky.embed.external"}, {"external", 5}})},
      {"labels of another type", "app.bsky.feed.post",
       with(minimal_post(), "/labels", {{"$type", "org.example.labels"}})},
      {"a like", "app.bsky.feed.like", subject_ref_record("app.bsky.feed.like")},
      {"a like without $type", "app.bsky.feed.like", without(subject_ref_record("app.bsky.feed.like"), "/$type")},
      {"a repost", "app.bsky.feed.repost", subject_ref_record("app.bsky.feed.repost")},
      {"a follow", "app.bsky.graph.follow", subject_did_record("app.bsky.graph.follow")},
      {"a block", "app.bsky.graph.block", subject_did_record("app.bsky.graph.block")},
      {"a profile with every field", "app.bsky.actor.profile", full_profile()},
      {"an empty profile", "app.bsky.actor.profile", json::object()},
      {"a collection the bridge does not carry", "app.bsky.feed.generator", {{"$type", "app.bsky.feed.post"}}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(verdict(c.collection, value_of(c.record)) == "fits");
  }
  CHECK(verdict("app.bsky.feed.threadgate", Value(Array{})) == "fits");
}

TEST_CASE("each way a record breaks its Lexicon is reported with the field at fault", "[lexicon]") {
  const std::string post = "app.bsky.feed.post";
  const std::string profile = "app.bsky.actor.profile";
  const json image = {{"image", blob()}, {"alt", ""}};
  const json images_embed = {{"$type", "app.bsky.embed.images"}, {"images", {image}}};
  const json tag_facet = {{"index", {{"byteStart", 0}, {"byteEnd", 1}}},
                          {"features", {{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", "a"}}}}};
  struct Case {
    std::string collection;
    json record;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {post, with(minimal_post(), "/$type", "app.bsky.feed.like"), "app.bsky.feed.post: $type: not app.bsky.feed.post"},
      {post, without(minimal_post(), "/text"), "app.bsky.feed.post: text: missing"},
      {post, with(minimal_post(), "/text", 7), "app.bsky.feed.post: text: not a string"},
      {post, with(minimal_post(), "/text", repeat(kTenByteGrapheme, 300) + "a"),
       "app.bsky.feed.post: text: over 3000 bytes"},
      {post, with(minimal_post(), "/text", std::string(301, 'a')), "app.bsky.feed.post: text: over 300 graphemes"},
      {post, without(minimal_post(), "/createdAt"), "app.bsky.feed.post: createdAt: missing"},
      {post, with(minimal_post(), "/createdAt", "yesterday"),
       "app.bsky.feed.post: createdAt: " + validate_datetime("yesterday").error()},
      {post, with(minimal_post(), "/createdAt", "2024-09-09T19:46:02"),
       "app.bsky.feed.post: createdAt: " + validate_datetime("2024-09-09T19:46:02").error()},
      {post, with(minimal_post(), "/langs", {"en", "fr", "de", "it"}), "app.bsky.feed.post: langs: over 3 items"},
      {post, with(minimal_post(), "/langs", {"en", 1}), "app.bsky.feed.post: langs[1]: not a string"},
      {post, with(minimal_post(), "/langs", "en"), "app.bsky.feed.post: langs: not an array"},
      {post, with(minimal_post(), "/facets", tag_facet), "app.bsky.feed.post: facets: not an array"},
      {post, with(minimal_post(), "/facets", {tag_facet, tag_facet, with(tag_facet, "/index/byteStart", 2)}),
       "app.bsky.feed.post: facets[2].index.byteEnd: before byteStart"},
      {post, with(minimal_post(), "/facets", {with(tag_facet, "/index/byteStart", -1)}),
       "app.bsky.feed.post: facets[0].index.byteStart: below 0"},
      {post, with(minimal_post(), "/facets", {with(tag_facet, "/index/byteEnd", "1")}),
       "app.bsky.feed.post: facets[0].index.byteEnd: not an integer"},
      {post, with(minimal_post(), "/facets", {without(tag_facet, "/index")}),
       "app.bsky.feed.post: facets[0].index: missing"},
      {post, with(minimal_post(), "/facets", {3}), "app.bsky.feed.post: facets[0]: not an object"},
      {post, with(minimal_post(), "/facets", {without(tag_facet, "/features")}),
       "app.bsky.feed.post: facets[0].features: missing"},
      {post, with(minimal_post(), "/facets", {with(tag_facet, "/features/0", "tag")}),
       "app.bsky.feed.post: facets[0].features[0]: not an object"},
      {post, with(minimal_post(), "/facets", {without(tag_facet, "/features/0/$type")}),
       "app.bsky.feed.post: facets[0].features[0].$type: missing"},
      {post, with(minimal_post(), "/facets", {with(tag_facet, "/features/0/tag", std::string(641, 'a'))}),
       "app.bsky.feed.post: facets[0].features[0].tag: over 640 bytes"},
      {post,
       with(minimal_post(), "/facets",
            {with(tag_facet, "/features/0", {{"$type", "app.bsky.richtext.facet#mention"}, {"did", "alice"}})}),
       "app.bsky.feed.post: facets[0].features[0].did: " + validate_did("alice").error()},
      {post,
       with(minimal_post(), "/facets",
            {with(tag_facet, "/features/0",
                  {{"$type", "app.bsky.richtext.facet#link"}, {"url", "https://a.example"}})}),
       "app.bsky.feed.post: facets[0].features[0].uri: missing"},
      {post, with(minimal_post(), "/reply", {{"root", strong_ref()}, {"parent", {{"uri", kAlicePost}}}}),
       "app.bsky.feed.post: reply.parent.cid: missing"},
      {post, with(minimal_post(), "/reply", {{"root", strong_ref()}}), "app.bsky.feed.post: reply.parent: missing"},
      {post,
       with(minimal_post(), "/reply",
            {{"root", {{"uri", "https://bsky.app/post/1"}, {"cid", kAlicePostCid}}}, {"parent", strong_ref()}}),
       "app.bsky.feed.post: reply.root.uri: " + validate_at_uri("https://bsky.app/post/1").error()},
      {post, with(minimal_post(), "/reply", kAlicePost), "app.bsky.feed.post: reply: not an object"},
      {post, with(minimal_post(), "/embed", {{"images", {image}}}), "app.bsky.feed.post: embed.$type: missing"},
      {post, with(minimal_post(), "/embed", with(images_embed, "/images", {image, image, image, image, image})),
       "app.bsky.feed.post: embed.images: over 4 items"},
      {post, with(minimal_post(), "/embed", with(images_embed, "/images/0/image/size", 0)),
       "app.bsky.feed.post: embed.images[0].image.size: below 1"},
      {post, with(minimal_post(), "/embed", without(images_embed, "/images/0/alt")),
       "app.bsky.feed.post: embed.images[0].alt: missing"},
      {post, with(minimal_post(), "/embed", with(images_embed, "/images/0/aspectRatio", {{"width", 0}, {"height", 1}})),
       "app.bsky.feed.post: embed.images[0].aspectRatio.width: below 1"},
      {post, with(minimal_post(), "/embed", with(images_embed, "/images/0/image", {{"mimeType", "image/png"}})),
       "app.bsky.feed.post: embed.images[0].image.$type: missing"},
      {post,
       with(minimal_post(), "/embed",
            {{"$type", "app.bsky.embed.recordWithMedia"},
             {"record", {{"record", strong_ref()}}},
             {"media", with(images_embed, "/images/0/image", {{"$type", "image"}, {"mimeType", "image/png"}})}}),
       "app.bsky.feed.post: embed.media.images[0].image.$type: not blob"},
      {post, with(minimal_post(), "/embed", {{"$type", "app.bsky.embed.record"}, {"record", {{"cid", kAlicePostCid}}}}),
       "app.bsky.feed.post: embed.record.uri: missing"},
      {post, with(minimal_post(), "/labels", {{"values", {{{"val", "nudity"}}}}}),
       "app.bsky.feed.post: labels.$type: missing"},
      {post,
       with(minimal_post(), "/labels",
            {{"$type", "com.atproto.label.defs#selfLabels"}, {"values", {{{"val", std::string(129, 'x')}}}}}),
       "app.bsky.feed.post: labels.values[0].val: over 128 bytes"},
      {post, with(minimal_post(), "/tags", {"a", "b", "c", "d", "e", "f", "g", "h", "i"}),
       "app.bsky.feed.post: tags: over 8 items"},
      {post, with(minimal_post(), "/tags", {std::string(65, 'a')}), "app.bsky.feed.post: tags[0]: over 64 graphemes"},
      {"app.bsky.feed.like", without(subject_ref_record("app.bsky.feed.like"), "/subject"),
       "app.bsky.feed.like: subject: missing"},
      {"app.bsky.feed.like", with(subject_ref_record("app.bsky.feed.like"), "/subject/cid", 5),
       "app.bsky.feed.like: subject.cid: not a string"},
      {"app.bsky.feed.like", without(subject_ref_record("app.bsky.feed.like"), "/createdAt"),
       "app.bsky.feed.like: createdAt: missing"},
      {"app.bsky.feed.repost", with(subject_ref_record("app.bsky.feed.repost"), "/subject", kAlicePost),
       "app.bsky.feed.repost: subject: not an object"},
      {"app.bsky.feed.repost", subject_ref_record("app.bsky.feed.like"),
       "app.bsky.feed.repost: $type: not app.bsky.feed.repost"},
      {"app.bsky.graph.follow", with(subject_did_record("app.bsky.graph.follow"), "/subject", "alice.example.com"),
       "app.bsky.graph.follow: subject: " + validate_did("alice.example.com").error()},
      {"app.bsky.graph.follow", without(subject_did_record("app.bsky.graph.follow"), "/subject"),
       "app.bsky.graph.follow: subject: missing"},
      {"app.bsky.graph.block", with(subject_did_record("app.bsky.graph.block"), "/createdAt", 1725911162),
       "app.bsky.graph.block: createdAt: not a string"},
      {profile, with(full_profile(), "/displayName", std::string(641, 'a')),
       "app.bsky.actor.profile: displayName: over 640 bytes"},
      {profile, with(full_profile(), "/displayName", std::string(65, 'a')),
       "app.bsky.actor.profile: displayName: over 64 graphemes"},
      {profile, with(full_profile(), "/description", std::string(2561, 'a')),
       "app.bsky.actor.profile: description: over 2560 bytes"},
      {profile, with(full_profile(), "/avatar", "https://example.org/a.png"),
       "app.bsky.actor.profile: avatar: not an object"},
      {profile, with(full_profile(), "/banner/cid", 5), "app.bsky.actor.profile: banner.cid: not a string"},
      {profile, with(full_profile(), "/createdAt", "2024-02-30T00:00:00Z"),
       "app.bsky.actor.profile: createdAt: " + validate_datetime("2024-02-30T00:00:00Z").error()},
  };
  for (const auto& c : cases) {
    INFO(c.reason);
    CHECK(verdict(c.collection, value_of(c.record)) == c.reason);
  }
}

TEST_CASE("shapes only DAG-CBOR can carry are reported too", "[lexicon]") {
  // The JSON form refuses these before any Lexicon is read; a firehose record can still hold them.
  CHECK(verdict("app.bsky.feed.post", Value(Array{})) == "app.bsky.feed.post: record: not an object");
  Value empty_type(Map{{"text", Value("")}, {"createdAt", Value(kCreatedAt)},
                       {"embed", Value(Map{{"$type", Value("")}})}});
  CHECK(verdict("app.bsky.feed.post", empty_type) == "app.bsky.feed.post: embed.$type: empty");
  Value ref_not_link(Map{{"avatar", Value(Map{{"$type", Value("blob")},
                                              {"ref", Value(kBlobCid)},
                                              {"mimeType", Value("image/png")},
                                              {"size", Value(95)}})}});
  CHECK(verdict("app.bsky.actor.profile", ref_not_link) == "app.bsky.actor.profile: avatar.ref: not a CID link");
  Value no_size(Map{{"avatar", Value(Map{{"$type", Value("blob")},
                                         {"ref", Value(*Cid::parse(kBlobCid))},
                                         {"mimeType", Value("image/png")}})}});
  CHECK(verdict("app.bsky.actor.profile", no_size) == "app.bsky.actor.profile: avatar.size: missing");
  Value type_not_string(Map{{"$type", Value(7)}, {"text", Value("")}, {"createdAt", Value(kCreatedAt)}});
  CHECK(verdict("app.bsky.feed.post", type_not_string) == "app.bsky.feed.post: $type: not a string");
  Value null_text(Map{{"text", Value(nullptr)}, {"createdAt", Value(kCreatedAt)}});
  CHECK(verdict("app.bsky.feed.post", null_text) == "app.bsky.feed.post: text: not a string");
}

TEST_CASE("a violation's label is its collection and field path without indexes", "[lexicon]") {
  CHECK(lexicon_violation_label("app.bsky.feed.post: facets[2].index.byteEnd: before byteStart") ==
        "app.bsky.feed.post: facets.index.byteEnd");
  CHECK(lexicon_violation_label("app.bsky.feed.post: embed.media.images[0].image.$type: not blob") ==
        "app.bsky.feed.post: embed.media.images.image.$type");
  // The problem may hold anything, colons and brackets included: it is left out.
  std::string datetime =
      *lexicon_violation("app.bsky.feed.post", value_of(with(minimal_post(), "/createdAt", "[1]: x")));
  CHECK(lexicon_violation_label(datetime) == "app.bsky.feed.post: createdAt");
  CHECK(lexicon_violation_label("app.bsky.feed.post: record: not an object") == "app.bsky.feed.post: record");
}
