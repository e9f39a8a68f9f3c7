// Keys for HTTP signatures and the four signature algorithms RFC 9421 names for them, on OpenSSL 3.
// Public keys come from actors' `publicKeyPem`; private keys are the bridge's own RSA-2048 actor
// keys (generated here, stored by the caller as encrypted PEM). Keys are immutable once made, and
// OpenSSL allows one key to be used by many threads at once, so copies (which share the key) may
// be used from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace causeway::activitypub {

// Larger input is refused before OpenSSL sees it: an RSA-8192 public key PEM is under 1.5 KB.
inline constexpr std::size_t kMaxPemSize = 16 * 1024;

enum class KeyType { rsa, rsa_pss, ec_p256, ed25519 };

// "rsa", "rsa-pss", "ecdsa p-256", "ed25519": for messages.
std::string_view key_type_name(KeyType type);

enum class SignatureAlgorithm { rsa_v1_5_sha256, rsa_pss_sha512, ecdsa_p256_sha256, ed25519 };

// The RFC 9421 registry names: "rsa-v1_5-sha256", "rsa-pss-sha512", "ecdsa-p256-sha256", "ed25519".
std::string_view algorithm_name(SignatureAlgorithm algorithm);
std::optional<SignatureAlgorithm> algorithm_named(std::string_view name);

// Owns one OpenSSL key; copies share it.
class EvpKey {
 public:
  explicit EvpKey(evp_pkey_st* adopted);  // takes ownership; must not be null
  evp_pkey_st* get() const { return key_.get(); }

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

class PublicKey {
 public:
  // A PEM "PUBLIC KEY" (SPKI) or "RSA PUBLIC KEY" (PKCS#1) block: RSA of 1024 to 8192 bits (1024
  // only because old servers and draft-cavage's own test key still use it), RSA-PSS, P-256 or
  // Ed25519. Anything else, including private-key PEM, is an error.
  static Result<PublicKey> from_pem(std::string_view pem);

  KeyType type() const { return type_; }
  // Whether `algorithm` can be used with this key (an RSA key also serves rsa-pss-sha512).
  bool fits(SignatureAlgorithm algorithm) const;
  evp_pkey_st* evp() const { return key_.get(); }

 private:
  friend class PrivateKey;
  PublicKey(EvpKey key, KeyType type) : key_(std::move(key)), type_(type) {}

  EvpKey key_;
  KeyType type_;
};

class PrivateKey {
 public:
  // A PEM "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1) block of a
  // key type PublicKey accepts. Encrypted PEM is refused: the caller stores keys encrypted itself.
  static Result<PrivateKey> from_pem(std::string_view pem);
  // A fresh RSA key from OpenSSL's CSPRNG; 2048 bits is what Mastodon uses and expects.
  static Result<PrivateKey> generate_rsa(int bits = 2048);

  KeyType type() const { return type_; }
  evp_pkey_st* evp() const { return key_.get(); }

  // PKCS#8 "PRIVATE KEY" PEM. The text is the secret key: encrypt it before it is stored.
  Result<std::string> to_pem() const;
  // SPKI "PUBLIC KEY" PEM, for the actor document's publicKeyPem.
  Result<std::string> public_pem() const;
  Result<PublicKey> public_key() const;

 private:
  PrivateKey(EvpKey key, KeyType type) : key_(std::move(key)), type_(type) {}

  EvpKey key_;
  KeyType type_;
};

// Whether `signature` is `algorithm`'s signature of `message` by `key`. ECDSA signatures are the
// raw 64-byte r||s RFC 9421 specifies, RSA-PSS uses SHA-512, MGF1-SHA-512 and a 64-byte salt.
// Errors say whether the key does not fit the algorithm or the signature does not verify.
Status verify_signature(const PublicKey& key, SignatureAlgorithm algorithm, std::string_view message,
                        std::string_view signature);

// `algorithm`'s signature of `message` by `key`, in the form verify_signature takes.
Result<std::string> sign_message(const PrivateKey& key, SignatureAlgorithm algorithm, std::string_view message);

}  // namespace causeway::activitypub
