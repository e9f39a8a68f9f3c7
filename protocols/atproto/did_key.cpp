#include "protocols/atproto/did_key.h"

#include "bridge/base/utf8.h"
#include "protocols/atproto/base58.h"

namespace causeway::atproto {

namespace {

constexpr std::string_view kDidKeyPrefix = "did:key:";
constexpr std::string_view kP256Codec = "\x80\x24";  // varint of multicodec p256-pub, 0x1200
constexpr std::string_view kK256Codec = "\xe7\x01";  // varint of multicodec secp256k1-pub, 0xe7

// Inputs come from the network and may be long garbage; messages quote a readable prefix.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 100;
  if (text.size() <= kShown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(utf8_prefix(text, kShown)) + "...\" (" + std::to_string(text.size()) + " characters)";
}

std::string hex_bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (!out.empty()) out += ' ';
    out += "0x";
    out += kHex[u >> 4];
    out += kHex[u & 0xf];
  }
  return out;
}

Result<std::string> decode_base58btc_multibase(std::string_view multibase) {
  if (multibase.empty()) return make_error("it is empty");
  if (multibase[0] != 'z')
    return make_error("multibase prefix '" + std::string(1, multibase[0]) + "' is not 'z' (base58btc)");
  return base58_decode(multibase.substr(1));
}

Result<PublicKey> decode_multikey(std::string_view multibase) {
  auto bytes = decode_base58btc_multibase(multibase);
  if (!bytes) return std::move(bytes).take_error();
  std::string_view decoded = *bytes;
  if (decoded.size() < kP256Codec.size())
    return make_error("it decodes to " + std::to_string(decoded.size()) + " bytes, too short for a key");
  Curve curve;
  if (decoded.starts_with(kP256Codec)) {
    curve = Curve::p256;
  } else if (decoded.starts_with(kK256Codec)) {
    curve = Curve::k256;
  } else {
    return make_error("unsupported key type (multicodec bytes " + hex_bytes(decoded.substr(0, 2)) +
                      "); atproto uses P-256 (0x80 0x24) and K-256 (0xe7 0x01)");
  }
  std::string_view point = decoded.substr(kP256Codec.size());
  if (point.size() == PublicKey::kUncompressedSize && point[0] == 0x04)
    return make_error("the key is uncompressed; atproto uses the 33-byte compressed point");
  if (point.size() != PublicKey::kCompressedSize)
    return make_error("the key is " + std::to_string(point.size()) + " bytes after the multicodec, expected 33");
  return PublicKey::from_sec1(curve, point);
}

}  // namespace

std::string to_did_key(const PublicKey& key) { return std::string(kDidKeyPrefix) + to_multikey(key); }

Result<PublicKey> parse_did_key(std::string_view did) {
  if (!did.starts_with(kDidKeyPrefix))
    return make_error(quoted(did) + " is not a did:key: it does not start with did:key:");
  auto key = decode_multikey(did.substr(kDidKeyPrefix.size()));
  if (!key) return make_error(quoted(did) + " is not a valid did:key: " + key.error());
  return key;
}

std::string to_multikey(const PublicKey& key) {
  std::string bytes(key.curve() == Curve::p256 ? kP256Codec : kK256Codec);
  bytes += key.compressed();
  return "z" + base58_encode(bytes);
}

Result<PublicKey> parse_multikey(std::string_view multibase) {
  auto key = decode_multikey(multibase);
  if (!key) return make_error(quoted(multibase) + " is not a valid multikey: " + key.error());
  return key;
}

Result<PublicKey> parse_verification_method_key(std::string_view type, std::string_view public_key_multibase) {
  if (type == "Multikey") return parse_multikey(public_key_multibase);
  Curve curve;
  if (type == "EcdsaSecp256r1VerificationKey2019") {
    curve = Curve::p256;
  } else if (type == "EcdsaSecp256k1VerificationKey2019") {
    curve = Curve::k256;
  } else {
    return make_error("verification method type " + quoted(type) +
                      " is not supported; atproto uses Multikey, EcdsaSecp256r1VerificationKey2019 or "
                      "EcdsaSecp256k1VerificationKey2019");
  }
  auto bytes = decode_base58btc_multibase(public_key_multibase);
  Result<PublicKey> key =
      bytes ? PublicKey::from_sec1(curve, *bytes) : Result<PublicKey>(std::move(bytes).take_error());
  if (!key)
    return make_error("publicKeyMultibase " + quoted(public_key_multibase) + " of type " + std::string(type) +
                      " is not a valid key: " + key.error());
  return key;
}

Status verify_with_did_key(std::string_view did, std::string_view message, std::string_view signature) {
  auto key = parse_did_key(did);
  if (!key) return std::move(key).take_error();
  return verify(*key, message, signature);
}

}  // namespace causeway::atproto
