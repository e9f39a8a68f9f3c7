// The outbound-address guard: every fetch causeway makes on behalf of remote input (actor keys,
// objects, media, deliveries) resolves its host here first. Private, loopback, link-local and other
// non-public addresses are refused unless the config allows them (tests and local demos do), so a
// remote server cannot make causeway reach into the operator's own network.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bridge/base/result.h"

namespace causeway {

struct OutboundPolicy {
  bool allow_private_addresses = false;
};

// Whether `address` is a public unicast address (not private, loopback, link-local, CGNAT,
// multicast, unspecified, documentation, ULA, IPv4-mapped private ...).
bool is_public_address(const sockaddr* address);

// Resolves `host` and returns its addresses as text (IPv6 without brackets), refusing the host
// when any address it resolves to is not public and the policy does not allow that.
Result<std::vector<std::string>> resolve_guarded(const std::string& host, std::uint16_t port,
                                                 const OutboundPolicy& policy);

}  // namespace causeway
