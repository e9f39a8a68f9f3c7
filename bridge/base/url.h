// URL and host:port parsing for config values and outbound requests. Deliberately narrow: only the
// absolute http(s)/ws(s) URLs causeway talks to, so anything unusual is an error, not a guess.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/hex.h"  // hex_digit_value, for "%XX" escapes
#include "bridge/base/result.h"

namespace causeway {

struct HostPort {
  std::string host;  // a DNS name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;

  std::string to_string() const;  // brackets IPv6 hosts again
};

struct Url {
  std::string scheme;  // lowercase: http, https, ws, wss
  std::string host;    // lowercase; IPv6 without brackets
  std::uint16_t port = 0;  // explicit port, or the scheme's default
  bool explicit_port = false;
  std::string path;   // begins with '/', "/" when absent
  std::string query;  // without '?'

  bool secure() const { return scheme == "https" || scheme == "wss"; }
  std::string authority() const;  // host[:port] as it appears in the URL and the Host header
  std::string to_string() const;
};

// "HOST:PORT" where HOST is a name, an IPv4 address or a bracketed IPv6 address, PORT 1-65535.
Result<HostPort> parse_host_port(std::string_view text);

// The authority (host[:port]) of an absolute URL, "" when there is none. Cheap: no validation,
// for grouping by server (per-host limits, same-origin checks) on hot paths.
std::string host_of_url(std::string_view url);

// Whether `host` is `domain` or one of its subdomains ("a.b.example" is under "b.example",
// "evilb.example" is not). Case-insensitive; a ":port" on either side is ignored. The one rule
// for blocked domains, blocked handles (a handle is a domain name) and a WebFinger answer's host.
bool domain_matches(std::string_view host, std::string_view domain);
// Whether `host` matches any of `domains`.
bool domain_in(std::string_view host, const std::vector<std::string>& domains);

// Whether `text` may be the target of a link in a post: "http://" or "https://" (any case), a
// non-empty host, no spaces or control characters. Looser than parse_url (fragments, userinfo and
// any host are fine) because it only decides whether text becomes a clickable link.
bool is_web_link(std::string_view text);

// `s` with every byte percent-encoded (%XX, uppercase) except the unreserved characters of RFC 3986
// (ASCII letters and digits, "-._~") and those in `also_keep`.
std::string percent_encode(std::string_view s, std::string_view also_keep = "");

// An absolute URL whose scheme is one of `allowed_schemes` (comma-separated, e.g. "http,https").
// Rejects userinfo, fragments, spaces and empty hosts.
Result<Url> parse_url(std::string_view text, std::string_view allowed_schemes);

}  // namespace causeway
