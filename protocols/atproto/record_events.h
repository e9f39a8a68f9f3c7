// Turns Bluesky records into the canonical Event: a firehose or Jetstream op (posts and replies,
// likes, reposts, follows, blocks, profiles, deletes), or one `app.bsky.feed.post` record on its
// own (what `causeway convert --to fediverse` reads). A post keeps its text and facets (UTF-8 byte
// ranges; mentions target DIDs), every language, its self-labels and record-level tags, its reply
// refs and its embed: images, a video, a link card, a quoted record, or a quote with media.
// Pure and thread-safe; nothing throws. Arrays longer than the Lexicon allows are cut to its limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "bridge/base/result.h"
#include "bridge/event.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::atproto {

// nullopt for collections the bridge does not carry.
std::optional<Event> event_from_op(const std::string& repo, const RepoOp& op);

// Where a post record lives: its at-uri, the CID of this version, and its author.
struct PostRecordSource {
  std::string uri;
  std::string cid;
  std::string author_did;
  std::string author_handle;  // "" when unknown
};

// A post (or a reply, when it has reply refs) made from `record`. Refused, with the reason, when
// the record is not a map, names another `$type`, or has a `text` that is not a string.
// A video's own file is on the author's PDS and its playlist on Bluesky's CDN, neither derivable
// here: its Media entry carries the post's bsky.app page as the place to watch it. Images and a
// link card's thumbnail are named "at://<did>/blob/<cid>", for the writer to resolve.
Result<Event> event_from_post_record(const Value& record, const PostRecordSource& source);

// The same from JSON: a bare post record, or one wrapped as Bluesky's post views are
// ({"uri", "cid", "author": {"did", "handle"}, "record": {...}}, alone or as a feed view's
// "post"). A bare record is placed at
// kUnknownPostUri by kUnknownAuthor. Refused also when the record breaks its Lexicon.
inline constexpr const char* kUnknownAuthor = "did:web:unknown.invalid";
inline constexpr const char* kUnknownPostUri = "at://did:web:unknown.invalid/app.bsky.feed.post/unknown";
Result<Event> event_from_post_json(const nlohmann::json& input);


}  // namespace causeway::atproto
