// Each local actor's RSA key pair, generated on first use. The private half is kept in the
// `local` family sealed with the master key (SecretVault); only the public half is ever served.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "bridge/base/result.h"
#include "storage/secret_vault.h"
#include "storage/store.h"

namespace causeway::activitypub {

struct ActorKeyPair {
  std::string public_pem;
  std::string private_pem;  // a secret: never log it
};

class ActorKeys {
 public:
  using Generator = std::function<Result<ActorKeyPair>()>;

  ActorKeys(Store& store, const SecretVault& vault, Generator generate)
      : store_(store), vault_(vault), generate_(std::move(generate)) {}

  // The actor's key pair, created and stored (synced) the first time it is asked for.
  Result<ActorKeyPair> get(const std::string& actor_key);

 private:
  Store& store_;
  const SecretVault& vault_;
  Generator generate_;
  std::mutex mu_;
  std::map<std::string, ActorKeyPair> cache_;
};

}  // namespace causeway::activitypub
