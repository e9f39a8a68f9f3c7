#include "protocols/atproto/post_record.h"

#include <ctime>

#include "protocols/atproto/tid.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

json strong_ref(const StrongRef& r) { return {{"uri", r.uri}, {"cid", r.cid}}; }

}  // namespace

json facets_json(const std::vector<Facet>& facets) {
  json out = json::array();
  for (const auto& f : facets) {
    json feature;
    switch (f.type) {
      case Facet::Type::link: feature = {{"$type", "app.bsky.richtext.facet#link"}, {"uri", f.target}}; break;
      case Facet::Type::mention:
        if (f.target.rfind("did:", 0) != 0) continue;
        feature = {{"$type", "app.bsky.richtext.facet#mention"}, {"did", f.target}};
        break;
      case Facet::Type::hashtag: feature = {{"$type", "app.bsky.richtext.facet#tag"}, {"tag", f.target}}; break;
    }
    out.push_back({{"$type", "app.bsky.richtext.facet"},
                   {"index", {{"byteStart", f.byte_start}, {"byteEnd", f.byte_end}}},
                   {"features", json::array({std::move(feature)})}});
  }
  return out;
}

json post_record(const PostFields& post) {
  json record{{"$type", "app.bsky.feed.post"}, {"text", post.text}, {"createdAt", post.created_at}};
  json facets = facets_json(post.facets);
  if (!facets.empty()) record["facets"] = std::move(facets);
  if (!post.langs.empty()) {
    std::vector<std::string> langs(post.langs.begin(), post.langs.begin() + std::min<size_t>(3, post.langs.size()));
    record["langs"] = std::move(langs);
  }
  if (!post.tags.empty()) record["tags"] = post.tags;
  if (!post.labels.empty()) {
    json values = json::array();
    for (const auto& l : post.labels) values.push_back({{"val", l}});
    record["labels"] = {{"$type", "com.atproto.label.defs#selfLabels"}, {"values", std::move(values)}};
  }
  if (post.reply)
    record["reply"] = {{"root", strong_ref(post.reply->root)}, {"parent", strong_ref(post.reply->parent)}};
  json media;
  if (!post.images.empty()) {
    json images = json::array();
    for (size_t i = 0; i < post.images.size() && i < 4; ++i) {
      const auto& img = post.images[i];
      json item{{"image", img.blob}, {"alt", img.alt}};
      if (img.width && img.height) item["aspectRatio"] = {{"width", img.width}, {"height", img.height}};
      images.push_back(std::move(item));
    }
    media = {{"$type", "app.bsky.embed.images"}, {"images", std::move(images)}};
  } else if (post.card_uri) {
    media = {{"$type", "app.bsky.embed.external"},
             {"external", {{"uri", *post.card_uri}, {"title", post.card_title}, {"description", post.card_description}}}};
  }
  if (post.quote) {
    json quoted = {{"$type", "app.bsky.embed.record"}, {"record", strong_ref(*post.quote)}};
    // With images: recordWithMedia. A card beside a quote is left out (the renderer puts only a
    // card to the original there, whose link is in the text of quoting posts anyway).
    if (!post.images.empty())
      record["embed"] = {{"$type", "app.bsky.embed.recordWithMedia"}, {"record", std::move(quoted)}, {"media", std::move(media)}};
    else
      record["embed"] = std::move(quoted);
  } else if (!media.is_null()) {
    record["embed"] = std::move(media);
  }
  return record;
}

std::string deterministic_rkey(std::int64_t micros, unsigned sequence, unsigned index) {
  std::uint64_t us = static_cast<std::uint64_t>(micros + index) & ((1ull << 53) - 1);
  return Tid{(us << 10) | (sequence & 0x3FF)}.to_string();
}

std::string atproto_datetime(std::int64_t micros) {
  // Years 0001-9999 only (the format has four digits); anything else is no real date.
  constexpr std::int64_t kYear10000 = 253'402'300'800LL * 1'000'000;
  if (micros < 0 || micros >= kYear10000) micros = 0;
  std::time_t t = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>((micros / 1000) % 1000));
  return buf;
}

std::string rkey_of(const std::string& at_uri) {
  auto uri = parse_at_uri(at_uri);
  return uri ? uri->rkey : std::string();
}

}  // namespace causeway::atproto
