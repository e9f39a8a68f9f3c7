#include "protocols/activitypub/remote_keys.h"

#include <nlohmann/json.hpp>

#include "protocols/activitypub/as2.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

std::string cache_key(const std::string& key_id) { return "apkey/" + key_id; }

std::optional<RemoteKey> key_from(const json& entry, const std::string& key_id, const std::string& default_owner) {
  if (!entry.is_object() || entry.value("id", "") != key_id) return std::nullopt;
  auto pem = entry.find("publicKeyPem");
  if (pem == entry.end() || !pem->is_string()) return std::nullopt;
  std::string owner = entry.contains("owner") ? id_of(entry["owner"]).value_or("") : default_owner;
  if (owner.empty()) owner = default_owner;
  return RemoteKey{key_id, owner, pem->get<std::string>(), 0};
}

}  // namespace

Result<RemoteKey> RemoteKeys::from_document(const std::string& key_id, const std::string& body) {
  auto doc = parse_as2(body);
  if (!doc) return make_error("key document for " + key_id + ": " + doc.error());
  std::string doc_id = id_of(*doc).value_or("");
  if (auto direct = key_from(*doc, key_id, "")) {  // the keyId dereferenced to the key itself
    if (direct->owner.empty()) return make_error("key " + key_id + " names no owner");
    return *direct;
  }
  auto keys = doc->find("publicKey");
  if (keys != doc->end()) {
    if (keys->is_array()) {
      for (const auto& k : *keys)
        if (auto found = key_from(k, key_id, doc_id)) return *found;
    } else if (auto found = key_from(*keys, key_id, doc_id)) {
      return *found;
    }
  }
  return make_error("document " + doc_id + " holds no key " + key_id);
}

std::optional<RemoteKey> RemoteKeys::from_memory(const std::string& key_id, std::int64_t now) {
  std::lock_guard lock(mu_);
  auto it = memory_.find(key_id);
  if (it == memory_.end() || now - it->second.fetched_us >= ttl_.count() * 1'000'000) return std::nullopt;
  return it->second;
}

Result<RemoteKey> RemoteKeys::get(const std::string& key_id, bool refresh) {
  std::int64_t now = clock_();
  if (!refresh) {
    if (auto remembered = from_memory(key_id, now)) return *remembered;
    auto cached = store_.get(Family::actors, cache_key(key_id));
    if (cached.ok() && cached->has_value()) {
      json j = json::parse(**cached, nullptr, false);
      if (j.is_object() && now - j.value("fetched_us", std::int64_t{0}) < ttl_.count() * 1'000'000) {
        RemoteKey key{key_id, j.value("owner", ""), j.value("pem", ""), j.value("fetched_us", std::int64_t{0})};
        std::lock_guard lock(mu_);
        memory_[key_id] = key;
        return key;
      }
    }
  }
  std::string url = key_id.substr(0, key_id.find('#'));
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""}};
  FetchResult fetched = http_.fetch(request, {}, sign_fetch_);
  if (!fetched.ok()) return make_error("fetching key " + key_id + ": " + fetched.message);
  if (fetched.response.status != 200)
    return make_error("fetching key " + key_id + ": HTTP " + std::to_string(fetched.response.status));
  auto key = from_document(key_id, fetched.response.body);
  if (!key) return key;
  key->fetched_us = now;
  Status cached = store_.put(Family::actors, cache_key(key_id),
                             json{{"owner", key->owner}, {"pem", key->public_key_pem}, {"fetched_us", now}}.dump(),
                             Durability::buffered);
  if (!cached.ok()) return make_error("caching key " + key_id + ": " + cached.error());
  std::lock_guard lock(mu_);
  memory_[key_id] = *key;
  return key;
}

}  // namespace causeway::activitypub
