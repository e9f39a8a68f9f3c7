// How other servers find causeway's actors: WebFinger (RFC 7033) for acct:name@host, NodeInfo 2.1
// for what software this is, and host-meta for servers that still start there.
#pragma once

#include <string>

#include "protocols/activitypub/local_actors.h"

namespace causeway::activitypub {

struct DiscoveryResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

struct NodeInfoCounts {
  std::size_t local_actors = 0;
  std::size_t local_posts = 0;
};

// GET /.well-known/webfinger?resource=R: R is acct:name@host (the host with its port, if any) or an
// actor's id.
DiscoveryResponse webfinger(const LocalActors& actors, const std::string& resource);
DiscoveryResponse nodeinfo_links(const LocalActors& actors);
DiscoveryResponse nodeinfo(const std::string& version, const NodeInfoCounts& counts);
DiscoveryResponse host_meta(const LocalActors& actors);

}  // namespace causeway::activitypub
