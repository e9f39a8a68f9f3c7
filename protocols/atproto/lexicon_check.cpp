#include "protocols/atproto/lexicon_check.h"

#include <cstdint>
#include <limits>

#include "protocols/atproto/post_text.h"
#include "protocols/atproto/syntax.h"

namespace causeway::atproto {
namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

// Thrown at the first field at fault and caught in lexicon_violation, so that each check below
// reads as the list of what its Lexicon asks.
struct Violation {
  std::string field;
  std::string problem;
};

// A value inside the record and the path that leads to it ("reply.parent.uri", "facets[2]").
struct Field {
  const Value& value;
  std::string path;
};

[[noreturn]] void fail(const Field& f, std::string problem) { throw Violation{f.path, std::move(problem)}; }

std::string member_path(const Field& object, std::string_view key) {
  return object.path.empty() ? std::string(key) : object.path + "." + std::string(key);
}

std::optional<Field> optional_member(const Field& object, std::string_view key) {
  const Value* v = object.value.find(key);
  if (!v) return std::nullopt;
  return Field{*v, member_path(object, key)};
}

Field required_member(const Field& object, std::string_view key) {
  const Value* v = object.value.find(key);
  if (!v) throw Violation{member_path(object, key), "missing"};
  return Field{*v, member_path(object, key)};
}

void expect_object(const Field& f) {
  if (!f.value.is_map()) fail(f, "not an object");
}

struct TextLimits {
  std::size_t bytes = kUnlimited;
  std::size_t graphemes = kUnlimited;
};

const std::string& expect_string(const Field& f, TextLimits limits = {}) {
  if (!f.value.is_string()) fail(f, "not a string");
  const std::string& s = f.value.as_string();
  if (s.size() > limits.bytes) fail(f, "over " + std::to_string(limits.bytes) + " bytes");
  // Every grapheme takes a byte at least, so a string this short cannot have too many.
  if (s.size() > limits.graphemes && grapheme_count(s) > limits.graphemes)
    fail(f, "over " + std::to_string(limits.graphemes) + " graphemes");
  return s;
}

void expect_format(const Field& f, Status (*validate)(std::string_view)) {
  if (Status valid = validate(expect_string(f)); !valid.ok()) fail(f, valid.error());
}

std::int64_t expect_integer(const Field& f, std::int64_t minimum) {
  if (!f.value.is_integer()) fail(f, "not an integer");
  if (f.value.as_integer() < minimum) fail(f, "below " + std::to_string(minimum));
  return f.value.as_integer();
}

template <class Check>
void for_each_item(const Field& f, std::size_t max_items, Check&& check) {
  if (!f.value.is_array()) fail(f, "not an array");
  const Array& items = f.value.as_array();
  if (items.size() > max_items) fail(f, "over " + std::to_string(max_items) + " items");
  for (std::size_t i = 0; i < items.size(); ++i) check(Field{items[i], f.path + "[" + std::to_string(i) + "]"});
}

// A member of an open union: an object naming its type. Types not known here pass as they are.
const std::string& union_type(const Field& f) {
  expect_object(f);
  Field type = required_member(f, "$type");
  if (expect_string(type).empty()) fail(type, "empty");
  return type.value.as_string();
}

void expect_strong_ref(const Field& f) {
  expect_object(f);
  expect_format(required_member(f, "uri"), validate_at_uri);
  expect_string(required_member(f, "cid"));
}

void expect_datetime(const Field& f) { expect_format(f, validate_datetime); }

// A blob, or the legacy {cid, mimeType} that records written before blobs had a type still hold.
void expect_blob(const Field& f) {
  expect_object(f);
  if (!f.value.find("$type") && f.value.find("cid")) {
    expect_string(required_member(f, "cid"));
    expect_string(required_member(f, "mimeType"));
    return;
  }
  Field type = required_member(f, "$type");
  if (expect_string(type) != "blob") fail(type, "not blob");
  Field ref = required_member(f, "ref");
  if (!ref.value.is_link()) fail(ref, "not a CID link");
  expect_string(required_member(f, "mimeType"));
  expect_integer(required_member(f, "size"), 1);
}

void expect_self_labels(const Field& f) {
  if (union_type(f) != "com.atproto.label.defs#selfLabels") return;
  for_each_item(required_member(f, "values"), 10, [](const Field& label) {
    expect_object(label);
    expect_string(required_member(label, "val"), {.bytes = 128});
  });
}

void expect_images(const Field& embed) {
  for_each_item(required_member(embed, "images"), 4, [](const Field& image) {
    expect_object(image);
    expect_blob(required_member(image, "image"));
    expect_string(required_member(image, "alt"));
    if (auto ratio = optional_member(image, "aspectRatio")) {
      expect_object(*ratio);
      expect_integer(required_member(*ratio, "width"), 1);
      expect_integer(required_member(*ratio, "height"), 1);
    }
  });
}

// The embeds the bridge reads (images, and the quoted post the watch filter follows) in full;
// others by their $type only.
void expect_embed(const Field& f) {
  const std::string& type = union_type(f);
  if (type == "app.bsky.embed.images") {
    expect_images(f);
  } else if (type == "app.bsky.embed.record") {
    expect_strong_ref(required_member(f, "record"));
  } else if (type == "app.bsky.embed.recordWithMedia") {
    Field record = required_member(f, "record");
    expect_object(record);
    expect_strong_ref(required_member(record, "record"));
    Field media = required_member(f, "media");
    if (union_type(media) == "app.bsky.embed.images") expect_images(media);
  }
}

void expect_facet(const Field& facet) {
  expect_object(facet);
  Field index = required_member(facet, "index");
  expect_object(index);
  std::int64_t start = expect_integer(required_member(index, "byteStart"), 0);
  Field end = required_member(index, "byteEnd");
  if (expect_integer(end, 0) < start) fail(end, "before byteStart");
  for_each_item(required_member(facet, "features"), kUnlimited, [](const Field& feature) {
    const std::string& type = union_type(feature);
    if (type == "app.bsky.richtext.facet#mention") {
      expect_format(required_member(feature, "did"), validate_did);
    } else if (type == "app.bsky.richtext.facet#link") {
      expect_string(required_member(feature, "uri"));
    } else if (type == "app.bsky.richtext.facet#tag") {
      expect_string(required_member(feature, "tag"), {kMaxTagBytes, kMaxTagGraphemes});
    }
  });
}

void check_post(const Field& r) {
  expect_string(required_member(r, "text"), {3000, 300});
  expect_datetime(required_member(r, "createdAt"));
  if (auto langs = optional_member(r, "langs")) for_each_item(*langs, 3, [](const Field& l) { expect_string(l); });
  if (auto facets = optional_member(r, "facets")) for_each_item(*facets, kUnlimited, expect_facet);
  if (auto reply = optional_member(r, "reply")) {
    expect_object(*reply);
    expect_strong_ref(required_member(*reply, "root"));
    expect_strong_ref(required_member(*reply, "parent"));
  }
  if (auto embed = optional_member(r, "embed")) expect_embed(*embed);
  if (auto labels = optional_member(r, "labels")) expect_self_labels(*labels);
  if (auto tags = optional_member(r, "tags"))
    for_each_item(*tags, 8, [](const Field& t) { expect_string(t, {kMaxTagBytes, kMaxTagGraphemes}); });
}

// app.bsky.feed.like and app.bsky.feed.repost.
void check_record_subject(const Field& r) {
  expect_strong_ref(required_member(r, "subject"));
  expect_datetime(required_member(r, "createdAt"));
}

// app.bsky.graph.follow and app.bsky.graph.block.
void check_account_subject(const Field& r) {
  expect_format(required_member(r, "subject"), validate_did);
  expect_datetime(required_member(r, "createdAt"));
}

void check_profile(const Field& r) {
  if (auto name = optional_member(r, "displayName")) expect_string(*name, {640, 64});
  if (auto about = optional_member(r, "description")) expect_string(*about, {2560, 256});
  if (auto avatar = optional_member(r, "avatar")) expect_blob(*avatar);
  if (auto banner = optional_member(r, "banner")) expect_blob(*banner);
  if (auto labels = optional_member(r, "labels")) expect_self_labels(*labels);
  if (auto created = optional_member(r, "createdAt")) expect_datetime(*created);
}

using RecordCheck = void (*)(const Field&);

RecordCheck check_for(std::string_view collection) {
  if (collection == "app.bsky.feed.post") return check_post;
  if (collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost") return check_record_subject;
  if (collection == "app.bsky.graph.follow" || collection == "app.bsky.graph.block") return check_account_subject;
  if (collection == "app.bsky.actor.profile") return check_profile;
  return nullptr;
}

}  // namespace

std::optional<std::string> lexicon_violation(std::string_view collection, const Value& record) {
  RecordCheck check = check_for(collection);
  if (!check) return std::nullopt;
  try {
    Field root{record, ""};
    if (!record.is_map()) throw Violation{"record", "not an object"};
    if (auto type = optional_member(root, "$type"); type && expect_string(*type) != collection)
      fail(*type, "not " + std::string(collection));
    check(root);
  } catch (const Violation& v) {
    return std::string(collection) + ": " + v.field + ": " + v.problem;
  }
  return std::nullopt;
}

std::string lexicon_violation_label(std::string_view violation) {
  std::size_t collection_end = violation.find(": ");
  std::size_t field_end =
      collection_end == std::string_view::npos ? collection_end : violation.find(": ", collection_end + 2);
  std::string_view head = violation.substr(0, field_end);
  std::string label;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] != '[') {
      label += head[i];
      continue;
    }
    i = head.find(']', i);
    if (i == std::string_view::npos) break;
  }
  return label;
}

}  // namespace causeway::atproto
