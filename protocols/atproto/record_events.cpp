#include "protocols/atproto/record_events.h"

#include "bridge/base/clock.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "bridge/base/at_uri.h"
#include "bridge/base/utf8.h"
#include "protocols/atproto/lexicon_check.h"

namespace causeway::atproto {
namespace {

// app.bsky.feed.post's Lexicon limits (lexicons/app/bsky/feed/post.json, embed/images.json).
constexpr std::size_t kMaxLangs = 3;
constexpr std::size_t kMaxSelfLabels = 10;  // com.atproto.label.defs#selfLabels
constexpr std::size_t kMaxTags = 8;
constexpr std::size_t kMaxTagBytes = 640;
constexpr std::size_t kMaxImages = 4;

std::optional<NativeRef> strong_ref(const Value* ref) {
  if (!ref) return std::nullopt;
  const std::string* uri = ref->find_string("uri");
  const std::string* cid = ref->find_string("cid");
  if (!uri) return std::nullopt;
  return NativeRef{Network::atproto, *uri, cid ? *cid : ""};
}

const Array* find_array(const Value& v, std::string_view key) {
  const Value* found = v.find(key);
  return found && found->is_array() ? &found->as_array() : nullptr;
}

std::string embed_type(const Value& embed) {
  const std::string* type = embed.find_string("$type");
  return type ? *type : "";
}

// "at://<did>/blob/<cid>": where a blob is, once the author's PDS is known. Blobs written before
// the typed form carry their CID as a string ("cid").
std::string blob_locator(const std::string& did, const Value* blob) {
  if (!blob) return {};
  if (const Cid* ref = blob->find_link("ref")) return "at://" + did + "/blob/" + ref->to_string();
  if (const std::string* cid = blob->find_string("cid")) return "at://" + did + "/blob/" + *cid;
  return {};
}

void read_aspect_ratio(const Value& holder, Media& m) {
  const Value* ratio = holder.find("aspectRatio");
  if (!ratio) return;
  const std::int64_t* w = ratio->find_integer("width");
  const std::int64_t* h = ratio->find_integer("height");
  if (!w || !h || *w <= 0 || *h <= 0 || *w > UINT32_MAX || *h > UINT32_MAX) return;
  m.width = static_cast<std::uint32_t>(*w);
  m.height = static_cast<std::uint32_t>(*h);
}

void read_blob_meta(const Value* blob, Media& m) {
  if (!blob) return;
  if (const std::string* mime = blob->find_string("mimeType")) m.mime_type = *mime;
  if (const std::int64_t* size = blob->find_integer("size"); size && *size > 0) m.size = static_cast<std::uint64_t>(*size);
}

void read_images(const Value& embed, const std::string& did, Event& e) {
  const Array* images = find_array(embed, "images");
  if (!images) return;
  for (std::size_t i = 0; i < images->size() && i < kMaxImages; ++i) {
    const Value& image = (*images)[i];
    const Value* blob = image.find("image");
    Media m;
    m.url = blob_locator(did, blob);
    if (m.url.empty()) continue;
    read_blob_meta(blob, m);
    if (const std::string* alt = image.find_string("alt")) m.alt = *alt;
    read_aspect_ratio(image, m);
    e.media.push_back(std::move(m));
  }
}

void read_video(const Value& embed, const std::string& post_page, Event& e) {
  Media m;
  m.url = post_page;
  const Value* blob = embed.find("video");
  read_blob_meta(blob, m);
  if (m.mime_type.rfind("video/", 0) != 0) m.mime_type = "video/mp4";  // what Bluesky accepts
  if (const std::string* alt = embed.find_string("alt")) m.alt = *alt;
  read_aspect_ratio(embed, m);
  e.media.push_back(std::move(m));
}

void read_external(const Value& embed, const std::string& did, Event& e) {
  const Value* external = embed.find("external");
  if (!external) return;
  const std::string* uri = external->find_string("uri");
  if (!uri || uri->empty()) return;
  LinkCard card;
  card.url = *uri;
  if (const std::string* title = external->find_string("title")) card.title = *title;
  if (const std::string* description = external->find_string("description")) card.description = *description;
  card.thumb_url = blob_locator(did, external->find("thumb"));
  e.embed.link = std::move(card);
}

// The media half of an embed: images, a video or a link card.
void read_media(const Value& media, const std::string& did, const std::string& post_page, Event& e) {
  std::string type = embed_type(media);
  if (type == "app.bsky.embed.video" || (type.empty() && media.find("video"))) return read_video(media, post_page, e);
  if (type == "app.bsky.embed.external" || (type.empty() && media.find("external"))) return read_external(media, did, e);
  read_images(media, did, e);
}

void read_embed(const Value& embed, const std::string& did, const std::string& post_page, Event& e) {
  std::string type = embed_type(embed);
  if (type == "app.bsky.embed.record") {
    e.embed.quote = strong_ref(embed.find("record"));
  } else if (type == "app.bsky.embed.recordWithMedia") {
    if (const Value* record = embed.find("record")) e.embed.quote = strong_ref(record->find("record"));
    if (const Value* media = embed.find("media")) read_media(*media, did, post_page, e);
  } else {
    read_media(embed, did, post_page, e);
  }
}

void read_facets(const Value& record, Event& e) {
  const Array* facets = find_array(record, "facets");
  if (!facets) return;
  const std::string& text = e.content.text;
  for (const auto& facet : *facets) {
    // Facets never overlap in a valid record, so a text has fewer than one per byte.
    if (e.content.facets.size() >= text.size()) break;
    const Value* index = facet.find("index");
    const Array* features = find_array(facet, "features");
    if (!index || !features) continue;
    const std::int64_t* start = index->find_integer("byteStart");
    const std::int64_t* end = index->find_integer("byteEnd");
    if (!start || !end || *start < 0 || *end <= *start || static_cast<std::uint64_t>(*end) > text.size()) continue;
    if (!is_utf8_boundary(text, *start) || !is_utf8_boundary(text, *end)) continue;
    for (const auto& feature : *features) {
      const std::string* type = feature.find_string("$type");
      if (!type) continue;
      Facet f;
      f.byte_start = static_cast<std::uint32_t>(*start);
      f.byte_end = static_cast<std::uint32_t>(*end);
      const std::string* target = nullptr;
      if (*type == "app.bsky.richtext.facet#mention") f.type = Facet::Type::mention, target = feature.find_string("did");
      else if (*type == "app.bsky.richtext.facet#link") f.type = Facet::Type::link, target = feature.find_string("uri");
      else if (*type == "app.bsky.richtext.facet#tag") f.type = Facet::Type::hashtag, target = feature.find_string("tag");
      if (!target || target->empty()) continue;
      f.target = *target;
      e.content.facets.push_back(std::move(f));
      break;  // one span renders as one link; the first feature understood is the one shown
    }
  }
}

void read_strings(const Value& holder, std::string_view key, std::size_t max, std::vector<std::string>& out) {
  const Array* values = find_array(holder, key);
  if (!values) return;
  for (std::size_t i = 0; i < values->size() && i < max; ++i)
    if ((*values)[i].is_string() && !(*values)[i].as_string().empty()) out.push_back((*values)[i].as_string());
}

void read_post(const Value& record, const std::string& did, const std::string& post_page, Event& e) {
  if (const std::string* text = record.find_string("text")) e.content.text = *text;
  read_strings(record, "langs", kMaxLangs, e.content.languages);
  if (const Value* labels = record.find("labels")) {
    if (const Array* values = find_array(*labels, "values"))
      for (std::size_t i = 0; i < values->size() && i < kMaxSelfLabels; ++i)
        if (const std::string* val = (*values)[i].find_string("val"); val && !val->empty())
          e.content.labels.push_back(*val);
  }
  read_strings(record, "tags", kMaxTags, e.content.tags);
  std::erase_if(e.content.tags, [](const std::string& t) { return t.size() > kMaxTagBytes; });
  read_facets(record, e);
  if (const Value* reply = record.find("reply")) {
    e.thread.parent = strong_ref(reply->find("parent"));
    e.thread.root = strong_ref(reply->find("root"));
  }
  if (const Value* embed = record.find("embed"); embed && embed->is_map()) read_embed(*embed, did, post_page, e);
  if (const std::string* created = record.find_string("createdAt")) e.created_at_us = parse_iso8601_us(*created);
}

std::string json_string(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<Event> event_from_post_record(const Value& record, const PostRecordSource& source) {
  if (!record.is_map()) return make_error("post " + source.uri + ": the record is not an object");
  if (const Value* type = record.find("$type"); type && !(type->is_string() && type->as_string() == "app.bsky.feed.post"))
    return make_error("post " + source.uri + ": the record is not an app.bsky.feed.post");
  if (const Value* text = record.find("text"); text && !text->is_string())
    return make_error("post " + source.uri + ": its text is not a string");
  Event e;
  e.kind = EventKind::post;
  e.origin.network = Network::atproto;
  e.origin.activity_id = source.uri;
  e.origin.object = {Network::atproto, source.uri, source.cid};
  e.origin.object_type = "app.bsky.feed.post";
  e.actor.id = source.author_did;
  e.actor.profile.handle = source.author_handle;
  auto at = parse_at_uri(source.uri);
  std::string post_page = at ? bsky_app_url(*at) : "";
  read_post(record, source.author_did, post_page, e);
  if (e.thread.parent) e.kind = EventKind::reply;
  return e;
}

Result<Event> event_from_post_json(const nlohmann::json& input) {
  if (!input.is_object()) return make_error("the post is not a JSON object");
  PostRecordSource source{kUnknownPostUri, "", kUnknownAuthor, ""};
  // A feed view ({"post": <post view>}) holds the post view.
  const nlohmann::json* view = &input;
  if (auto post = input.find("post"); post != input.end() && post->is_object() && !input.contains("record")) view = &*post;
  const nlohmann::json* record = view;
  auto wrapped = view->find("record");
  if (wrapped != view->end() && wrapped->is_object() && json_string(*view, "$type") != "app.bsky.feed.post") {
    record = &*wrapped;
    if (auto uri = json_string(*view, "uri"); !uri.empty()) source.uri = uri;
    source.cid = json_string(*view, "cid");
    if (auto author = view->find("author"); author != view->end() && author->is_object()) {
      if (auto did = json_string(*author, "did"); !did.empty()) source.author_did = did;
      source.author_handle = json_string(*author, "handle");
    }
    if (auto at = parse_at_uri(source.uri); at && source.author_did == kUnknownAuthor) source.author_did = at->authority;
  }
  if (auto at = parse_at_uri(source.uri); !at || at->authority != source.author_did)
    return make_error("post " + source.uri + ": its uri is not an at-uri in the repository of " + source.author_did);
  auto value = from_atproto_json(*record);
  if (!value) return make_error("post " + source.uri + ": " + value.error());
  if (auto violation = lexicon_violation("app.bsky.feed.post", *value))
    return make_error("post " + source.uri + ": " + *violation);
  return event_from_post_record(*value, source);
}

std::optional<Event> event_from_op(const std::string& repo, const RepoOp& op) {
  std::string uri = "at://" + repo + "/" + op.path;
  std::string_view collection = std::string_view(op.path).substr(0, op.path.find('/'));
  Event e;
  e.origin.network = Network::atproto;
  e.origin.activity_id = uri;
  e.origin.object = {Network::atproto, uri, op.cid ? op.cid->to_string() : ""};
  e.actor.id = repo;
  if (op.action == "delete") {
    e.kind = EventKind::remove;
    e.subject = NativeRef{Network::atproto, uri, op.prev ? op.prev->to_string() : ""};
    return e;
  }
  if (!op.record) return std::nullopt;
  const Value& record = *op.record;
  if (collection == "app.bsky.feed.post") {
    auto post = event_from_post_record(record, {uri, e.origin.object.cid, repo, ""});
    if (!post) return std::nullopt;
    if (op.action == "update") post->kind = EventKind::update;
    return std::move(*post);
  }
  if (const std::string* created = record.find_string("createdAt")) e.created_at_us = parse_iso8601_us(*created);
  if (collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost") {
    e.kind = collection == "app.bsky.feed.like" ? EventKind::like : EventKind::repost;
    e.subject = strong_ref(record.find("subject"));
    if (!e.subject) return std::nullopt;
    return e;
  }
  if (collection == "app.bsky.graph.follow") {
    const std::string* subject = record.find_string("subject");
    if (!subject) return std::nullopt;
    e.kind = EventKind::follow;
    e.subject = NativeRef{Network::atproto, *subject, ""};
    return e;
  }
  if (collection == "app.bsky.graph.block") {
    const std::string* subject = record.find_string("subject");
    if (!subject) return std::nullopt;
    e.kind = EventKind::block;
    e.subject = NativeRef{Network::atproto, *subject, ""};
    return e;
  }
  if (collection == "app.bsky.actor.profile") {
    e.kind = EventKind::profile;
    if (const std::string* name = record.find_string("displayName")) e.actor.profile.display_name = *name;
    if (const std::string* about = record.find_string("description")) e.actor.profile.summary = *about;
    return e;
  }
  return std::nullopt;
}

}  // namespace causeway::atproto
