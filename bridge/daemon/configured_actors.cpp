#include "bridge/daemon/configured_actors.h"

namespace causeway {

namespace ap = activitypub;

std::string hosted_group_key(const BridgeConfig& bridge) {
  return bridge.fediverse.host ? activitypub::group_key(bridge.fediverse.host->name) : std::string();
}

ap::LocalActors local_actors_from(const Config& config) {
  ap::LocalActors actors(config.server.public_url);
  for (const auto& bridge : config.bridges) {
    if (!bridge.fediverse.host) continue;
    const HostedGroupConfig& g = *bridge.fediverse.host;
    actors.add(ap::LocalActor{ap::LocalActor::Kind::group, hosted_group_key(bridge), g.name, g.display_name, g.summary,
                              g.avatar ? g.avatar->to_string() : "", g.manually_approves_members, bridge.name});
  }
  return actors;
}

}  // namespace causeway
