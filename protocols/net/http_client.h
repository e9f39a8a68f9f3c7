// Outbound HTTP for everything causeway fetches or delivers. Every hop goes through the address
// guard (the connection goes to the address that was checked, so DNS cannot change it between
// check and connect), redirects are followed by hand and re-checked, and each response is bounded
// in size and time. A request with a body (a POST: an activity, an app password) is never re-sent to
// another origin than the one it was addressed to. Thread-safe: each call uses its own connection.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bridge/base/url.h"
#include "protocols/net/address_guard.h"

namespace causeway {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string final_url;  // after redirects

  std::string header(const std::string& lowercase_name) const;
};

enum class FetchError {
  none, bad_url, blocked_address, resolve, connect, timeout, too_large, too_many_redirects,
  cross_origin_redirect,  // a request with a body redirected to another origin: not re-sent there
  other
};
const char* to_string(FetchError error);

struct FetchResult {
  FetchError error = FetchError::none;
  std::string message;  // set when error != none: names the URL and what went wrong
  HttpResponse response;

  bool ok() const { return error == FetchError::none; }
};

struct FetchLimits {
  std::size_t max_response_bytes = 1 << 20;
  std::chrono::milliseconds timeout{10000};  // for the whole exchange, redirects included
  int max_redirects = 5;
};

class HttpClient {
 public:
  // Called for every hop, just before sending, so a signature can cover the hop's own URL.
  using Signer = std::function<void(HttpRequest& request, const Url& url)>;

  explicit HttpClient(OutboundPolicy policy, std::string user_agent)
      : policy_(policy), user_agent_(std::move(user_agent)) {}

  FetchResult fetch(HttpRequest request, const FetchLimits& limits = {}, const Signer& sign = nullptr) const;

 private:
  OutboundPolicy policy_;
  std::string user_agent_;
};

}  // namespace causeway
