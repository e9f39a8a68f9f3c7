// ECDSA on the two curves atproto uses, with its signature rules: SHA-256 of the message, raw
// 64-byte r||s, and low-S only (s <= n/2) so a signature cannot be altered into a second valid one.
// K-256 runs on libsecp256k1, P-256 on OpenSSL. Every function is safe to call from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway::atproto {

enum class Curve { p256, k256 };

// "P-256" or "K-256", for messages.
std::string_view curve_name(Curve curve);

// A public key known to be a point on its curve, held in the 33-byte compressed SEC1 form.
class PublicKey {
 public:
  static constexpr std::size_t kCompressedSize = 33;
  static constexpr std::size_t kUncompressedSize = 65;

  // A SEC1 point: compressed (0x02/0x03 + x) or uncompressed (0x04 + x + y). Rejects other
  // lengths and prefixes, and points not on `curve`.
  static Result<PublicKey> from_sec1(Curve curve, std::string_view point);

  Curve curve() const { return curve_; }
  std::string_view compressed() const {
    return {reinterpret_cast<const char*>(compressed_.data()), compressed_.size()};
  }

  bool operator==(const PublicKey&) const = default;

 private:
  friend class PrivateKey;
  PublicKey(Curve curve, const std::array<std::uint8_t, kCompressedSize>& compressed)
      : curve_(curve), compressed_(compressed) {}

  Curve curve_;
  std::array<std::uint8_t, kCompressedSize> compressed_;
};

// A signing key: the 32-byte secret scalar and its public key. The secret is wiped when the object
// is destroyed; copies are independent.
class PrivateKey {
 public:
  static constexpr std::size_t kSecretSize = 32;

  // A fresh key from the operating system's CSPRNG. Fails only if that is unavailable.
  static Result<PrivateKey> generate(Curve curve);
  // A 32-byte big-endian secret in [1, n-1]. The message never contains the secret.
  static Result<PrivateKey> from_bytes(Curve curve, std::string_view secret);

  PrivateKey(const PrivateKey&) = default;
  PrivateKey& operator=(const PrivateKey&) = default;
  ~PrivateKey();

  Curve curve() const { return public_key_.curve(); }
  const PublicKey& public_key() const { return public_key_; }
  // The raw secret, for storing encrypted; treat the returned bytes as a secret.
  std::string to_bytes() const;

 private:
  friend Result<std::string> sign(const PrivateKey& key, std::string_view message);
  PrivateKey(const std::array<std::uint8_t, kSecretSize>& secret, const PublicKey& public_key)
      : secret_(secret), public_key_(public_key) {}

  std::array<std::uint8_t, kSecretSize> secret_;
  PublicKey public_key_;
};

inline constexpr std::size_t kSignatureSize = 64;

// The low-S r||s signature of SHA-256(message). Fails only if the crypto library does.
Result<std::string> sign(const PrivateKey& key, std::string_view message);

// Whether `signature` is a valid low-S r||s signature of SHA-256(message) by `key`. DER-encoded,
// wrongly sized and high-S signatures fail with a message saying so.
Status verify(const PublicKey& key, std::string_view message, std::string_view signature);

// What can be told of a signature without its key: fails when no key on either curve could accept
// it (not 64 bytes, r or s zero, or s high-S on both curves). Passing says nothing of validity.
Status check_signature_form(std::string_view signature);

}  // namespace causeway::atproto
