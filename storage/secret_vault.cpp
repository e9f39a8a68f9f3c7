#include "storage/secret_vault.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace causeway {
namespace {

namespace fs = std::filesystem;

// The context is folded into the key (BLAKE2b keyed hash), so each context gets its own subkey.
std::array<unsigned char, crypto_secretbox_KEYBYTES> subkey(const std::array<unsigned char, 32>& master,
                                                             std::string_view context) {
  std::array<unsigned char, crypto_secretbox_KEYBYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(context.data()), context.size(),
                     master.data(), master.size());
  return out;
}

bool init_sodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

Result<SecretVault> create_key_file(const fs::path& key_file, std::array<unsigned char, 32>& key) {
  std::error_code ec;
  if (key_file.has_parent_path()) fs::create_directories(key_file.parent_path(), ec);
  if (ec) return make_error("master key " + key_file.string() + ": cannot create its directory: " + ec.message());
  randombytes_buf(key.data(), key.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, key.data(), key.size());
  int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return make_error("master key " + key_file.string() + ": cannot create: " + std::strerror(errno));
  std::string line = std::string(hex, 64) + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(hex, sizeof hex);
  if (!written) return make_error("master key " + key_file.string() + ": cannot write: " + std::strerror(errno));
  return SecretVault::from_key(key);
}

}  // namespace

SecretVault::SecretVault(SecretVault&&) noexcept = default;
SecretVault& SecretVault::operator=(SecretVault&&) noexcept = default;
SecretVault::~SecretVault() { sodium_memzero(key_.data(), key_.size()); }

SecretVault SecretVault::from_key(const std::array<unsigned char, kKeyBytes>& key) {
  init_sodium();
  SecretVault v;
  v.key_ = key;
  return v;
}

Result<SecretVault> SecretVault::open_or_create(const fs::path& key_file) {
  if (!init_sodium()) return make_error("libsodium failed to initialise");
  std::array<unsigned char, kKeyBytes> key{};
  struct stat st{};
  if (::stat(key_file.c_str(), &st) != 0) {
    if (errno != ENOENT) return make_error("master key " + key_file.string() + ": " + std::strerror(errno));
    auto created = create_key_file(key_file, key);
    sodium_memzero(key.data(), key.size());
    return created;
  }
  if (!S_ISREG(st.st_mode)) return make_error("master key " + key_file.string() + ": not a regular file");
  if (st.st_mode & 077) {
    return make_error("master key " + key_file.string() + " may be read by other users (mode " +
                      std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                      std::to_string(st.st_mode & 7) + "); run: chmod 600 " + key_file.string());
  }
  std::ifstream in(key_file);
  std::string hex;
  if (!in || !std::getline(in, hex)) return make_error("master key " + key_file.string() + ": cannot read");
  size_t decoded = 0;
  if (hex.size() != 64 ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &decoded, nullptr) != 0 ||
      decoded != key.size()) {
    sodium_memzero(hex.data(), hex.size());
    return make_error("master key " + key_file.string() +
                      ": expected 64 hexadecimal characters; restore the original file (secrets sealed with "
                      "another key cannot be read)");
  }
  sodium_memzero(hex.data(), hex.size());
  SecretVault v = from_key(key);
  sodium_memzero(key.data(), key.size());
  return v;
}

std::string SecretVault::seal(std::string_view plaintext, std::string_view context) const {
  auto k = subkey(key_, context);
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* buf = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), buf, k.data());
  sodium_memzero(k.data(), k.size());
  return out;
}

Result<std::string> SecretVault::open(std::string_view sealed, std::string_view context) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return make_error("sealed secret \"" + std::string(context) + "\" is too short to be valid");
  auto k = subkey(key_, context);
  const auto* buf = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  int rc = crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), buf + crypto_secretbox_NONCEBYTES,
                                      sealed.size() - crypto_secretbox_NONCEBYTES, buf, k.data());
  sodium_memzero(k.data(), k.size());
  if (rc != 0)
    return make_error("sealed secret \"" + std::string(context) +
                      "\" does not open with this master key (wrong key file, or the value was altered)");
  return out;
}

}  // namespace causeway
