// One HTTP request as the signature code sees it, independent of the server or client library that
// carries it: fill it from the library's request before verifying, and copy `headers` back after
// signing. A plain value; it holds copies, so it outlives the library's request.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace causeway::activitypub {

struct HttpField {
  std::string name;
  std::string value;
};

// HTTP field syntax (RFC 9110) the signature code shares. ASCII only: field names, methods and
// the tokens of signature headers are ASCII, and locale-dependent functions have no place here.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

inline std::string ascii_lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// A character of an RFC 9110 token.
inline bool is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Without the optional whitespace (spaces and tabs) that may surround a field value or list item.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A value that would add lines to a signing string or signature base, and so change its meaning.
inline bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

struct HttpRequestView {
  std::string method;              // as on the request line, e.g. "POST"
  std::string target;              // path and query as on the request line, e.g. "/inbox?page=2"
  std::string authority;           // host[:port] the request was sent to (Host, or HTTP/2 :authority)
  std::string scheme = "https";    // as the sender saw it, which is https behind a TLS-terminating proxy
  std::vector<HttpField> headers;  // in arrival order; a name may repeat
  std::string body;

  void add_header(std::string name, std::string value) { headers.push_back({std::move(name), std::move(value)}); }

  // Whether the request carries content whose digest a signature must cover: a body, or a method
  // that always has one (Mastodon wants the digest of a POST signed even when the body is empty).
  bool has_content() const {
    return !body.empty() || equals_ignoring_case(method, "POST") || equals_ignoring_case(method, "PUT") ||
           equals_ignoring_case(method, "PATCH");
  }

  bool has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const HttpField& f) { return equals_ignoring_case(f.name, name); });
  }

  // Every value of the field `name` (any case), in arrival order.
  std::vector<std::string_view> header_values(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& f : headers)
      if (equals_ignoring_case(f.name, name)) out.push_back(f.value);
    return out;
  }

  // The field as one value, the way both signature schemes and RFC 9110 combine repeated fields:
  // each value stripped of surrounding spaces and tabs, joined by ", ". Absent: nullopt.
  std::optional<std::string> combined_header(std::string_view name) const {
    std::optional<std::string> out;
    for (std::string_view v : header_values(name)) {
      if (out)
        *out += ", ";
      else
        out.emplace();
      *out += trim_ows(v);
    }
    return out;
  }
};

}  // namespace causeway::activitypub
