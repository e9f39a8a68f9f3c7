#include "protocols/atproto/record_events.h"

#include <ctime>

namespace causeway::atproto {
namespace {

std::optional<NativeRef> strong_ref(const Value* ref) {
  if (!ref) return std::nullopt;
  const std::string* uri = ref->find_string("uri");
  const std::string* cid = ref->find_string("cid");
  if (!uri) return std::nullopt;
  return NativeRef{Network::atproto, *uri, cid ? *cid : ""};
}

void read_post(const Value& record, Event& e, const std::string& repo) {
  if (const std::string* text = record.find_string("text")) e.content.text = *text;
  if (const Value* langs = record.find("langs"); langs && langs->is_array())
    for (const auto& l : langs->as_array())
      if (l.is_string()) e.content.languages.push_back(l.as_string());
  if (const Value* labels = record.find("labels")) {
    if (const Value* values = labels->find("values"); values && values->is_array())
      for (const auto& v : values->as_array())
        if (const std::string* val = v.find_string("val")) e.content.labels.push_back(*val);
  }
  if (const Value* facets = record.find("facets"); facets && facets->is_array()) {
    for (const auto& facet : facets->as_array()) {
      const Value* index = facet.find("index");
      const Value* features = facet.find("features");
      if (!index || !features || !features->is_array()) continue;
      const std::int64_t* start = index->find_integer("byteStart");
      const std::int64_t* end = index->find_integer("byteEnd");
      if (!start || !end || *start < 0 || *end < *start || static_cast<size_t>(*end) > e.content.text.size()) continue;
      for (const auto& feature : features->as_array()) {
        const std::string* type = feature.find_string("$type");
        if (!type) continue;
        Facet f;
        f.byte_start = static_cast<std::uint32_t>(*start);
        f.byte_end = static_cast<std::uint32_t>(*end);
        const std::string* target = nullptr;
        if (*type == "app.bsky.richtext.facet#mention") f.type = Facet::Type::mention, target = feature.find_string("did");
        else if (*type == "app.bsky.richtext.facet#link") f.type = Facet::Type::link, target = feature.find_string("uri");
        else if (*type == "app.bsky.richtext.facet#tag") f.type = Facet::Type::hashtag, target = feature.find_string("tag");
        if (!target) continue;
        f.target = *target;
        e.content.facets.push_back(std::move(f));
      }
    }
  }
  if (const Value* reply = record.find("reply")) {
    e.thread.parent = strong_ref(reply->find("parent"));
    e.thread.root = strong_ref(reply->find("root"));
  }
  if (const Value* embed = record.find("embed")) {
    const Value* images = embed->find("images");
    if (!images) {
      if (const Value* media = embed->find("media")) images = media->find("images");
    }
    if (images && images->is_array()) {
      for (const auto& image : images->as_array()) {
        const Value* blob = image.find("image");
        if (!blob) continue;
        const Cid* ref = blob->find_link("ref");
        if (!ref) continue;
        Media m;
        // Where the blob can be fetched is the author's PDS, resolved later; the id is exact.
        m.url = "at://" + repo + "/blob/" + ref->to_string();
        if (const std::string* mime = blob->find_string("mimeType")) m.mime_type = *mime;
        if (const std::int64_t* size = blob->find_integer("size")) m.size = static_cast<std::uint64_t>(*size);
        if (const std::string* alt = image.find_string("alt")) m.alt = *alt;
        if (const Value* ratio = image.find("aspectRatio")) {
          if (const std::int64_t* w = ratio->find_integer("width")) m.width = static_cast<std::uint32_t>(*w);
          if (const std::int64_t* h = ratio->find_integer("height")) m.height = static_cast<std::uint32_t>(*h);
        }
        e.media.push_back(std::move(m));
      }
    }
  }
}

}  // namespace

std::int64_t parse_datetime_us(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return 0;
  std::int64_t micros = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 6) micros = micros * 10 + (*rest - '0');
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::int64_t offset = 0;
  if (*rest == '+' || *rest == '-') {
    int h = 0, m = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &h, &m) == 2) offset = (h * 3600 + m * 60) * (*rest == '+' ? 1 : -1);
  }
  return (static_cast<std::int64_t>(timegm(&tm)) - offset) * 1'000'000 + micros;
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
  if (const std::string* created = record.find_string("createdAt")) e.created_at_us = parse_datetime_us(*created);
  if (collection == "app.bsky.feed.post") {
    read_post(record, e, repo);
    e.kind = e.thread.parent ? EventKind::reply : EventKind::post;
    if (op.action == "update") e.kind = EventKind::update;
    return e;
  }
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
