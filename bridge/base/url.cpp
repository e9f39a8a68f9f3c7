#include "bridge/base/url.h"

#include <algorithm>
#include <cctype>

namespace causeway {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    if (++label > 63) return false;
  }
  return label > 0 || host.size() > 1;  // a trailing dot is allowed, an empty name is not
}

bool valid_ipv6(std::string_view host) {
  if (host.size() < 2) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
  }) && host.find(':') != std::string_view::npos;
}

Result<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error("port \"" + std::string(text) + "\" is not a number from 1 to 65535");
  unsigned long v = std::stoul(std::string(text));
  if (v == 0 || v > 65535) return make_error("port " + std::string(text) + " is out of range (1-65535)");
  return static_cast<std::uint16_t>(v);
}

// Splits "host[:port]" or "[v6][:port]"; `port_text` is empty when absent.
Result<std::pair<std::string, std::string>> split_authority(std::string_view auth) {
  if (!auth.empty() && auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string_view::npos) return make_error("unclosed '[' in host");
    std::string host(auth.substr(1, close - 1));
    if (!valid_ipv6(host)) return make_error("\"" + host + "\" is not an IPv6 address");
    auto rest = auth.substr(close + 1);
    if (rest.empty()) return std::pair{host, std::string()};
    if (rest.front() != ':') return make_error("unexpected text after ']'");
    return std::pair{host, std::string(rest.substr(1))};
  }
  auto colon = auth.rfind(':');
  if (colon == std::string_view::npos) return std::pair{std::string(auth), std::string()};
  if (auth.find(':') != colon) return make_error("IPv6 addresses must be written in brackets, e.g. [::1]:8480");
  return std::pair{std::string(auth.substr(0, colon)), std::string(auth.substr(colon + 1))};
}

}  // namespace

std::string host_of_url(std::string_view url) {
  auto start = url.find("://");
  if (start == std::string_view::npos) return "";
  start += 3;
  auto end = url.find_first_of("/?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

bool is_web_link(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return false;
  auto scheme = lower(text.substr(0, sep));
  if (scheme != "http" && scheme != "https") return false;
  if (sep + 3 >= text.size() || std::string_view("/?#").find(text[sep + 3]) != std::string_view::npos) return false;
  return std::none_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

std::string percent_encode(std::string_view s, std::string_view also_keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || also_keep.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string HostPort::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Url::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return explicit_port ? h + ":" + std::to_string(port) : h;
}

std::string Url::to_string() const {
  return scheme + "://" + authority() + path + (query.empty() ? "" : "?" + query);
}

Result<HostPort> parse_host_port(std::string_view text) {
  if (text.empty()) return make_error("expected HOST:PORT, got an empty value");
  auto parts = split_authority(text);
  if (!parts) return make_error("\"" + std::string(text) + "\" is not HOST:PORT: " + parts.error());
  auto& [host, port_text] = *parts;
  if (port_text.empty()) return make_error("\"" + std::string(text) + "\" has no port; expected HOST:PORT");
  if (host.find(':') == std::string::npos && !valid_hostname(host))
    return make_error("\"" + std::string(text) + "\" has an invalid host \"" + host + "\"");
  auto port = parse_port(port_text);
  if (!port) return make_error("\"" + std::string(text) + "\": " + port.error());
  return HostPort{lower(host), *port};
}

Result<Url> parse_url(std::string_view text, std::string_view allowed_schemes) {
  auto fail = [&](const std::string& why) {
    return make_error("\"" + std::string(text) + "\" is not a valid URL: " + why);
  };
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return fail("expected SCHEME://HOST");
  Url url;
  url.scheme = lower(text.substr(0, sep));
  bool allowed = false;
  for (size_t start = 0; start <= allowed_schemes.size();) {
    auto end = allowed_schemes.find(',', start);
    if (end == std::string_view::npos) end = allowed_schemes.size();
    if (allowed_schemes.substr(start, end - start) == url.scheme) allowed = true;
    start = end + 1;
  }
  if (!allowed) return fail("scheme must be one of " + std::string(allowed_schemes));
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
    return fail("contains spaces or control characters");
  auto rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return fail("fragments are not allowed");
  auto path_start = rest.find_first_of("/?");
  auto authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) return fail("user names and passwords do not belong in URLs");
  auto parts = split_authority(authority);
  if (!parts) return fail(parts.error());
  url.host = lower(parts->first);
  if (url.host.find(':') == std::string::npos && !valid_hostname(url.host)) return fail("invalid host \"" + url.host + "\"");
  if (!parts->second.empty()) {
    auto port = parse_port(parts->second);
    if (!port) return fail(port.error());
    url.port = *port;
    url.explicit_port = true;
  } else {
    url.port = url.secure() ? 443 : 80;
  }
  if (path_start != std::string_view::npos) {
    auto tail = rest.substr(path_start);
    auto q = tail.find('?');
    url.path = std::string(tail.substr(0, q));
    if (q != std::string_view::npos) url.query = std::string(tail.substr(q + 1));
  }
  if (url.path.empty()) url.path = "/";
  return url;
}

namespace {

// The name of a host[:port] without its port and trailing dot; a bracketed IPv6 address whole.
std::string_view bare_host(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
  host = host.substr(0, host.find(':'));
  while (host.ends_with('.')) host.remove_suffix(1);
  return host;
}

}  // namespace

bool domain_matches(std::string_view host, std::string_view domain) {
  host = bare_host(host);
  domain = bare_host(domain);
  if (domain.starts_with('[') || host.starts_with('[')) {  // an address matches only itself
    if (host.size() != domain.size()) return false;
  }
  if (domain.empty() || host.size() < domain.size()) return false;
  auto same = [](std::string_view a, std::string_view b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
  };
  std::string_view tail = host.substr(host.size() - domain.size());
  if (!same(tail, domain)) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

bool domain_in(std::string_view host, const std::vector<std::string>& domains) {
  for (const auto& d : domains)
    if (domain_matches(host, d)) return true;
  return false;
}

}  // namespace causeway
