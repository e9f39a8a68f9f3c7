// The kinds of group a bridge can follow on another server, each with its own wire behaviour, and
// how to tell them apart from the group's actor document and its server's NodeInfo software name.
//   community: Lemmy, PieFed, Mbin/kbin (a Group that Announces its members' activities, FEP-1b12;
//              comments are Notes with inReplyTo and the community as `audience` and in `to`).
//   forum:     Friendica forums (a Group relaying posts that mention it as !name@host).
//   boost:     Mastodon accounts run as groups (Newsmast/Patchwork channels, Guppe-style groups):
//              a Person or Group that boosts (Announce by id or URL) posts mentioning it, often only
//              from its followers when it is locked.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace causeway::activitypub {

enum class RemoteGroupKind { community, forum, boost };

struct RemoteGroup {
  std::string id;
  std::string handle;  // "name@host", as WebFinger answered
  RemoteGroupKind kind = RemoteGroupKind::boost;
  bool locked = false;  // manuallyApprovesFollowers: follows wait for its moderators
};

const char* to_string(RemoteGroupKind kind);
std::optional<RemoteGroupKind> parse_remote_group_kind(const std::string& name);

// `software` is NodeInfo's software.name of the group's server ("" when unknown).
RemoteGroup classify_remote_group(const nlohmann::json& actor, const std::string& handle, const std::string& software = "");

// How a post must name the group for it to pass the post on: "@name@host" for a boost group,
// "!name@host" for a forum; nullopt for a community (it goes by `audience` and `to`).
std::optional<std::string> group_mention_text(const RemoteGroup& group);

}  // namespace causeway::activitypub
