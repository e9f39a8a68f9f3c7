// The mirror account's profile record (app.bsky.actor.profile, rkey "self") made from the group it
// mirrors, so Bluesky users see whose posts these are. Pure functions: no network, store or clock;
// thread-safe.
//
// The record owns displayName, description and avatar; every other field of the record already on
// the PDS (banner, pinnedPost, labels, createdAt, fields added by later lexicon versions) is kept
// as it is, so an operator's or the app's own edits of those survive a sync.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "protocols/atproto/post_text.h"

namespace causeway::atproto {

inline constexpr const char* kProfileCollection = "app.bsky.actor.profile";
inline constexpr const char* kProfileRkey = "self";
// app.bsky.actor.profile's limits.
inline constexpr PostLimits kDisplayNameLimits{64, 640};
inline constexpr PostLimits kDescriptionLimits{256, 2560};

struct GroupProfileFields {
  std::string display_name;  // plain text; empty: no displayName
  std::string summary;       // plain text
  std::string url;           // the group's page, named at the end of the description; may be empty
  // The blob ref uploadBlob answered ({"$type":"blob", ...}); nullopt: no avatar.
  std::optional<nlohmann::json> avatar;
};

// "<summary>\n\nMirror of <url>" within the lexicon's limits. A summary too long for the room left
// is cut between grapheme clusters and ends with "…"; the link is never cut (it is left off only
// when it alone would not fit). Surrounding whitespace of the summary is dropped.
std::string profile_description(const std::string& summary, const std::string& url);

// The record to put: `current` (the value now on the PDS, or null/non-object when there is none)
// with the group's fields written over it. Fields the group does not have are removed.
nlohmann::json profile_record(const GroupProfileFields& group, const nlohmann::json& current = nullptr);

// The CID a record's avatar blob refers to ("" when it has none): an unchanged image need not be
// uploaded again.
std::string avatar_cid(const nlohmann::json& record);

}  // namespace causeway::atproto
