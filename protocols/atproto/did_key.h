// Public keys as text: did:key, and publicKeyMultibase in DID document verification methods.
//
// A did:key is "did:key:" + a multikey; a multikey is 'z' (multibase base58btc) + base58 of the
// multicodec varint (0x80 0x24 for P-256, 0xE7 0x01 for K-256) + the 33-byte compressed point.
// Parsing checks the point is on its curve, so a parsed key is usable as is.
#pragma once

#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "protocols/atproto/ecdsa.h"

namespace causeway::atproto {

// "did:key:z..."
std::string to_did_key(const PublicKey& key);
// Only the compressed form: atproto did:keys are compared as strings, so each key has one.
Result<PublicKey> parse_did_key(std::string_view did);

// The multikey alone ("z..."), as in a verification method of type "Multikey".
std::string to_multikey(const PublicKey& key);
Result<PublicKey> parse_multikey(std::string_view multibase);

// The key of a DID document verification method, from its `type` and `publicKeyMultibase`.
// "Multikey" holds a multikey. The legacy types "EcdsaSecp256r1VerificationKey2019" (P-256) and
// "EcdsaSecp256k1VerificationKey2019" (K-256) hold 'z' + base58 of the bare point, compressed or
// uncompressed, with the curve given by the type. Other types are rejected.
Result<PublicKey> parse_verification_method_key(std::string_view type, std::string_view public_key_multibase);

// verify() with a key given as a did:key; a malformed did:key fails with the reason.
Status verify_with_did_key(std::string_view did, std::string_view message, std::string_view signature);

}  // namespace causeway::atproto
