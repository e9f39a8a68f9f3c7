// Public keys of remote actors, found by the keyId of their HTTP signatures. A key is fetched, its
// ownership proven (key_ownership.h: the owner's own document lists it), and only then cached, in
// memory and in the `actors` family (`apkey/<key id>`, owned here).
//
// Serving threads never wait on a remote server: `cached()` answers from memory or the store, and
// `get_async()` fetches on a small pool of its own (HostLimitedPool: a few fetches per host at once,
// a bounded queue per host), with one fetch in flight per key id however many requests ask for it,
// a short timeout, and a negative cache (a key that could not be had is not fetched again for
// `negative_ttl`, and a host that timed out is not asked again for `host_backoff`). A refresh (the
// signature failed with the cached key: the actor may have rotated it) is done at most once per
// `refresh_interval` per key, so forged signatures cannot make causeway fetch without end.
//
// Every map here is bounded (expired entries swept, and a cache that is still too big is dropped),
// and keyIds over 2 KiB are refused, so unique keyIds from an attacker cost no unbounded memory.
//
// Thread-safe. Callbacks run either at once on the caller's thread (cache hits, refusals) or on a
// fetch thread; they must not block for long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/metrics.h"
#include "bridge/base/result.h"
#include "protocols/activitypub/key_ownership.h"
#include "protocols/net/host_limited_pool.h"
#include "protocols/net/http_client.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct RemoteKey {
  std::string key_id;
  std::string owner;  // the actor whose own document lists the key
  std::string public_key_pem;
  std::int64_t fetched_us = 0;
  std::string owner_inbox;  // from the owner's document, when it was read
  std::string owner_shared_inbox;
};

struct RemoteKeysOptions {
  std::chrono::seconds ttl = std::chrono::hours(24);
  std::chrono::seconds negative_ttl = std::chrono::minutes(10);
  std::chrono::seconds host_backoff = std::chrono::minutes(1);
  std::chrono::seconds refresh_interval = std::chrono::minutes(1);
  std::chrono::milliseconds fetch_timeout{5000};
  std::size_t max_document_bytes = 256 * 1024;
  HostLimitedPoolOptions pool{4, 2, 64, 4096};
};

class RemoteKeys {
 public:
  using Clock = std::function<std::int64_t()>;
  using Callback = std::function<void(Result<RemoteKey>)>;

  RemoteKeys(Store& store, const HttpClient& http, HttpClient::Signer sign_fetch, Clock clock, Metrics& metrics,
             RemoteKeysOptions options = {});
  ~RemoteKeys();

  // The verified key when it is cached and fresh; never fetches.
  std::optional<RemoteKey> cached(const std::string& key_id);
  // The key, from the cache, or fetched and verified on the pool (`refresh`: fetch even when cached).
  // `done` is called exactly once.
  void get_async(const std::string& key_id, bool refresh, Callback done);
  // get_async, waited for: for callers that may block (the CLI, tests).
  Result<RemoteKey> get(const std::string& key_id, bool refresh = false);
  // Stops the pool; waiting callbacks get an error.
  void stop();

 private:
  // Fetches and verifies on the calling thread, caching the outcome either way.
  Result<RemoteKey> fetch_and_verify(const std::string& key_id);
  Result<FetchedDocument> fetch_document(const std::string& url);
  void finish(const std::string& key_id, const Result<RemoteKey>& result);
  void count(const char* outcome);

  Store& store_;
  const HttpClient& http_;
  HttpClient::Signer sign_fetch_;
  Clock clock_;
  Metrics& metrics_;
  RemoteKeysOptions options_;

  std::mutex mu_;
  std::map<std::string, RemoteKey> memory_;                 // guarded by mu_: in front of the store
  std::map<std::string, std::pair<std::int64_t, std::string>> failed_;  // guarded by mu_: key -> (until, why)
  std::map<std::string, std::int64_t> host_down_until_;     // guarded by mu_
  std::map<std::string, std::vector<Callback>> in_flight_;  // guarded by mu_: waiting for one fetch
  std::map<std::string, std::int64_t> refreshed_at_;        // guarded by mu_
  std::map<std::string, std::size_t> fetching_;                   // guarded by mu_: document fetches per host
  HostLimitedPool pool_;  // last: its threads stop before the maps they use go away
};

}  // namespace causeway::activitypub
