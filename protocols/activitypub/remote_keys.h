// Public keys of remote actors, found by the keyId of their HTTP signatures: fetched through the
// outbound guard, cached in the `actors` family, and fetched again when a signature fails to verify
// with the cached key (the actor may have rotated it).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "bridge/base/result.h"
#include "protocols/net/http_client.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct RemoteKey {
  std::string key_id;
  std::string owner;  // the actor the key belongs to
  std::string public_key_pem;
  std::int64_t fetched_us = 0;
};

class RemoteKeys {
 public:
  using Clock = std::function<std::int64_t()>;

  RemoteKeys(Store& store, const HttpClient& http, HttpClient::Signer sign_fetch, Clock clock,
             std::chrono::seconds ttl = std::chrono::hours(24))
      : store_(store), http_(http), sign_fetch_(std::move(sign_fetch)), clock_(std::move(clock)), ttl_(ttl) {}

  // The key, from the cache when fresh unless `refresh`; otherwise fetched from its owner.
  Result<RemoteKey> get(const std::string& key_id, bool refresh = false);

  // Reads the key `key_id` out of a fetched actor or key document.
  static Result<RemoteKey> from_document(const std::string& key_id, const std::string& body);

 private:
  std::optional<RemoteKey> from_memory(const std::string& key_id, std::int64_t now);

  Store& store_;
  std::mutex mu_;
  std::map<std::string, RemoteKey> memory_;  // in front of the store: every inbox POST asks
  const HttpClient& http_;
  HttpClient::Signer sign_fetch_;
  Clock clock_;
  std::chrono::seconds ttl_;
};

}  // namespace causeway::activitypub
