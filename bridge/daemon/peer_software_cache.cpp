#include "bridge/daemon/peer_software_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bridge/base/url.h"

namespace causeway {
namespace {

constexpr std::int64_t kKnownUs = 6 * 3600LL * 1'000'000, kUnknownUs = 30 * 60LL * 1'000'000;
constexpr std::size_t kMaxServers = 4096;

std::optional<nlohmann::json> get_json(const HttpClient& http, const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  FetchResult r = http.fetch(request, FetchLimits{64 * 1024, std::chrono::seconds(5), 3});
  if (!r.ok() || r.response.status != 200) return std::nullopt;
  auto doc = nlohmann::json::parse(r.response.body, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

}  // namespace

std::string PeerSoftwareCache::software(const std::string& url) {
  auto parsed = parse_url(url, "https,http");
  if (!parsed) return "";
  std::string origin = parsed->scheme + "://" + parsed->authority();
  std::int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    if (auto it = known_.find(origin); it != known_.end()) {
      const auto& [at_us, name] = it->second;
      if (now - at_us < (name.empty() ? kUnknownUs : kKnownUs)) return name;
    }
  }
  std::string name = ask(origin).value_or("");
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  spdlog::info("peer software: {} runs {}", origin, name.empty() ? "unknown software (it gets Mastodon-style announces)" : name);
  std::lock_guard lock(mu_);
  if (known_.size() >= kMaxServers) known_.clear();  // bounded; refilled from use
  known_[origin] = {now, name};
  return name;
}

std::optional<std::string> PeerSoftwareCache::ask(const std::string& origin) const {
  auto links = get_json(http_, origin + "/.well-known/nodeinfo");
  if (!links) return std::nullopt;
  auto document_url = activitypub::nodeinfo_document_url(*links);
  if (!document_url) return std::nullopt;
  auto document = get_json(http_, *document_url);
  if (!document) return std::nullopt;
  return activitypub::nodeinfo_software_name(*document);
}

}  // namespace causeway
