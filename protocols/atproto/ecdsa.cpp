#include "protocols/atproto/ecdsa.h"

#include <algorithm>
#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <secp256k1.h>

namespace causeway::atproto {

namespace {

using Bytes32 = std::array<std::uint8_t, 32>;
using Compressed = std::array<std::uint8_t, PublicKey::kCompressedSize>;

// The order n of the P-256 group, and n/2: s above n/2 is the high-S half.
constexpr Bytes32 kP256Order = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr Bytes32 kP256HalfOrder = {0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
                                    0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8};

// n/2 of the K-256 group: the larger of the two curves' half orders (P-256's is below it).
constexpr Bytes32 kK256HalfOrder = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
                                    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

const std::uint8_t* data_of(std::string_view bytes) { return reinterpret_cast<const std::uint8_t*>(bytes.data()); }

std::string_view view_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// a < b for 32-byte big-endian numbers, which compare like byte strings.
bool less_than(const std::uint8_t* a, const std::uint8_t* b) {
  return std::lexicographical_compare(a, a + 32, b, b + 32);
}

bool is_zero(const std::uint8_t* a) {
  return std::all_of(a, a + 32, [](std::uint8_t b) { return b == 0; });
}

// s := n - s, for 0 < s < n.
void negate_mod_order(std::uint8_t* s, const Bytes32& order) {
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int diff = order[i] - s[i] - borrow;
    borrow = diff < 0;
    s[i] = static_cast<std::uint8_t>(diff + (borrow << 8));
  }
}

Bytes32 sha256(std::string_view message) {
  Bytes32 digest;
  SHA256(data_of(message), message.size(), digest.data());
  return digest;
}

// OpenSSL reports failures on a per-thread queue; leaving entries there would make unrelated later
// calls (TLS, for one) look as if they had failed.
Error openssl_error(const std::string& what) {
  char detail[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, detail, sizeof detail);
  ERR_clear_error();
  return make_error(what + ": " + detail);
}

// ---- K-256 (libsecp256k1) ----

// Created once and never changed after randomisation (which blinds signing against side channels),
// so every thread may share it: libsecp256k1 takes contexts by const pointer.
const secp256k1_context* k256_context() {
  static const secp256k1_context* const context = [] {
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    Bytes32 seed;
    // Blinding is hardening only: an unblinded context still signs and verifies correctly.
    if (RAND_bytes(seed.data(), seed.size()) != 1 || secp256k1_context_randomize(ctx, seed.data()) != 1)
      ERR_clear_error();
    return ctx;
  }();
  return context;
}

Compressed k256_serialize(const secp256k1_pubkey& key) {
  Compressed out;
  std::size_t size = out.size();
  secp256k1_ec_pubkey_serialize(k256_context(), out.data(), &size, &key, SECP256K1_EC_COMPRESSED);
  return out;
}

Result<Compressed> k256_compress(std::string_view point) {
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(k256_context(), &key, data_of(point), point.size()) != 1)
    return make_error("not a point on K-256");
  return k256_serialize(key);
}

Status k256_verify(const PublicKey& key, std::string_view message, const std::uint8_t* signature) {
  const secp256k1_context* ctx = k256_context();
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(ctx, &sig, signature) != 1)
    return make_error("signature r or s is not below the curve order");
  if (secp256k1_ecdsa_signature_normalize(ctx, nullptr, &sig) == 1)
    return make_error("signature is high-S (not canonical)");
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_parse(ctx, &pub, data_of(key.compressed()), PublicKey::kCompressedSize) != 1)
    return make_error("not a point on K-256");
  Bytes32 digest = sha256(message);
  if (secp256k1_ecdsa_verify(ctx, &sig, digest.data(), &pub) != 1)
    return make_error("signature does not match the message and K-256 key");
  return Status::success();
}

// ---- P-256 (OpenSSL) ----

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Freer<BIGNUM, BN_clear_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Freer<EC_GROUP, EC_GROUP_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Freer<EC_POINT, EC_POINT_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Freer<ECDSA_SIG, ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM, OSSL_PARAM_free>>;

Result<Compressed> p256_point_to_compressed(const EC_GROUP* group, const EC_POINT* point) {
  Compressed out;
  if (EC_POINT_point2oct(group, point, POINT_CONVERSION_COMPRESSED, out.data(), out.size(), nullptr) != out.size())
    return openssl_error("P-256 point encoding failed");
  return out;
}

