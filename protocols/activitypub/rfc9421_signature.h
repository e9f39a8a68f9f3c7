// RFC 9421 HTTP Message Signatures for requests, as Mastodon 4.5 accepts them: parsing the
// Signature-Input and Signature fields, building signature bases, choosing the algorithm, and
// signing. The policy of what a valid inbox request must cover lives in signature_verifier.h.
// Only request components are supported: @status and the `req`, `sf`, `key`, `bs` and `tr`
// component parameters are refused with a message rather than guessed at.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/activitypub/http_request_view.h"
#include "protocols/activitypub/public_key.h"
#include "protocols/activitypub/structured_fields.h"

namespace causeway::activitypub {

inline constexpr std::size_t kMaxRfc9421FieldSize = 8 * 1024;
inline constexpr std::size_t kMaxRfc9421Components = 20;

struct Rfc9421Signature {
  std::string label;
  sf::InnerList input;    // the covered components and the signature parameters, as sent
  std::string signature;  // the decoded signature bytes
  // Parameters read out of `input` (checked for type): empty or nullopt when absent.
  std::string key_id;
  std::string algorithm;
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> expires;

  // Whether the component named `name` (e.g. "@method", "content-digest") is covered.
  bool covers(std::string_view name) const;
};

// Every signature in the Signature-Input field, in field order, each with its Signature entry.
// Fails when either field is malformed or over kMaxRfc9421FieldSize bytes, when a signature covers
// more than kMaxRfc9421Components components or one twice, or lacks its Signature entry.
Result<std::vector<Rfc9421Signature>> parse_rfc9421_signatures(std::string_view signature_input,
                                                               std::string_view signature);

// The signature base (RFC 9421 section 2.5): one `"component": value` line per covered component
// and the "@signature-params" line, joined by "\n" without a final one.
Result<std::string> rfc9421_signature_base(const HttpRequestView& request, const sf::InnerList& input);

// The algorithm of a signature whose alg parameter is `alg` (empty when absent), made with a key of
// `key` type. Without alg the key decides: rsa-v1_5-sha256 for RSA (as Mastodon signs),
// rsa-pss-sha512 for RSA-PSS, ecdsa-p256-sha256 for P-256, ed25519 for Ed25519.
Result<SignatureAlgorithm> rfc9421_algorithm(std::string_view alg, KeyType key);

struct Rfc9421Fields {
  std::string signature_input;  // the Signature-Input value, e.g. sig1=("@method" ...);created=...
  std::string signature;        // the Signature value, e.g. sig1=:<base64>:
};

// One signature labelled `label` over `components` of `request`, with created, keyid and alg
// parameters; the algorithm follows from the key as in rfc9421_algorithm.
Result<Rfc9421Fields> rfc9421_sign(const HttpRequestView& request, const std::vector<std::string>& components,
                                   const PrivateKey& key, std::string_view key_id, std::chrono::sys_seconds created,
                                   std::string_view label = "sig1");

// Signs an outgoing request as Mastodon 4.5 accepts: adds a Content-Digest (sha-256) when the
// request has content and none is present, then Signature-Input and Signature covering
// "@method" "@target-uri" "content-digest" (without content: "@method" "@target-uri").
Status sign_rfc9421(HttpRequestView& request, const PrivateKey& key, std::string_view key_id,
                    std::chrono::sys_seconds now);

}  // namespace causeway::activitypub
