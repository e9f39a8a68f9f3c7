#include "protocols/net/http_client.h"

#include <httplib.h>

#include <algorithm>

namespace causeway {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

FetchResult failure(FetchError error, const std::string& url, const std::string& why) {
  FetchResult r;
  r.error = error;
  r.message = url + ": " + why;
  return r;
}

// Resolves a Location header against the URL it came from.
std::string resolve_location(const Url& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  std::string origin = base.scheme + "://" + base.authority();
  if (!location.empty() && location[0] == '/') return location.size() > 1 && location[1] == '/' ? base.scheme + ":" + location
                                                                                               : origin + location;
  auto slash = base.path.rfind('/');
  return origin + base.path.substr(0, slash + 1) + location;
}

}  // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

const char* to_string(FetchError error) {
  switch (error) {
    case FetchError::none: return "none";
    case FetchError::bad_url: return "bad_url";
    case FetchError::blocked_address: return "blocked_address";
    case FetchError::resolve: return "resolve";
    case FetchError::connect: return "connect";
    case FetchError::timeout: return "timeout";
    case FetchError::too_large: return "too_large";
    case FetchError::too_many_redirects: return "too_many_redirects";
    case FetchError::cross_origin_redirect: return "cross_origin_redirect";
    case FetchError::other: return "other";
  }
  return "other";
}

FetchResult HttpClient::fetch(HttpRequest request, const FetchLimits& limits, const Signer& sign) const {
  auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  for (int hop = 0; hop <= limits.max_redirects; ++hop) {
    auto url = parse_url(request.url, "http,https");
    if (!url) return failure(FetchError::bad_url, request.url, url.error());
    auto addresses = resolve_guarded(url->host, url->port, policy_);
    if (!addresses) {
      bool blocked = addresses.error().find("refused") != std::string::npos;
      return failure(blocked ? FetchError::blocked_address : FetchError::resolve, request.url, addresses.error());
    }
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) return failure(FetchError::timeout, request.url, "timed out");

    httplib::Client client(url->scheme + "://" + url->authority());
    // Connect to the address the guard approved; SNI and Host still carry the name.
    client.set_hostname_addr_map({{url->host, addresses->front()}});
    client.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(remaining));
    client.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(remaining));
    client.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(remaining));
    client.set_follow_location(false);
    client.set_keep_alive(false);

    HttpRequest hop_request = request;
    if (sign) sign(hop_request, *url);
    httplib::Headers headers;
    std::string content_type = "application/octet-stream";
    for (const auto& [k, v] : hop_request.headers) {
      if (lower(k) == "content-type") content_type = v;
      else headers.emplace(k, v);
    }
    headers.emplace("User-Agent", user_agent_);

    std::string body;
    bool too_large = false;
    httplib::Request req;
    req.method = hop_request.method;
    req.path = url->path + (url->query.empty() ? "" : "?" + url->query);
    req.headers = headers;
    if (!hop_request.body.empty() || hop_request.method == "POST") {
      req.body = hop_request.body;
      req.headers.emplace("Content-Type", content_type);
    }
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (body.size() + n > limits.max_response_bytes || std::chrono::steady_clock::now() > deadline) {
        too_large = body.size() + n > limits.max_response_bytes;
        return false;
      }
      body.append(data, n);
      return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    bool sent = client.send(req, res, err);
    if (too_large)
      return failure(FetchError::too_large, request.url,
                     "response is larger than " + std::to_string(limits.max_response_bytes) + " bytes");
    if (!sent) {
      FetchError kind = err == httplib::Error::Connection       ? FetchError::connect
                        : err == httplib::Error::Read || err == httplib::Error::Write ? FetchError::timeout
                        : err == httplib::Error::Canceled ? FetchError::timeout
                                                          : FetchError::other;
      return failure(kind, request.url, httplib::to_string(err));
    }
    if (res.status >= 300 && res.status < 400 && res.has_header("Location")) {
      std::string next = resolve_location(*url, res.get_header_value("Location"));
      auto next_url = parse_url(next, "http,https");
      bool same_origin = next_url && next_url->scheme == url->scheme && next_url->authority() == url->authority();
      if (!same_origin && (!request.body.empty() || (request.method != "GET" && request.method != "HEAD")))
        return failure(FetchError::cross_origin_redirect, request.url,
                       "redirected to another origin (" + (next_url ? next_url->scheme + "://" + next_url->authority() : next) +
                           "); a " + request.method + " is not re-sent there");
      request.url = next;
      if (res.status == 303) {
        request.method = "GET";
        request.body.clear();
      }
      continue;
    }
    FetchResult result;
    result.response.status = res.status;
    for (const auto& [k, v] : res.headers) result.response.headers.emplace(lower(k), v);
    result.response.body = std::move(body);
    result.response.final_url = request.url;
    return result;
  }
  return failure(FetchError::too_many_redirects, request.url,
                 "more than " + std::to_string(limits.max_redirects) + " redirects");
}

}  // namespace causeway