Result<Compressed> p256_compress(std::string_view point) {
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!group) return openssl_error("P-256 group unavailable");
  PointPtr p(EC_POINT_new(group.get()));
  if (!p) return openssl_error("P-256 point allocation failed");
  // Decoding checks the point is on the curve (for compressed input, that x has a y).
  if (EC_POINT_oct2point(group.get(), p.get(), data_of(point), point.size(), nullptr) != 1) {
    ERR_clear_error();
    return make_error("not a point on P-256");
  }
  return p256_point_to_compressed(group.get(), p.get());
}

Result<Compressed> p256_public_from_secret(const Bytes32& secret) {
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnPtr scalar(BN_bin2bn(secret.data(), secret.size(), nullptr));
  if (!group || !scalar) return openssl_error("P-256 key setup failed");
  PointPtr p(EC_POINT_new(group.get()));
  if (!p || EC_POINT_mul(group.get(), p.get(), scalar.get(), nullptr, nullptr, nullptr) != 1)
    return openssl_error("P-256 public key derivation failed");
  return p256_point_to_compressed(group.get(), p.get());
}

Result<PkeyPtr> p256_pkey(OSSL_PARAM* params, int selection) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params) != 1)
    return openssl_error("P-256 key import failed");
  return PkeyPtr(pkey);
}

Result<PkeyPtr> p256_public_pkey(const PublicKey& key) {
  char group_name[] = "P-256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(key.compressed().data()),
                                        key.compressed().size()),
      OSSL_PARAM_construct_end()};
  return p256_pkey(params, EVP_PKEY_PUBLIC_KEY);
}

Result<PkeyPtr> p256_private_pkey(const Bytes32& secret, const PublicKey& key) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  BnPtr scalar(BN_bin2bn(secret.data(), secret.size(), nullptr));
  if (!bld || !scalar || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, key.compressed().data(),
                                       key.compressed().size()) != 1)
    return openssl_error("P-256 key setup failed");
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return openssl_error("P-256 key setup failed");
  return p256_pkey(params.get(), EVP_PKEY_KEYPAIR);
}

Result<std::string> p256_sign(const Bytes32& secret, const PublicKey& key, std::string_view message) {
  auto pkey = p256_private_pkey(secret, key);
  if (!pkey) return std::move(pkey).take_error();
  MdCtxPtr md(EVP_MD_CTX_new());
  std::array<std::uint8_t, 80> der;  // at most 72 bytes for P-256
  std::size_t der_size = der.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey->get()) != 1 ||
      EVP_DigestSign(md.get(), der.data(), &der_size, data_of(message), message.size()) != 1)
    return openssl_error("P-256 signing failed");
  const std::uint8_t* cursor = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_size)));
  if (!sig) return openssl_error("P-256 signing produced an unreadable signature");

  std::string out(kSignatureSize, '\0');
  auto* raw = reinterpret_cast<std::uint8_t*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32)
    return openssl_error("P-256 signature encoding failed");
  // OpenSSL picks whichever s the nonce gives; atproto accepts only the low one.
  if (less_than(kP256HalfOrder.data(), raw + 32)) negate_mod_order(raw + 32, kP256Order);
  return out;
}

Status p256_verify(const PublicKey& key, std::string_view message, const std::uint8_t* signature) {
  // OpenSSL accepts high-S signatures, so the atproto rule is checked here.
  if (less_than(kP256HalfOrder.data(), signature + 32)) return make_error("signature is high-S (not canonical)");

  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(signature, 32, nullptr);
  BIGNUM* s = BN_bin2bn(signature + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return openssl_error("P-256 signature setup failed");
  }
  std::array<std::uint8_t, 80> der;
  std::uint8_t* cursor = der.data();
  int der_size = i2d_ECDSA_SIG(sig.get(), &cursor);
  if (der_size <= 0) return openssl_error("P-256 signature encoding failed");

  auto pkey = p256_public_pkey(key);
  if (!pkey) return std::move(pkey).take_error();
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pkey->get()) != 1)
    return openssl_error("P-256 verification setup failed");
  int verdict =
      EVP_DigestVerify(md.get(), der.data(), static_cast<std::size_t>(der_size), data_of(message), message.size());
  ERR_clear_error();
  if (verdict != 1) return make_error("signature does not match the message and P-256 key");
  return Status::success();
}

Result<Compressed> public_from_secret(Curve curve, const Bytes32& secret) {
  bool in_range = false;
  if (curve == Curve::k256) {
    in_range = secp256k1_ec_seckey_verify(k256_context(), secret.data()) == 1;
  } else {
    in_range = !is_zero(secret.data()) && less_than(secret.data(), kP256Order.data());
  }
  if (!in_range)
    return make_error(std::string(curve_name(curve)) +
                      " private key is out of range (must be between 1 and the curve order - 1)");
  if (curve == Curve::p256) return p256_public_from_secret(secret);
  secp256k1_pubkey pub;
  if (secp256k1_ec_pubkey_create(k256_context(), &pub, secret.data()) != 1)
    return make_error("K-256 public key derivation failed");
  return k256_serialize(pub);
}

}  // namespace

