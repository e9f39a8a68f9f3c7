// A remote fediverse actor as causeway reads it: its id from WebFinger, its document fetched
// through the outbound guard (and believed only when it names itself and comes from its own host),
// and the name and handle a member's post is attributed to on Bluesky. The daemon's fediverse
// service and `causeway convert --fetch` read actors through these, so a preview shows the name
// the writer would write. Thread-safe as the HttpClient is; log nothing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bridge/base/result.h"
#include "bridge/member_profile.h"
#include "protocols/net/http_client.h"

namespace causeway {

// The actor document of `actor_id`, signed by `sign` when given (servers in authorized-fetch mode
// answer only signed requests).
Result<nlohmann::json> fetch_actor_document(const HttpClient& http, const std::string& actor_id,
                                            const HttpClient::Signer& sign = nullptr);

// The actor id WebFinger gives for "user@host". Plain http is tried after https only when
// `allow_plain_http` (where private addresses are allowed: local tests and demos).
Result<std::string> webfinger_actor(const HttpClient& http, const std::string& acct, bool allow_plain_http);

// A member's name and handle ("preferredUsername@host of its id") from its actor document.
MemberProfile member_profile_of(const nlohmann::json& actor_document, const std::string& actor_id);

}  // namespace causeway
