// Bluesky records the bridge writes as the mirror account: `app.bsky.feed.post` (text, facets as
// UTF-8 byte ranges, reply refs, images or a link card, languages, self-labels) and the record
// keys that make a retried create collide instead of duplicating.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/base/at_uri.h"
#include "bridge/event.h"

namespace causeway::atproto {

struct ReplyRefs {
  StrongRef root;
  StrongRef parent;
};

struct ImageEmbed {
  nlohmann::json blob;  // what uploadBlob answered
  std::string alt;
  std::uint32_t width = 0, height = 0;
};

struct PostFields {
  std::string text;
  std::vector<Facet> facets;  // mention targets must be DIDs; others are dropped here
  std::string created_at;     // atproto datetime
  std::vector<std::string> langs;
  std::vector<std::string> labels;  // self-labels
  std::vector<std::string> tags;    // hashtags not in the text (at most 8, each within the Lexicon's limits)
  std::optional<ReplyRefs> reply;
  std::vector<ImageEmbed> images;  // up to 4
  // A quoted post: app.bsky.embed.record, or recordWithMedia together with images.
  std::optional<StrongRef> quote;
  // A link card (used when there are no images): where, its title and description.
  std::optional<std::string> card_uri;
  std::string card_title, card_description;
};

nlohmann::json post_record(const PostFields& post);
nlohmann::json facets_json(const std::vector<Facet>& facets);

// A record key that is the same each time for the same event and part: a TID of `micros + index`
// (parts sort in thread order) and a clock id from the event's `sequence`, so two events of the same
// microsecond get different keys.
std::string deterministic_rkey(std::int64_t micros, unsigned sequence, unsigned index);

// "2026-11-22T05:05:16.123Z" for microseconds since the epoch.
std::string atproto_datetime(std::int64_t micros);

// "at://did/collection/rkey" -> rkey (the last segment), "" when it is not an at-uri.
std::string rkey_of(const std::string& at_uri);

}  // namespace causeway::atproto
