// Whether a record read from the network has the shape its collection's Lexicon gives it, for the
// collections the bridge carries: app.bsky.feed.post, .like, .repost, app.bsky.graph.follow, .block
// and app.bsky.actor.profile. Records that do not fit are skipped rather than half read. Lexicons
// are open: unknown fields pass, and so do union members of a type not listed here (an embed, a
// facet feature) once they carry a `$type`. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocols/atproto/dag_cbor.h"

namespace causeway::atproto {

// nullopt when `record` fits `collection`'s Lexicon, or when the collection is not one of the
// above. Otherwise the first field found at fault, as "<collection>: <field path>: <problem>",
// e.g. "app.bsky.feed.post: facets[2].index.byteEnd: before byteStart". Text limits are checked
// in UTF-8 bytes and in grapheme clusters, as the Lexicon counts them.
std::optional<std::string> lexicon_violation(std::string_view collection, const Value& record);

// A violation without its problem and list indexes, "app.bsky.feed.post: facets.index.byteEnd":
// few enough distinct values to be a metric label.
std::string lexicon_violation_label(std::string_view violation);

}  // namespace causeway::atproto
