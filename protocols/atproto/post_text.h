// Fitting rich text into app.bsky.feed.post's `text`: at most 300 graphemes and 3000 bytes, with
// facets as UTF-8 byte ranges. Graphemes are Unicode extended grapheme clusters (utf8proc), which
// is what Bluesky's clients and AppView count. All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/rich_text.h"

namespace causeway::atproto {

struct PostLimits {
  std::size_t graphemes = 300;
  std::size_t bytes = 3000;
};

// Hashtag facet tags longer than this many graphemes (or 640 bytes) are dropped (lexicon limits).
inline constexpr std::size_t kMaxTagGraphemes = 64;
inline constexpr std::size_t kMaxTagBytes = 640;

// Extended grapheme clusters in `utf8`; each byte that is not part of valid UTF-8 counts as one.
std::size_t grapheme_count(std::string_view utf8);

// The longest prefix of `utf8` within both limits that ends between grapheme clusters, for fields
// that are cut rather than split (profile names and descriptions). Empty when even the first
// cluster does not fit.
std::string_view grapheme_prefix(std::string_view utf8, const PostLimits& limits);

// `in` with only the facets a post may carry: those well_formed_facets keeps, minus link facets
// whose target is not an http(s) URL and hashtag facets whose tag is over the lexicon limits.
RichText postable(const RichText& in);

// The post as one part when it fits; otherwise parts that each fit both limits, cut at the last
// paragraph break, else sentence end, else whitespace in the second half of the room a part has
// (whitespace anywhere before a hard cut), never inside a grapheme cluster nor inside a facet.
// Whitespace at the cuts is dropped; facets are rebased into their part. A facet that alone is
// longer than a part is cut hard and loses its facet on both sides (its text is kept). Limits below
// 1 grapheme or 4 bytes are raised to that; a single grapheme over the byte limit is cut between
// code points, the only case where a cluster is split. Facets are first reduced by postable().
std::vector<RichText> split_post(const RichText& in, const PostLimits& limits = {});

// The post when it fits; otherwise its text cut at the last whitespace that leaves room for
// "… " + link_url (else hard at a grapheme boundary outside facets), with a link facet over
// link_url when it is an http(s) URL. Facets past the cut are dropped. If even "… " + link_url
// does not fit beside one grapheme of text, the result is the text cut hard with "…" and no link.
RichText truncate_post(const RichText& in, const PostLimits& limits, const std::string& link_url);

}  // namespace causeway::atproto
