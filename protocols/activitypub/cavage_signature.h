// HTTP signatures as Mastodon and most of the fediverse use them: draft-cavage-http-signatures-12,
// RSASSA-PKCS1-v1_5 with SHA-256 over a signing string of "name: value" lines. This file parses the
// `Signature` (or `Authorization: Signature ...`) header, builds signing strings, and signs; the
// policy of what a valid inbox request must cover lives in signature_verifier.h.
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

namespace causeway::activitypub {

inline constexpr std::size_t kMaxSignatureHeaderSize = 8 * 1024;
inline constexpr std::size_t kMaxCoveredHeaders = 20;

struct CavageSignature {
  std::string key_id;
  std::string algorithm;                // lowercased; empty when absent, which Mastodon treats as hs2019
  std::vector<std::string> headers;     // covered names, lowercased; {"date"} when headers= is absent
  std::optional<std::int64_t> created;  // (created) and (expires): integer Unix times only
  std::optional<std::int64_t> expires;
  std::string signature;  // the decoded signature bytes
};

// The value of a Signature header: comma-separated name="value" parameters. Requires keyId and
// signature; unknown parameters are skipped, repeated ones are an error. At most
// kMaxSignatureHeaderSize bytes and kMaxCoveredHeaders covered headers.
Result<CavageSignature> parse_cavage_signature(std::string_view value);
// The value of an Authorization header of the form "Signature <parameters>".
Result<CavageSignature> parse_cavage_authorization(std::string_view value);

// The string that was signed: for each covered name a "name: value" line, joined by "\n".
// (request-target) is the lowercased method and the target; repeated headers are joined by ", ";
// `host` falls back to the request's authority when there is no Host header (HTTP/2).
Result<std::string> cavage_signing_string(const HttpRequestView& request, const CavageSignature& signature);

// What `algorithm` means with a key of `key` type. rsa-sha256, and hs2019 or no algorithm with an
// RSA key, are RSASSA-PKCS1-v1_5 SHA-256, as in Mastodon; everything else is unsupported, e.g.
// "unsupported algorithm hs2019 with ed25519 key".
Result<SignatureAlgorithm> cavage_algorithm(std::string_view algorithm, KeyType key);

// A Signature header value (keyId, algorithm="rsa-sha256", headers, signature) over the `headers`
// of `request`, signed with the RSA `key`.
Result<std::string> cavage_signature_header(const HttpRequestView& request, const std::vector<std::string>& headers,
                                            const PrivateKey& key, std::string_view key_id);

// Signs an outgoing request the way Mastodon expects: adds Host (from the authority) and Date (from
// `now`) when missing and, when there is a body, a Digest of it; then a Signature header covering
// "(request-target) host date digest" for a body, "(request-target) host date" without one.
Status sign_cavage(HttpRequestView& request, const PrivateKey& key, std::string_view key_id,
                   std::chrono::sys_seconds now);

// HTTP dates in RFC 9110's IMF-fixdate form, "Sun, 06 Nov 1994 08:49:37 GMT", the only form
// signature Date headers are sent in.
std::string format_http_date(std::chrono::sys_seconds time);
Result<std::chrono::sys_seconds> parse_http_date(std::string_view text);

}  // namespace causeway::activitypub
