#include "protocols/activitypub/remote_keys.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include <nlohmann/json.hpp>

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

std::string cache_key(const std::string& key_id) { return "apkey/" + key_id; }

std::int64_t us(std::chrono::seconds s) { return s.count() * 1'000'000; }

constexpr std::size_t kMaxKeyIdBytes = 2048;
constexpr std::size_t kMaxRemembered = 20'000;  // per map: failures, hosts, refreshes, keys in memory
constexpr std::size_t kMaxReasonBytes = 300;     // remote documents' ids can be long; reasons are kept short

// One name per host for limits and backoff: "MASTODON.social.", "mastodon.social:443" and
// "mastodon.social" are one host to whoever answers them.
std::string host_bucket(const std::string& url) {
  auto parsed = parse_url(url.substr(0, url.find('#')), "http,https");
  if (!parsed) return host_of_url(url);
  std::string host = parsed->host;
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  while (!host.empty() && host.back() == '.') host.pop_back();
  bool default_port = parsed->port == 0 || (parsed->scheme == "https" && parsed->port == 443) ||
                      (parsed->scheme == "http" && parsed->port == 80);
  return default_port ? host : host + ":" + std::to_string(parsed->port);
}

// Drops what has expired from a map of deadlines and, if it is still too big, everything: these
// are caches (forgetting costs a fetch, never correctness) and must not grow with an attacker.
template <typename Map, typename Expiry>
void bound(Map& map, std::int64_t now, Expiry expiry) {
  if (map.size() < kMaxRemembered) return;
  for (auto it = map.begin(); it != map.end();) it = expiry(it->second) <= now ? map.erase(it) : std::next(it);
  if (map.size() >= kMaxRemembered) map.clear();
}

}  // namespace

RemoteKeys::RemoteKeys(Store& store, const HttpClient& http, HttpClient::Signer sign_fetch, Clock clock,
                       Metrics& metrics, RemoteKeysOptions options)
    : store_(store),
      http_(http),
      sign_fetch_(std::move(sign_fetch)),
      clock_(std::move(clock)),
      metrics_(metrics),
      options_(options),
      pool_(options.pool) {}

RemoteKeys::~RemoteKeys() { stop(); }

void RemoteKeys::stop() { pool_.stop(); }

void RemoteKeys::count(const char* outcome) {
  metrics_.counter("causeway_remote_key_lookups_total", "Remote key lookups, by outcome.", {{"outcome", outcome}}).inc();
}

std::optional<RemoteKey> RemoteKeys::cached(const std::string& key_id) {
  std::int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    auto it = memory_.find(key_id);
    if (it != memory_.end() && now - it->second.fetched_us < us(options_.ttl)) return it->second;
  }
  auto stored = store_.get(Family::actors, cache_key(key_id));
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  json j = json::parse(**stored, nullptr, false);
  // Entries written before ownership was proven (no "verified") are not trusted.
  if (!j.is_object() || !j.value("verified", false)) return std::nullopt;
  RemoteKey key{key_id, j.value("owner", ""), j.value("pem", ""), j.value("fetched_us", std::int64_t{0}),
                j.value("inbox", ""), j.value("shared_inbox", "")};
  if (key.owner.empty() || key.public_key_pem.empty() || now - key.fetched_us >= us(options_.ttl)) return std::nullopt;
  std::lock_guard lock(mu_);
  memory_[key_id] = key;
  return key;
}

Result<FetchedDocument> RemoteKeys::fetch_document(const std::string& url) {
  std::string host = host_bucket(url);
  {
    std::lock_guard lock(mu_);
    if (auto it = host_down_until_.find(host); it != host_down_until_.end() && it->second > clock_())
      return make_error(url + ": its host did not answer recently");
    // The pool limits fetches per keyId host; an owner's document may be on any host, so each
    // document fetch is also limited by its own host (nobody can aim our fetches at a server).
    if (fetching_[host] >= options_.pool.per_host) return make_error(url + ": too many fetches from its host at once");
    ++fetching_[host];
  }
  struct Done {
    RemoteKeys& self;
    const std::string& host;
    ~Done() {
      std::lock_guard lock(self.mu_);
      if (--self.fetching_[host] == 0) self.fetching_.erase(host);
    }
  } done{*this, host};
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""}};
  FetchResult fetched = http_.fetch(request, FetchLimits{options_.max_document_bytes, options_.fetch_timeout, 3}, sign_fetch_);
  if (!fetched.ok()) {
    if (fetched.error == FetchError::timeout || fetched.error == FetchError::connect) {
      std::lock_guard lock(mu_);
      bound(host_down_until_, clock_(), [](std::int64_t until) { return until; });
      host_down_until_[host] = clock_() + us(options_.host_backoff);
    }
    return make_error(fetched.message);
  }
  if (fetched.response.status != 200) return make_error(url + ": HTTP " + std::to_string(fetched.response.status));
  return FetchedDocument{fetched.response.final_url, std::move(fetched.response.body)};
}

