#include "protocols/activitypub/local_actors.h"

#include <mutex>

namespace causeway::activitypub {

LocalActors::LocalActors(const Url& public_url)
    : origin_(public_url.scheme + "://" + public_url.authority()), host_(public_url.authority()) {
  add(LocalActor{LocalActor::Kind::service, "bridge", "bridge", "causeway bridge",
                 "The service actor of this causeway bridge between the fediverse and Bluesky.", "", false, ""});
}

void LocalActors::add(LocalActor actor) {
  std::unique_lock lock(*mu_);
  auto& slot = by_key_[actor.key];
  if (slot) replaced_.push_back(std::move(slot));
  slot = std::make_unique<LocalActor>(std::move(actor));
}

const LocalActor* LocalActors::by_username(const std::string& username) const {
  std::shared_lock lock(*mu_);
  for (const auto& [key, actor] : by_key_)
    if (actor->username == username) return actor.get();
  return nullptr;
}

const LocalActor* LocalActors::by_key(const std::string& key) const {
  std::shared_lock lock(*mu_);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second.get();
}

const LocalActor* LocalActors::by_url(const std::string& url) const {
  std::string prefix = origin_ + "/ap/";
  if (url.rfind(prefix, 0) != 0) return nullptr;
  std::string rest = url.substr(prefix.size());
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  // The longest key that is the whole rest or a path prefix of it.
  std::shared_lock lock(*mu_);
  for (;;) {
    if (auto it = by_key_.find(rest); it != by_key_.end()) return it->second.get();
    auto slash = rest.rfind('/');
    if (slash == std::string::npos) return nullptr;
    rest.resize(slash);
  }
}

std::vector<const LocalActor*> LocalActors::all() const {
  std::shared_lock lock(*mu_);
  std::vector<const LocalActor*> out;
  for (const auto& [key, actor] : by_key_) out.push_back(actor.get());
  return out;
}

}  // namespace causeway::activitypub
