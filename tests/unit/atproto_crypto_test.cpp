#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/base/base64.h"
#include "protocols/atproto/base58.h"
#include "protocols/atproto/did_key.h"
#include "protocols/atproto/ecdsa.h"
#include "tests/support/fixtures.h"

using namespace causeway;
using namespace causeway::atproto;

namespace {

nlohmann::json read_crypto_fixture(const std::string& name) {
  std::ifstream in(testing::fixture_path("atproto-interop-tests/crypto/" + name));
  return nlohmann::json::parse(in);
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string from_base64(const std::string& text) {
  auto bytes = base64_decode(text);
  REQUIRE(bytes.ok());
  return *bytes;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// The group orders, big-endian. Kept independent of the library so the low-S checks below test it.
const std::string kP256Order = from_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const std::string kK256Order = from_hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

std::string order_of(Curve curve) { return curve == Curve::p256 ? kP256Order : kK256Order; }

// n - s for 32-byte big-endian s < n.
std::string order_minus(Curve curve, std::string_view s) {
  std::string order = order_of(curve), out(32, '\0');
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int diff = static_cast<unsigned char>(order[i]) - static_cast<unsigned char>(s[i]) - borrow;
    borrow = diff < 0;
    out[i] = static_cast<char>(diff + (borrow << 8));
  }
  return out;
}

// s <= n/2 exactly when s <= n - s (n is odd); std::string compares bytes as unsigned.
bool is_low_s(Curve curve, std::string_view signature) {
  auto s = signature.substr(32);
  return std::string(s) <= order_minus(curve, s);
}

std::string high_s_twin(Curve curve, std::string_view signature) {
  return std::string(signature.substr(0, 32)) + order_minus(curve, signature.substr(32));
}

std::string did_key_of_bytes(std::string_view bytes) { return "did:key:z" + base58_encode(bytes); }

const std::string kP256Codec = "\x80\x24";
const std::string kK256Codec = "\xe7\x01";
// The P-256 generator point, uncompressed; its y is odd, so compressed it starts 0x03.
const std::string kP256GeneratorX = from_hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
const std::string kP256GeneratorY = from_hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");

}  // namespace

TEST_CASE("every interop signature fixture verifies exactly as validSignature says", "[ecdsa][fixtures]") {
  auto cases = read_crypto_fixture("signature-fixtures.json");
  REQUIRE(cases.size() == 6);
  for (const auto& c : cases) {
    INFO(c["comment"].get<std::string>());
    auto did = c["publicKeyDid"].get<std::string>();
    auto key = parse_did_key(did);
    REQUIRE(key.ok());
    CHECK(key->curve() == (c["algorithm"] == "ES256" ? Curve::p256 : Curve::k256));
    CHECK(to_did_key(*key) == did);

    // The fixtures carry the legacy DID document form: the bare compressed point, curve by type.
    auto from_document =
        parse_verification_method_key(c["didDocSuite"].get<std::string>(), c["publicKeyMultibase"].get<std::string>());
    REQUIRE(from_document.ok());
    CHECK(*from_document == *key);

    auto message = from_base64(c["messageBase64"].get<std::string>());
    auto signature = from_base64(c["signatureBase64"].get<std::string>());
    Status verdict = verify(*key, message, signature);
    CHECK(verdict.ok() == c["validSignature"].get<bool>());
    CHECK(verify_with_did_key(did, message, signature).ok() == c["validSignature"].get<bool>());
    for (const auto& tag : c["tags"]) {
      if (tag == "high-s") CHECK(verdict.error() == "signature is high-S (not canonical)");
      if (tag == "der-encoded") CHECK(contains(verdict.error(), "DER-encoded signatures are not accepted"));
    }
  }
}

TEST_CASE("w3c did:key vectors derive from their private keys", "[did_key][fixtures]") {
  std::vector<std::tuple<Curve, std::string, std::string>> vectors;  // curve, secret, did:key
  for (const auto& v : read_crypto_fixture("w3c_didkey_P256.json")) {
    auto secret = base58_decode(v["privateKeyBytesBase58"].get<std::string>());
    REQUIRE(secret.ok());
    vectors.emplace_back(Curve::p256, *secret, v["publicDidKey"].get<std::string>());
  }
  for (const auto& v : read_crypto_fixture("w3c_didkey_K256.json"))
    vectors.emplace_back(Curve::k256, from_hex(v["privateKeyBytesHex"].get<std::string>()),
                         v["publicDidKey"].get<std::string>());
  REQUIRE(vectors.size() == 6);

  for (const auto& [curve, secret, did] : vectors) {
    INFO(did);
    auto key = PrivateKey::from_bytes(curve, secret);
    REQUIRE(key.ok());
    CHECK(to_did_key(key->public_key()) == did);
    CHECK(to_multikey(key->public_key()) == did.substr(8));
    auto parsed = parse_did_key(did);
    REQUIRE(parsed.ok());
    CHECK(*parsed == key->public_key());
    CHECK(key->to_bytes() == secret);

    auto signature = sign(*key, "signed by a w3c vector key");
    REQUIRE(signature.ok());
    CHECK(verify_with_did_key(did, "signed by a w3c vector key", *signature).ok());
  }
}

TEST_CASE("signatures made here are 64-byte low-S and verify", "[ecdsa]") {
  std::mt19937 rng(20240521);
  for (Curve curve : {Curve::p256, Curve::k256}) {
    INFO(curve_name(curve));
    auto key = PrivateKey::generate(curve);
    REQUIRE(key.ok());
    int failures = 0;
    // OpenSSL's raw P-256 signatures are high-S about half the time, so 300 messages exercise the
    // normalisation many times over.
    for (int i = 0; i < 300; ++i) {
      std::string message(std::uniform_int_distribution<int>(0, 512)(rng), '\0');
      for (auto& ch : message) ch = static_cast<char>(rng());
      auto signature = sign(*key, message);
      bool good = signature.ok() && signature->size() == kSignatureSize && is_low_s(curve, *signature) &&
                  verify(key->public_key(), message, *signature).ok() &&
                  verify(key->public_key(), message, high_s_twin(curve, *signature)).error() ==
                      "signature is high-S (not canonical)";
      if (!good) ++failures;
    }
    CHECK(failures == 0);
  }
}

TEST_CASE("a changed message, signature or key does not verify", "[ecdsa]") {
  for (Curve curve : {Curve::p256, Curve::k256}) {
    INFO(curve_name(curve));
    auto key = PrivateKey::generate(curve);
    auto other = PrivateKey::generate(curve);
    REQUIRE(key.ok());
    REQUIRE(other.ok());
    const std::string message = "at://did:plc:example/app.bsky.feed.post/3k";
    auto signature = sign(*key, message);
    REQUIRE(signature.ok());
    REQUIRE(verify(key->public_key(), message, *signature).ok());

    std::string changed_message = message;
    changed_message[5] ^= 0x01;
    CHECK(contains(verify(key->public_key(), changed_message, *signature).error(), "does not match"));
    CHECK_FALSE(verify(key->public_key(), message + " ", *signature).ok());
    CHECK_FALSE(verify(other->public_key(), message, *signature).ok());

    std::string changed_r = *signature;
    changed_r[7] ^= 0x10;
    CHECK_FALSE(verify(key->public_key(), message, changed_r).ok());
    std::string changed_s = *signature;
    changed_s[63] ^= 0x01;  // stays low-S, so this is a plain mismatch
    CHECK(contains(verify(key->public_key(), message, changed_s).error(), "does not match"));

    CHECK(verify(key->public_key(), message, signature->substr(0, 63)).error() ==
          "signature is 63 bytes, expected 64 (raw r||s)");
    CHECK_FALSE(verify(key->public_key(), message, *signature + '\0').ok());
    CHECK_FALSE(verify(key->public_key(), message, "").ok());
    CHECK_FALSE(verify(key->public_key(), message, std::string(64, '\0')).ok());
    // r equal to the group order is out of range, not merely wrong.
    CHECK_FALSE(verify(key->public_key(), message, order_of(curve) + signature->substr(32)).ok());
  }
}

TEST_CASE("private keys are range-checked and round-trip as raw bytes", "[ecdsa]") {
  for (Curve curve : {Curve::p256, Curve::k256}) {
    INFO(curve_name(curve));
    auto key = PrivateKey::generate(curve);
    REQUIRE(key.ok());
    CHECK(key->curve() == curve);
    auto again = PrivateKey::from_bytes(curve, key->to_bytes());
    REQUIRE(again.ok());
    CHECK(again->public_key() == key->public_key());
    CHECK(again->public_key().compressed().size() == PublicKey::kCompressedSize);

    std::string below_order = order_of(curve);
    below_order[31] = static_cast<char>(below_order[31] - 1);
    CHECK(PrivateKey::from_bytes(curve, below_order).ok());
    auto at_order = PrivateKey::from_bytes(curve, order_of(curve));
    REQUIRE_FALSE(at_order.ok());
    CHECK(contains(at_order.error(), "out of range"));
    CHECK_FALSE(contains(at_order.error(), "ffffffff"));
    CHECK(contains(PrivateKey::from_bytes(curve, std::string(32, '\0')).error(), "out of range"));
    CHECK(contains(PrivateKey::from_bytes(curve, std::string(31, '\x01')).error(), "must be 32 bytes, got 31"));
  }
}

TEST_CASE("base58btc encodes the bitcoin alphabet and rejects anything else", "[base58]") {
  CHECK(base58_encode("") == "");
  CHECK(base58_encode("Hello World!") == "2NEpo7TZRRrLZSi2U");
  CHECK(base58_encode(from_hex("0000287fb4cd")) == "11233QC4");
  CHECK(base58_encode("The quick brown fox jumps over the lazy dog.") ==
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z");
  CHECK(*base58_decode("11233QC4") == from_hex("0000287fb4cd"));
  CHECK(*base58_decode("111") == std::string(3, '\0'));

  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(std::uniform_int_distribution<int>(0, 6)(rng), '\0');  // leading zeros
    bytes.resize(bytes.size() + std::uniform_int_distribution<int>(0, 70)(rng));
    for (std::size_t j = bytes.size() / 2; j < bytes.size(); ++j) bytes[j] = static_cast<char>(rng());
    auto back = base58_decode(base58_encode(bytes));
    REQUIRE(back.ok());
    CHECK(*back == bytes);
  }

  CHECK(base58_decode("2NEpo0TZ").error() == "invalid base58 character '0' at offset 5");
  for (std::string bad : {"O", "I", "l", "+", " ", "abc=", "\xc3\xa9"}) CHECK_FALSE(base58_decode(bad).ok());
  CHECK(contains(base58_decode("ab\ncd").error(), "byte 0x0a at offset 2"));
  CHECK(base58_decode(std::string(kBase58MaxTextLength, 'z')).ok());
  CHECK(contains(base58_decode(std::string(kBase58MaxTextLength + 1, 'z')).error(), "more than the 256 allowed"));
}

TEST_CASE("malformed did:keys are rejected with a reason", "[did_key]") {
  const std::string x_of_one = std::string(31, '\0') + '\x01';   // x = 1 is not on P-256
  const std::string x_of_five = std::string(31, '\0') + '\x05';  // x = 5 is not on K-256
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "does not start with did:key:"},
      {"did:plc:ewvi7nxzyoun6zhxrhs64oiz", "does not start with did:key:"},
      {"did:key:", "it is empty"},
      {"did:key:Q3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "multibase prefix 'Q' is not 'z'"},
      {"did:key:z", "too short for a key"},
      {"did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBmO", "invalid base58 character 'O' at offset 47"},
      {"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "unsupported key type (multicodec bytes 0xed 0x01)"},
      {did_key_of_bytes(kK256Codec + '\x02' + std::string(31, '\x07')), "32 bytes after the multicodec, expected 33"},
      {did_key_of_bytes(kP256Codec + '\x04' + kP256GeneratorX + kP256GeneratorY), "the key is uncompressed"},
      {did_key_of_bytes(kP256Codec + '\x05' + kP256GeneratorX), "33 bytes starting 0x02/0x03"},
      {did_key_of_bytes(kP256Codec + '\x02' + x_of_one), "not a point on P-256"},
      {did_key_of_bytes(kK256Codec + '\x03' + x_of_five), "not a point on K-256"},
      {did_key_of_bytes(kK256Codec + '\x02' + std::string(32, '\xff')), "not a point on K-256"},  // x >= p
      {"did:key:z" + std::string(10000, '2'), "more than the 256 allowed"},
  };
  for (const auto& [did, reason] : cases) {
    INFO(did.substr(0, 120));
    auto key = parse_did_key(did);
    REQUIRE_FALSE(key.ok());
    CHECK(contains(key.error(), reason));
    CHECK(key.error().size() < 400);
    CHECK_FALSE(verify_with_did_key(did, "message", std::string(64, '\x01')).ok());
  }
  CHECK(parse_did_key("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").error() ==
        "\"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\" is not a valid did:key: unsupported key type "
        "(multicodec bytes 0xed 0x01); atproto uses P-256 (0x80 0x24) and K-256 (0xe7 0x01)");
}

TEST_CASE("DID document verification method keys, current and legacy", "[did_key]") {
  auto generator = PublicKey::from_sec1(Curve::p256, '\x03' + kP256GeneratorX);
  REQUIRE(generator.ok());
  CHECK(PublicKey::from_sec1(Curve::p256, '\x04' + kP256GeneratorX + kP256GeneratorY).value() == *generator);

  auto multikey = to_multikey(*generator);
  CHECK(parse_verification_method_key("Multikey", multikey).value() == *generator);
  CHECK(parse_multikey(multikey).value() == *generator);

  // Legacy keys may be uncompressed; they come back compressed, so equal keys compare equal.
  auto uncompressed = "z" + base58_encode('\x04' + kP256GeneratorX + kP256GeneratorY);
  CHECK(parse_verification_method_key("EcdsaSecp256r1VerificationKey2019", uncompressed).value() == *generator);

  std::string off_curve_y = kP256GeneratorY;
  off_curve_y[31] = static_cast<char>(off_curve_y[31] + 1);
  auto off_curve = parse_verification_method_key("EcdsaSecp256r1VerificationKey2019",
                                                 "z" + base58_encode('\x04' + kP256GeneratorX + off_curve_y));
  REQUIRE_FALSE(off_curve.ok());
  CHECK(contains(off_curve.error(), "not a point on P-256"));
  // The same bytes on the other curve are not a K-256 point either.
  CHECK_FALSE(parse_verification_method_key("EcdsaSecp256k1VerificationKey2019", uncompressed).ok());
  CHECK(contains(parse_verification_method_key("JsonWebKey2020", multikey).error(), "is not supported"));
  CHECK(contains(parse_verification_method_key("Multikey", "u" + multikey.substr(1)).error(),
                 "multibase prefix 'u' is not 'z'"));
}
