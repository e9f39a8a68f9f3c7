// What a remote server expects of a group's Announce, told from the software it runs (NodeInfo's
// software.name). Forum software (Lemmy, PieFed, Mbin/kbin, Friendica) follows FEP-1b12: the group
// wraps the member's activity, and a bare object id is refused (Lemmy accepts only activities
// from a community). Microblogs (Mastodon and the rest) read an Announce only as a boost of a post
// and drop an Announce of an activity. Unknown software is treated as a microblog: that is what
// most servers are. Pure: no network; the daemon fetches and caches the NodeInfo documents.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace causeway::activitypub {

enum class AnnounceStyle {
  object,    // Announce of the post's id: a boost (Mastodon, GoToSocial, Misskey, unknown)
  activity,  // Announce of the member's activity, embedded as received (FEP-1b12)
};

// The style for a NodeInfo software name, compared case-insensitively.
AnnounceStyle announce_style_of(std::string_view software_name);

// The NodeInfo 2.x document named by a /.well-known/nodeinfo answer, newest schema first; none
// when it names no 2.x schema.
std::optional<std::string> nodeinfo_document_url(const nlohmann::json& well_known);
// software.name of a NodeInfo document; none when it has none.
std::optional<std::string> nodeinfo_software_name(const nlohmann::json& document);

}  // namespace causeway::activitypub
