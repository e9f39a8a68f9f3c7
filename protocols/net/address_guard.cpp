#include "protocols/net/address_guard.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

namespace causeway {
namespace {

bool ipv4_public(std::uint32_t a) {  // host byte order
  auto in = [a](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return !(in(0x00000000, 8) ||    // "this" network
           in(0x0a000000, 8) ||    // 10/8
           in(0x64400000, 10) ||   // 100.64/10 CGNAT
           in(0x7f000000, 8) ||    // loopback
           in(0xa9fe0000, 16) ||   // link-local
           in(0xac100000, 12) ||   // 172.16/12
           in(0xc0000000, 24) ||   // 192.0.0/24 protocol assignments
           in(0xc0000200, 24) ||   // TEST-NET-1
           in(0xc0a80000, 16) ||   // 192.168/16
           in(0xc6120000, 15) ||   // benchmarking
           in(0xc6336400, 24) ||   // TEST-NET-2
           in(0xcb007100, 24) ||   // TEST-NET-3
           in(0xe0000000, 4) ||    // multicast
           in(0xf0000000, 4));     // reserved and broadcast
}

}  // namespace

bool is_public_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return ipv4_public(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return false;
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
  const std::uint8_t* b = v6->sin6_addr.s6_addr;
  static const std::uint8_t zero[16] = {};
  if (std::memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) || IN6_IS_ADDR_V4COMPAT(&v6->sin6_addr)) {
    std::uint32_t v4;
    std::memcpy(&v4, b + 12, 4);
    return ipv4_public(ntohl(v4));
  }
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // documentation
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {               // NAT64 of IPv4
    std::uint32_t v4;
    std::memcpy(&v4, b + 12, 4);
    return ipv4_public(ntohl(v4));
  }
  return true;
}

Result<std::vector<std::string>> resolve_guarded(const std::string& host, std::uint16_t port,
                                                 const OutboundPolicy& policy) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return make_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
  std::vector<std::string> addresses;
  std::string refused;
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = ai->ai_family == AF_INET ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                                               : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    ::inet_ntop(ai->ai_family, raw, text, sizeof text);
    if (!policy.allow_private_addresses && !is_public_address(ai->ai_addr)) refused = text;
    else addresses.emplace_back(text);
  }
  ::freeaddrinfo(found);
  // One non-public answer taints the name: a host that resolves both ways is a rebinding attempt.
  if (!refused.empty())
    return make_error(host + " resolves to the non-public address " + refused +
                      "; refused (network.allow_private_addresses is false)");
  if (addresses.empty()) return make_error("cannot resolve " + host + ": no addresses");
  return addresses;
}

}  // namespace causeway
