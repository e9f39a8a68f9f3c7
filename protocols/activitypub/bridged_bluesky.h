// Bluesky users as the fediverse sees them through Bridgy Fed: their actor ids
// (https://bsky.brid.gy/ap/did:plc:...), Bridgy Fed's redirects to their profiles, and links to
// their profiles on bsky.app. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace causeway::activitypub {

// The DID a fediverse link or mention target stands for: "did:plc:..." (or "did:web:...") from
// https://bsky.brid.gy/ap/<did>, https://bsky.brid.gy/r/https://bsky.app/profile/<did> or
// https://bsky.app/profile/<did> (with at most a trailing "/": a link to one of their posts is not
// a mention of them). Profiles named by handle give nullopt: resolving a handle takes the network.
std::optional<std::string> bridged_bluesky_did(std::string_view url);

}  // namespace causeway::activitypub
