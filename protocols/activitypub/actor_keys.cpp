#include "protocols/activitypub/actor_keys.h"

#include <nlohmann/json.hpp>

#include "bridge/base/base64.h"

namespace causeway::activitypub {

Result<ActorKeyPair> ActorKeys::get(const std::string& actor_key) {
  std::lock_guard lock(mu_);
  if (auto it = cache_.find(actor_key); it != cache_.end()) return it->second;
  std::string storage_key = "key/" + actor_key;
  std::string context = "local/" + storage_key;
  auto stored = store_.get(Family::local, storage_key);
  if (!stored) return Error{stored.error()};
  ActorKeyPair pair;
  if (stored->has_value()) {
    auto j = nlohmann::json::parse(**stored, nullptr, false);
    if (!j.is_object()) return make_error("stored key of " + actor_key + " is damaged");
    auto sealed = base64_decode(j.value("sealed_private", ""));
    if (!sealed) return make_error("stored key of " + actor_key + " is damaged");
    auto opened = vault_.open(*sealed, context);
    if (!opened) return make_error("key of " + actor_key + ": " + opened.error());
    pair = {j.value("public", ""), std::move(*opened)};
  } else {
    auto generated = generate_();
    if (!generated) return make_error("generating a key for " + actor_key + ": " + generated.error());
    pair = std::move(*generated);
    nlohmann::json j = {{"public", pair.public_pem},
                        {"sealed_private", base64_encode(vault_.seal(pair.private_pem, context), true)}};
    if (Status s = store_.put(Family::local, storage_key, j.dump()); !s.ok()) return Error{s.error()};
  }
  cache_[actor_key] = pair;
  return pair;
}

}  // namespace causeway::activitypub
