#include "protocols/activitypub/public_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

namespace causeway::activitypub {
namespace {

constexpr int kMinRsaBits = 1024;
constexpr int kMaxRsaBits = 8192;
constexpr std::size_t kEcdsaP256SignatureSize = 64;

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Freer<BIO, BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Freer<ECDSA_SIG, ECDSA_SIG_free>>;

// OpenSSL reports failures on a per-thread queue; leaving entries there would make unrelated later
// calls (TLS, for one) look as if they had failed.
Error openssl_error(const std::string& what) {
  char detail[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, detail, sizeof detail);
  ERR_clear_error();
  return make_error(what + ": " + detail);
}

Result<KeyType> classify(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) {
    int bits = EVP_PKEY_get_bits(key);
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
      return make_error("RSA key of " + std::to_string(bits) + " bits (accepted: " + std::to_string(kMinRsaBits) +
                        " to " + std::to_string(kMaxRsaBits) + ")");
    return EVP_PKEY_is_a(key, "RSA") ? KeyType::rsa : KeyType::rsa_pss;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = "";
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1 ||
        (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "P-256") != 0)) {
      ERR_clear_error();
      return make_error(std::string("EC key on curve \"") + group + "\" (only P-256 is accepted)");
    }
    return KeyType::ec_p256;
  }
  if (EVP_PKEY_is_a(key, "ED25519")) return KeyType::ed25519;
  return make_error(std::string("unsupported key type ") + EVP_PKEY_get0_type_name(key));
}

bool type_fits(KeyType type, SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::rsa_v1_5_sha256: return type == KeyType::rsa;
    case SignatureAlgorithm::rsa_pss_sha512: return type == KeyType::rsa || type == KeyType::rsa_pss;
    case SignatureAlgorithm::ecdsa_p256_sha256: return type == KeyType::ec_p256;
    case SignatureAlgorithm::ed25519: return type == KeyType::ed25519;
  }
  return false;
}

Error misfit(SignatureAlgorithm algorithm, KeyType type) {
  return make_error("algorithm " + std::string(algorithm_name(algorithm)) + " does not fit a " +
                    std::string(key_type_name(type)) + " key");
}

// One PEM block: its label and DER bytes. The DER is wiped when freed, as it may be a private key.
struct PemBlock {
  std::string label;
  std::string der;

  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  ~PemBlock() { OPENSSL_cleanse(der.data(), der.size()); }
};

Result<std::unique_ptr<PemBlock>> read_pem(std::string_view pem) {
  if (pem.size() > kMaxPemSize)
    return make_error("PEM of " + std::to_string(pem.size()) + " bytes exceeds " + std::to_string(kMaxPemSize));
  std::size_t begin = pem.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos || pem.substr(begin, 11) != "-----BEGIN ") return make_error("not a PEM block");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return openssl_error("PEM buffer");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) return openssl_error("PEM block unreadable");
  auto block = std::make_unique<PemBlock>();
  block->label = name;
  block->der.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
  bool has_header = header[0] != '\0';
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, static_cast<std::size_t>(length));
  if (has_header) return make_error("PEM block has headers (encrypted PEM is not accepted)");
  char rest[64];
  int n = 0;
  while ((n = BIO_read(bio.get(), rest, sizeof rest)) > 0)
    if (!std::all_of(rest, rest + n, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }))
      return make_error("text after the PEM block");
  ERR_clear_error();
  return block;
}

// Decodes DER with `decode`, which must consume all of it.
template <class Decode>
Result<PkeyPtr> decode_der(const std::string& der, const std::string& label, Decode decode) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  PkeyPtr key(decode(&p, static_cast<long>(der.size())));
  if (!key) return openssl_error("PEM " + label + " does not hold a valid key");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
    return make_error("PEM " + label + " has bytes after the key");
  return key;
}

Result<PkeyPtr> decode_public(const PemBlock& block) {
  if (block.label == "PUBLIC KEY")
    return decode_der(block.der, block.label,
                      [](const unsigned char** p, long n) { return d2i_PUBKEY(nullptr, p, n); });
  if (block.label == "RSA PUBLIC KEY")
    return decode_der(block.der, block.label,
                      [](const unsigned char** p, long n) { return d2i_PublicKey(EVP_PKEY_RSA, nullptr, p, n); });
  return make_error("PEM " + block.label + " is not a public key (expected PUBLIC KEY or RSA PUBLIC KEY)");
}

Result<PkeyPtr> decode_private(const PemBlock& block) {
  if (block.label == "PRIVATE KEY")
    return decode_der(block.der, block.label,
                      [](const unsigned char** p, long n) { return d2i_AutoPrivateKey(nullptr, p, n); });
  if (block.label == "RSA PRIVATE KEY")
    return decode_der(block.der, block.label,
                      [](const unsigned char** p, long n) { return d2i_PrivateKey(EVP_PKEY_RSA, nullptr, p, n); });
  if (block.label == "EC PRIVATE KEY")
    return decode_der(block.der, block.label,
                      [](const unsigned char** p, long n) { return d2i_PrivateKey(EVP_PKEY_EC, nullptr, p, n); });
  return make_error("PEM " + block.label + " is not an unencrypted private key");
}

Result<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (length <= 0) return openssl_error("PEM output");
  return std::string(data, static_cast<std::size_t>(length));
}

const EVP_MD* digest_of(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::rsa_v1_5_sha256:
    case SignatureAlgorithm::ecdsa_p256_sha256: return EVP_sha256();
    case SignatureAlgorithm::rsa_pss_sha512: return EVP_sha512();
    case SignatureAlgorithm::ed25519: return nullptr;  // EdDSA hashes internally
  }
  return nullptr;
}