Result<RemoteKey> RemoteKeys::fetch_and_verify(const std::string& key_id) {
  auto owned = resolve_owned_key(key_id, [this](const std::string& url) { return fetch_document(url); });
  if (!owned) return Error{owned.error()};
  std::int64_t now = clock_();
  RemoteKey key{owned->key_id, owned->owner, owned->public_key_pem, now, owned->owner_inbox, owned->owner_shared_inbox};
  // Cached only now that the owner vouched for it.
  json entry{{"owner", key.owner}, {"pem", key.public_key_pem}, {"fetched_us", now}, {"verified", true},
             {"inbox", key.owner_inbox}, {"shared_inbox", key.owner_shared_inbox}};
  Status cached = store_.put(Family::actors, cache_key(key_id), entry.dump(), Durability::buffered);
  if (!cached.ok()) spdlog::warn("caching key {}: {}", key_id, cached.error());
  return key;
}

void RemoteKeys::finish(const std::string& key_id, const Result<RemoteKey>& result) {
  std::vector<Callback> waiting;
  {
    std::lock_guard lock(mu_);
    std::int64_t now = clock_();
    if (result) {
      bound(memory_, now, [this](const RemoteKey& k) { return k.fetched_us + us(options_.ttl); });
      memory_[key_id] = *result;
      failed_.erase(key_id);
    } else {
      bound(failed_, now, [](const auto& f) { return f.first; });
      failed_[key_id] = {now + us(options_.negative_ttl), std::string(utf8_prefix(result.error(), kMaxReasonBytes))};
    }
    if (auto it = in_flight_.find(key_id); it != in_flight_.end()) {
      waiting = std::move(it->second);
      in_flight_.erase(it);
    }
  }
  count(result ? "fetched" : "failed");
  if (!result) spdlog::info("remote key {}: {}", key_id, utf8_prefix(result.error(), kMaxReasonBytes));
  for (auto& cb : waiting) cb(result);
}

void RemoteKeys::get_async(const std::string& key_id, bool refresh, Callback done) {
  if (!refresh) {
    if (auto key = cached(key_id)) {
      count("cached");
      return done(*key);
    }
  }
  if (key_id.size() > kMaxKeyIdBytes) return done(make_error("keyId longer than " + std::to_string(kMaxKeyIdBytes) + " bytes"));
  std::string host = host_bucket(key_id);
  if (host.empty()) return done(make_error("keyId " + key_id + " is not a URL"));
  {
    std::unique_lock lock(mu_);
    std::int64_t now = clock_();
    if (refresh) {
      bound(refreshed_at_, now, [this](std::int64_t at) { return at + us(options_.refresh_interval); });
      auto& last = refreshed_at_[key_id];
      if (now - last < us(options_.refresh_interval)) {
        lock.unlock();
        count("refresh_skipped");
        return done(make_error("key " + key_id + " was fetched again moments ago"));
      }
      last = now;
    }
    if (auto it = failed_.find(key_id); it != failed_.end()) {
      if (it->second.first > now) {
        std::string why = it->second.second;
        lock.unlock();
        count("negative_cached");
        return done(make_error(why + " (not asked again for a while)"));
      }
      failed_.erase(it);
    }
    auto [it, first] = in_flight_.try_emplace(key_id);
    it->second.push_back(std::move(done));
    if (!first) {
      count("joined");
      return;  // the fetch under way answers this one too
    }
  }
  bool queued = pool_.submit(
      host, [this, key_id] { finish(key_id, fetch_and_verify(key_id)); },
      [this, key_id] { finish(key_id, make_error("shutting down")); });
  if (!queued) {
    // Not remembered as failed: the key is fine, the queue for its host is only full right now.
    std::vector<Callback> waiting;
    {
      std::lock_guard lock(mu_);
      waiting = std::move(in_flight_[key_id]);
      in_flight_.erase(key_id);
    }
    count("queue_full");
    for (auto& cb : waiting) cb(make_error("too many key fetches waiting for " + host));
  }
}

Result<RemoteKey> RemoteKeys::get(const std::string& key_id, bool refresh) {
  std::promise<Result<RemoteKey>> promise;
  auto future = promise.get_future();
  get_async(key_id, refresh, [&promise](Result<RemoteKey> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace causeway::activitypub
