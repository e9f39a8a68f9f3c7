// The fediverse actors a config makes causeway host: the service actor and one Group per bridge
// that hosts its group. The daemon serves them; `causeway convert` addresses previews to them, so
// both name a hosted group by the same id. Pure (no store or network).
#pragma once

#include <string>

#include "config/config.h"
#include "protocols/activitypub/local_actors.h"

namespace causeway {

// The actors a config defines: the service actor and one Group per bridge hosting one.
activitypub::LocalActors local_actors_from(const Config& config);

// The key of the Group `bridge` hosts ("group/<name>"); "" when it follows a remote group.
std::string hosted_group_key(const BridgeConfig& bridge);

}  // namespace causeway
