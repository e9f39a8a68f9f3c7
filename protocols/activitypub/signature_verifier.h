// Deciding whether an incoming request is signed well enough to act on: the one entry point the
// inbox and authorized fetch use. It picks the scheme (RFC 9421 when Signature-Input is present,
// else draft-cavage from Signature or Authorization), then requires that the signature covers the
// method and target and the host, that its Date or created time is inside the window, that a
// request with content carries a covered digest matching its body, and that the signature verifies
// with the key the caller looks up. Every local check runs before the lookup, so a malformed or
// stale request never makes the caller fetch a key.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "bridge/base/result.h"
#include "protocols/activitypub/http_request_view.h"
#include "protocols/activitypub/public_key.h"

namespace causeway::activitypub {

enum class SignatureScheme { cavage, rfc9421 };

enum class SignatureFailure {
  none,
  no_signature,           // neither Signature-Input, Signature nor Authorization: Signature
  malformed,              // a signature field or a covered component cannot be read
  unsupported_algorithm,  // an algorithm this code does not verify, or one that does not fit the key
  incomplete_coverage,    // the method, target, host or time is not signed
  missing_digest,         // content without a Digest or Content-Digest header
  digest_not_covered,     // the digest header is there but the signature does not cover it
  digest_mismatch,        // the digest does not match the body, or cannot be checked
  wrong_authority,        // signed for another server: the covered host is not this server's
  expired,                // Date or created too old, or expires passed
  not_yet_valid,          // Date or created too far in the future
  key_unavailable,        // the key lookup failed
  invalid_signature,      // the signature does not verify with the key
};

// "digest_mismatch" and so on: stable names for metrics labels and logs.
const char* to_string(SignatureFailure failure);

struct SignatureVerdict {
  SignatureFailure failure = SignatureFailure::none;
  std::string message;                    // why it was rejected, for people; empty when verified
  std::string key_id;                     // the key the signature names, once read (set on failure too)
  std::optional<SignatureScheme> scheme;  // the scheme checked, once known

  bool ok() const { return failure == SignatureFailure::none; }
};

// How far a signature's time may be from now. Mastodon's window is the default; other servers
// use one hour each way.
struct SignatureWindow {
  std::chrono::seconds max_age = std::chrono::hours(12);
  std::chrono::seconds max_future = std::chrono::hours(1);
};

// Finds the public key for a keyId; fetching and caching are the caller's. An error is reported as
// key_unavailable with its message. Called at most once per verification.
using PublicKeyLookup = std::function<Result<PublicKey>(const std::string& key_id)>;

// Thread-safe when the lookup is: verify() changes nothing.
class HttpSignatureVerifier {
 public:
  // `expected_authority` ("bridge.example.org", "127.0.0.1:8480"): when set, a request whose Host
  // (and so its covered host, @authority or @target-uri) names another server is refused, as a
  // signature made for that server and replayed here.
  explicit HttpSignatureVerifier(PublicKeyLookup lookup, SignatureWindow window = {},
                                 std::string expected_authority = {})
      : lookup_(std::move(lookup)), window_(window), expected_authority_(std::move(expected_authority)) {}

  SignatureVerdict verify(const HttpRequestView& request, std::chrono::sys_seconds now) const;

 private:
  PublicKeyLookup lookup_;
  SignatureWindow window_;
  std::string expected_authority_;
};

}  // namespace causeway::activitypub
