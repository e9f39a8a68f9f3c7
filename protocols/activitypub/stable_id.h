// Ids of activities causeway derives from other ids (an Announce of a post, an Accept of a Follow,
// our Follow of a group): the same input always gives the same id, in every build and on every
// machine, so a redelivered activity is recognised by receivers as the one they already have.
#pragma once

#include <string>
#include <string_view>

namespace causeway::activitypub {

// 24 hex characters of SHA-256(text).
std::string stable_id(std::string_view text);

}  // namespace causeway::activitypub
