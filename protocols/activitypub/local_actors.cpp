#include "protocols/activitypub/local_actors.h"

namespace causeway::activitypub {

LocalActors::LocalActors(const Url& public_url)
    : origin_(public_url.scheme + "://" + public_url.authority()), host_(public_url.authority()) {
  add(LocalActor{LocalActor::Kind::service, "bridge", "bridge", "causeway bridge",
                 "The service actor of this causeway bridge between the fediverse and Bluesky.", "", false, ""});
}

void LocalActors::add(LocalActor actor) { by_key_[actor.key] = std::move(actor); }

const LocalActor* LocalActors::by_username(const std::string& username) const {
  for (const auto& [key, actor] : by_key_)
    if (actor.username == username) return &actor;
  return nullptr;
}

const LocalActor* LocalActors::by_key(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

const LocalActor* LocalActors::by_url(const std::string& url) const {
  std::string prefix = origin_ + "/ap/";
  if (url.rfind(prefix, 0) != 0) return nullptr;
  std::string rest = url.substr(prefix.size());
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  // Longest key that is the whole rest or a path prefix of it.
  const LocalActor* best = nullptr;
  for (const auto& [key, actor] : by_key_) {
    if (rest == key || (rest.size() > key.size() && rest.compare(0, key.size(), key) == 0 && rest[key.size()] == '/'))
      if (!best || key.size() > best->key.size()) best = &actor;
  }
  return best;
}

std::vector<const LocalActor*> LocalActors::all() const {
  std::vector<const LocalActor*> out;
  for (const auto& [key, actor] : by_key_) out.push_back(&actor);
  return out;
}

}  // namespace causeway::activitypub
