// Encrypts secrets at rest (private keys, app-password sessions) with a master key kept in a file
// outside the store. libsodium secretbox (XSalsa20-Poly1305): a fresh random nonce per seal, and a
// context string bound in, so a sealed value cannot be moved to another key of the store unnoticed.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway {

class SecretVault {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Reads the master key file (64 hex characters), creating it with mode 0600 when absent.
  // Refuses a file that group or others may read, or of the wrong form.
  static Result<SecretVault> open_or_create(const std::filesystem::path& key_file);
  static SecretVault from_key(const std::array<unsigned char, kKeyBytes>& key);

  SecretVault(SecretVault&&) noexcept;
  SecretVault& operator=(SecretVault&&) noexcept;
  ~SecretVault();  // wipes the key from memory

  // `context` names what is sealed (e.g. "local/actor-key/townhall"); open() must get the same.
  std::string seal(std::string_view plaintext, std::string_view context) const;
  Result<std::string> open(std::string_view sealed, std::string_view context) const;

 private:
  SecretVault() = default;
  std::array<unsigned char, kKeyBytes> key_{};
};

}  // namespace causeway