// RFC 9421 section 3.3.1: RSASSA-PSS with SHA-512, MGF1 with SHA-512, and a 64-byte salt.
bool set_padding(EVP_PKEY_CTX* ctx, SignatureAlgorithm algorithm) {
  if (algorithm == SignatureAlgorithm::rsa_pss_sha512)
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha512()) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 64) == 1;
  if (algorithm == SignatureAlgorithm::rsa_v1_5_sha256)
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  return true;
}

// OpenSSL speaks DER ECDSA signatures; RFC 9421 uses the fixed-size r||s.
Result<std::string> ecdsa_raw_to_der(std::string_view raw) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return openssl_error("ECDSA signature conversion");
  }
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return openssl_error("ECDSA signature encoding");
  std::string der(static_cast<std::size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

Result<std::string> ecdsa_der_to_raw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return openssl_error("ECDSA signature decoding");
  std::string raw(kEcdsaP256SignatureSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32)
    return openssl_error("ECDSA signature conversion");
  return raw;
}

}  // namespace

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::rsa: return "rsa";
    case KeyType::rsa_pss: return "rsa-pss";
    case KeyType::ec_p256: return "ecdsa p-256";
    case KeyType::ed25519: return "ed25519";
  }
  return "unknown";
}

std::string_view algorithm_name(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::rsa_v1_5_sha256: return "rsa-v1_5-sha256";
    case SignatureAlgorithm::rsa_pss_sha512: return "rsa-pss-sha512";
    case SignatureAlgorithm::ecdsa_p256_sha256: return "ecdsa-p256-sha256";
    case SignatureAlgorithm::ed25519: return "ed25519";
  }
  return "unknown";
}

std::optional<SignatureAlgorithm> algorithm_named(std::string_view name) {
  for (auto a : {SignatureAlgorithm::rsa_v1_5_sha256, SignatureAlgorithm::rsa_pss_sha512,
                 SignatureAlgorithm::ecdsa_p256_sha256, SignatureAlgorithm::ed25519})
    if (algorithm_name(a) == name) return a;
  return std::nullopt;
}

EvpKey::EvpKey(evp_pkey_st* adopted) : key_(adopted, EVP_PKEY_free) {}

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  auto block = read_pem(pem);
  if (!block) return std::move(block).take_error();
  auto key = decode_public(**block);
  if (!key) return std::move(key).take_error();
  auto type = classify(key->get());
  if (!type) return std::move(type).take_error();
  return PublicKey(EvpKey(key->release()), *type);
}

bool PublicKey::fits(SignatureAlgorithm algorithm) const { return type_fits(type_, algorithm); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  auto block = read_pem(pem);
  if (!block) return std::move(block).take_error();
  auto key = decode_private(**block);
  if (!key) return std::move(key).take_error();
  auto type = classify(key->get());
  if (!type) return std::move(type).take_error();
  return PrivateKey(EvpKey(key->release()), *type);
}

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
  if (bits < 2048 || bits > kMaxRsaBits)
    return make_error("RSA key size " + std::to_string(bits) + " (generate 2048 to " + std::to_string(kMaxRsaBits) +
                      " bits)");
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (!key) return openssl_error("RSA key generation");
  return PrivateKey(EvpKey(key), KeyType::rsa);
}

Result<std::string> PrivateKey::to_pem() const {
  // Secure-heap memory is wiped when freed, so the only copy left is the caller's.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return openssl_error("private key PEM export");
  return bio_text(bio.get());
}

Result<std::string> PrivateKey::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return openssl_error("public key PEM export");
  return bio_text(bio.get());
}

Result<PublicKey> PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) return openssl_error("public key export");
  const unsigned char* p = der;
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, length));
  OPENSSL_free(der);
  if (!key) return openssl_error("public key import");
  return PublicKey(EvpKey(key.release()), type_);
}

Status verify_signature(const PublicKey& key, SignatureAlgorithm algorithm, std::string_view message,
                        std::string_view signature) {
  if (!key.fits(algorithm)) return misfit(algorithm, key.type());
  std::string der;
  if (algorithm == SignatureAlgorithm::ecdsa_p256_sha256) {
    if (signature.size() != kEcdsaP256SignatureSize)
      return make_error("ecdsa-p256-sha256 signature is " + std::to_string(signature.size()) +
                        " bytes, not the 64 of r||s");
    auto converted = ecdsa_raw_to_der(signature);
    if (!converted) return std::move(converted).take_error();
    der = std::move(*converted);
    signature = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, digest_of(algorithm), nullptr, key.evp()) != 1 ||
      !set_padding(pctx, algorithm))
    return openssl_error(std::string(algorithm_name(algorithm)) + " verification setup");
  int verified = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  if (verified != 1) return make_error(std::string(algorithm_name(algorithm)) + " signature does not verify");
  return Status::success();
}

Result<std::string> sign_message(const PrivateKey& key, SignatureAlgorithm algorithm, std::string_view message) {
  if (!type_fits(key.type(), algorithm)) return misfit(algorithm, key.type());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, digest_of(algorithm), nullptr, key.evp()) != 1 ||
      !set_padding(pctx, algorithm) || EVP_DigestSign(ctx.get(), nullptr, &length, data, message.size()) != 1)
    return openssl_error(std::string(algorithm_name(algorithm)) + " signing setup");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data, message.size()) != 1)
    return openssl_error(std::string(algorithm_name(algorithm)) + " signing");
  signature.resize(length);
  if (algorithm == SignatureAlgorithm::ecdsa_p256_sha256) return ecdsa_der_to_raw(signature);
  return signature;
}

}  // namespace causeway::activitypub