std::string_view curve_name(Curve curve) { return curve == Curve::p256 ? "P-256" : "K-256"; }

Result<PublicKey> PublicKey::from_sec1(Curve curve, std::string_view point) {
  // Both libraries would also take the "hybrid" 0x06/0x07 form, which nothing in atproto uses.
  bool shaped = (point.size() == kCompressedSize && (point[0] == 0x02 || point[0] == 0x03)) ||
                (point.size() == kUncompressedSize && point[0] == 0x04);
  if (!shaped)
    return make_error(std::string(curve_name(curve)) + " public key must be 33 bytes starting 0x02/0x03 or 65 bytes " +
                      "starting 0x04, got " + std::to_string(point.size()) + " bytes");
  auto compressed = curve == Curve::k256 ? k256_compress(point) : p256_compress(point);
  if (!compressed) return std::move(compressed).take_error();
  return PublicKey(curve, *compressed);
}

Result<PrivateKey> PrivateKey::generate(Curve curve) {
  // A random 32-byte string is out of range with probability below 2^-32; retries are a formality.
  Error last = make_error("no attempt made");
  for (int attempt = 0; attempt < 8; ++attempt) {
    Bytes32 secret;
    if (RAND_priv_bytes(secret.data(), secret.size()) != 1) return openssl_error("random key generation failed");
    auto key = from_bytes(curve, view_of(secret.data(), secret.size()));
    OPENSSL_cleanse(secret.data(), secret.size());
    if (key) return key;
    last = std::move(key).take_error();
  }
  return make_error("random " + std::string(curve_name(curve)) + " key generation failed: " + last.message);
}

Result<PrivateKey> PrivateKey::from_bytes(Curve curve, std::string_view secret) {
  std::string name(curve_name(curve));
  if (secret.size() != kSecretSize)
    return make_error(name + " private key must be 32 bytes, got " + std::to_string(secret.size()));
  Bytes32 scalar;
  std::copy_n(data_of(secret), kSecretSize, scalar.begin());
  auto compressed = public_from_secret(curve, scalar);
  if (!compressed) {
    OPENSSL_cleanse(scalar.data(), scalar.size());
    return std::move(compressed).take_error();
  }
  PrivateKey key(scalar, PublicKey(curve, *compressed));
  OPENSSL_cleanse(scalar.data(), scalar.size());
  return key;
}

PrivateKey::~PrivateKey() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

std::string PrivateKey::to_bytes() const { return std::string(view_of(secret_.data(), secret_.size())); }

Result<std::string> sign(const PrivateKey& key, std::string_view message) {
  if (key.curve() == Curve::p256) return p256_sign(key.secret_, key.public_key(), message);
  Bytes32 digest = sha256(message);
  secp256k1_ecdsa_signature sig;
  // RFC 6979 nonces; libsecp256k1 always produces low-S.
  if (secp256k1_ecdsa_sign(k256_context(), &sig, digest.data(), key.secret_.data(), nullptr, nullptr) != 1)
    return make_error("K-256 signing failed");
  std::string out(kSignatureSize, '\0');
  secp256k1_ecdsa_signature_serialize_compact(k256_context(), reinterpret_cast<std::uint8_t*>(out.data()), &sig);
  return out;
}

Status verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (signature.size() != kSignatureSize) {
    std::string reason = "signature is " + std::to_string(signature.size()) + " bytes, expected 64 (raw r||s)";
    // A DER SEQUENCE of two 32-byte-ish INTEGERs is 8 to 72 bytes starting 0x30.
    if (!signature.empty() && signature[0] == 0x30 && signature.size() <= 72)
      reason += "; DER-encoded signatures are not accepted";
    return make_error(reason);
  }
  return key.curve() == Curve::k256 ? k256_verify(key, message, data_of(signature))
                                    : p256_verify(key, message, data_of(signature));
}

Status check_signature_form(std::string_view signature) {
  if (signature.size() != kSignatureSize)
    return make_error("signature is " + std::to_string(signature.size()) + " bytes, not a 64-byte r||s");
  const std::uint8_t* raw = data_of(signature);
  if (is_zero(raw) || is_zero(raw + 32)) return make_error("signature r or s is zero");
  if (less_than(kK256HalfOrder.data(), raw + 32)) return make_error("signature is high-S (not canonical)");
  return Status::success();
}

}  // namespace causeway::atproto
