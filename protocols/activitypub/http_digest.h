// Body digests in their two header forms: the legacy `Digest: SHA-256=<base64>` (RFC 3230) that
// Mastodon's draft-cavage signatures cover, and RFC 9530 `Content-Digest: sha-256=:<base64>:` that
// RFC 9421 signatures cover. SHA-256 and SHA-512 are checked; other algorithms are ignored.
#pragma once

#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway::activitypub {

enum class DigestField { digest, content_digest };
enum class DigestAlgorithm { sha256, sha512 };

// "Digest" or "Content-Digest", as messages and headers spell them.
std::string_view field_name(DigestField field);

// "SHA-256=<base64>", the value of a legacy Digest header for `body`.
std::string legacy_digest(std::string_view body);
// "sha-256=:<base64>:" (or sha-512), the value of a Content-Digest header for `body`.
std::string content_digest(std::string_view body, DigestAlgorithm algorithm);

// Whether `value`, the value of the `field` header, is a digest of `body`. Every SHA-256 and SHA-512
// digest it lists must match, and there must be at least one. Errors name the field and say why:
// "Digest does not match body", "Content-Digest names no sha-256 or sha-512 digest", malformed.
Status verify_digest(DigestField field, std::string_view value, std::string_view body);

}  // namespace causeway::activitypub
