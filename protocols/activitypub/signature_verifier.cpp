#include "protocols/activitypub/signature_verifier.h"

#include <algorithm>

#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/http_digest.h"
#include "protocols/activitypub/rfc9421_signature.h"

namespace causeway::activitypub {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

// What both schemes reduce to once their own rules are checked: bytes signed and the signature.
struct SignedText {
  std::string text;
  std::string signature;
  std::string algorithm;  // as the request names it; empty when it does not
};

std::nullopt_t reject(SignatureVerdict& verdict, SignatureFailure failure, std::string message) {
  verdict.failure = failure;
  verdict.message = std::move(message);
  return std::nullopt;
}

// "13h", "2h30m", "45m", "20s": how far a time is from now, for messages.
std::string describe(seconds d) {
  auto s = d.count();
  if (s >= 3600) {
    std::string out = std::to_string(s / 3600) + "h";
    return s % 3600 >= 60 ? out + std::to_string(s % 3600 / 60) + "m" : out;
  }
  if (s >= 60) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

bool time_in_window(SignatureVerdict& verdict, const std::string& what, sys_seconds time, sys_seconds now,
                    const SignatureWindow& window) {
  if (now - time > window.max_age) {
    reject(verdict, SignatureFailure::expired, "signature expired: " + what + " is " + describe(now - time) + " old");
    return false;
  }
  if (time - now > window.max_future) {
    reject(verdict, SignatureFailure::not_yet_valid,
           "signature not yet valid: " + what + " is " + describe(time - now) + " in the future");
    return false;
  }
  return true;
}

bool not_past_expiry(SignatureVerdict& verdict, const std::optional<std::int64_t>& expires, sys_seconds now) {
  if (!expires || sys_seconds(seconds(*expires)) >= now) return true;
  reject(verdict, SignatureFailure::expired,
         "signature expired: expires was " + describe(now - sys_seconds(seconds(*expires))) + " ago");
  return false;
}

// A request with content needs a digest the signature covers and that matches the body; a covered
// digest is checked even without content. Content-Digest is preferred when both are covered.
bool digest_checked(SignatureVerdict& verdict, const HttpRequestView& request, bool covers_content_digest,
                    bool covers_digest) {
  std::optional<DigestField> field;
  if (covers_content_digest && request.has_header("Content-Digest"))
    field = DigestField::content_digest;
  else if (covers_digest && request.has_header("Digest"))
    field = DigestField::digest;
  if (!field) {
    if (!request.has_content()) return true;
    if (request.has_header("Content-Digest") || request.has_header("Digest")) {
      reject(verdict, SignatureFailure::digest_not_covered,
             std::string(request.has_header("Content-Digest") ? "Content-Digest" : "Digest") +
                 " is not covered by the signature");
    } else if (covers_content_digest || covers_digest) {
      reject(verdict, SignatureFailure::missing_digest,
             std::string(covers_content_digest ? "Content-Digest" : "Digest") + " is covered but absent");
    } else {
      reject(verdict, SignatureFailure::missing_digest, request.method + " without a Digest or Content-Digest header");
    }
    return false;
  }
  std::string value = *request.combined_header(field_name(*field));
  if (Status s = verify_digest(*field, value, request.body); !s.ok()) {
    reject(verdict, SignatureFailure::digest_mismatch, s.error());
    return false;
  }
  return true;
}

// The Authorization value of the Signature scheme, if any: a request may also carry, say, Bearer.
std::optional<std::string_view> signature_authorization(const HttpRequestView& request) {
  for (std::string_view value : request.header_values("Authorization"))
    if (equals_ignoring_case(value.substr(0, 10), "Signature ")) return value;
  return std::nullopt;
}

std::optional<SignedText> check_cavage(SignatureVerdict& verdict, const HttpRequestView& request, sys_seconds now,
                                       const SignatureWindow& window) {
  verdict.scheme = SignatureScheme::cavage;
  auto signatures = request.header_values("Signature");
  if (signatures.size() > 1) return reject(verdict, SignatureFailure::malformed, "more than one Signature header");
  auto parsed = signatures.empty() ? parse_cavage_authorization(*signature_authorization(request))
                                   : parse_cavage_signature(signatures.front());
  if (!parsed)
    return reject(verdict, SignatureFailure::malformed,
                  std::string(signatures.empty() ? "Authorization" : "Signature") + " header: " + parsed.error());
  const CavageSignature& sig = *parsed;
  verdict.key_id = sig.key_id;

  if (!sig.algorithm.empty() && sig.algorithm != "rsa-sha256" && sig.algorithm != "hs2019")
    return reject(verdict, SignatureFailure::unsupported_algorithm, "unsupported algorithm " + sig.algorithm);
  auto covers = [&](std::string_view name) {
    return std::find(sig.headers.begin(), sig.headers.end(), name) != sig.headers.end();
  };
  for (const char* required : {"(request-target)", "host"})
    if (!covers(required))
      return reject(verdict, SignatureFailure::incomplete_coverage,
                    std::string("signature does not cover ") + required);
  if (!covers("date") && !covers("(created)"))
    return reject(verdict, SignatureFailure::incomplete_coverage, "signature covers neither date nor (created)");

  if (covers("date")) {
    auto date = request.combined_header("Date");
    if (!date) return reject(verdict, SignatureFailure::malformed, "covered header date is absent");
    auto time = parse_http_date(*date);
    if (!time) return reject(verdict, SignatureFailure::malformed, time.error());
    if (!time_in_window(verdict, "Date", *time, now, window)) return std::nullopt;
  }
  if (covers("(created)") && sig.created &&
      !time_in_window(verdict, "created", sys_seconds(seconds(*sig.created)), now, window))
    return std::nullopt;
  if (!not_past_expiry(verdict, sig.expires, now)) return std::nullopt;
  if (!digest_checked(verdict, request, covers("content-digest"), covers("digest"))) return std::nullopt;

  auto text = cavage_signing_string(request, sig);
  if (!text) return reject(verdict, SignatureFailure::malformed, text.error());
  return SignedText{std::move(*text), sig.signature, sig.algorithm};
}

std::optional<SignedText> check_rfc9421(SignatureVerdict& verdict, const HttpRequestView& request, sys_seconds now,
                                        const SignatureWindow& window) {
  verdict.scheme = SignatureScheme::rfc9421;
  auto input = request.combined_header("Signature-Input");
  auto value = request.combined_header("Signature");
  if (!value) return reject(verdict, SignatureFailure::malformed, "Signature-Input without a Signature header");
  auto parsed = parse_rfc9421_signatures(*input, *value);
  if (!parsed) return reject(verdict, SignatureFailure::malformed, parsed.error());
  // A request carries its sender's signature first; later ones would be intermediaries'.
  const Rfc9421Signature& sig = parsed->front();
  if (sig.key_id.empty())
    return reject(verdict, SignatureFailure::malformed, "signature " + sig.label + " has no keyid parameter");
  verdict.key_id = sig.key_id;

  if (!sig.algorithm.empty() && !algorithm_named(sig.algorithm))
    return reject(verdict, SignatureFailure::unsupported_algorithm, "unsupported algorithm " + sig.algorithm);
  if (!sig.covers("@method"))
    return reject(verdict, SignatureFailure::incomplete_coverage, "signature does not cover @method");
  if (!sig.covers("@target-uri") && !sig.covers("@request-target") && !sig.covers("@path"))
    return reject(verdict, SignatureFailure::incomplete_coverage,
                  "signature covers none of @target-uri, @request-target, @path");
  if (!sig.covers("@target-uri") && !sig.covers("@authority") && !sig.covers("host"))
    return reject(verdict, SignatureFailure::incomplete_coverage,
                  "signature covers none of @target-uri, @authority, host");
  if (!sig.created) return reject(verdict, SignatureFailure::incomplete_coverage, "signature has no created parameter");
  if (!time_in_window(verdict, "created", sys_seconds(seconds(*sig.created)), now, window)) return std::nullopt;
  if (!not_past_expiry(verdict, sig.expires, now)) return std::nullopt;
  if (!digest_checked(verdict, request, sig.covers("content-digest"), sig.covers("digest"))) return std::nullopt;

  auto base = rfc9421_signature_base(request, sig.input);
  if (!base) return reject(verdict, SignatureFailure::malformed, base.error());
  return SignedText{std::move(*base), sig.signature, sig.algorithm};
}

// "host:443" over https is "host": a sender may or may not write the default port.
std::string normal_authority(std::string_view authority, std::string_view scheme) {
  std::string a = ascii_lowercase(trim_ows(authority));
  std::string_view default_port = equals_ignoring_case(scheme, "http") ? ":80" : ":443";
  if (a.size() > default_port.size() && a.compare(a.size() - default_port.size(), default_port.size(), default_port) == 0)
    a.resize(a.size() - default_port.size());
  return a;
}

// The signed host parts all come from the request's authority and its Host fields: each must be ours.
bool authority_is(SignatureVerdict& verdict, const HttpRequestView& request, const std::string& expected) {
  std::string want = normal_authority(expected, request.scheme);
  bool ok = normal_authority(request.authority, request.scheme) == want;
  for (std::string_view host : request.header_values("Host")) ok = ok && normal_authority(host, request.scheme) == want;
  if (!ok) reject(verdict, SignatureFailure::wrong_authority, "signed for " + request.authority + ", not for " + expected);
  return ok;
}

}  // namespace

const char* to_string(SignatureFailure failure) {
  switch (failure) {
    case SignatureFailure::none: return "none";
    case SignatureFailure::no_signature: return "no_signature";
    case SignatureFailure::malformed: return "malformed";
    case SignatureFailure::unsupported_algorithm: return "unsupported_algorithm";
    case SignatureFailure::incomplete_coverage: return "incomplete_coverage";
    case SignatureFailure::missing_digest: return "missing_digest";
    case SignatureFailure::digest_not_covered: return "digest_not_covered";
    case SignatureFailure::digest_mismatch: return "digest_mismatch";
    case SignatureFailure::wrong_authority: return "wrong_authority";
    case SignatureFailure::expired: return "expired";
    case SignatureFailure::not_yet_valid: return "not_yet_valid";
    case SignatureFailure::key_unavailable: return "key_unavailable";
    case SignatureFailure::invalid_signature: return "invalid_signature";
  }
  return "unknown";
}

SignatureVerdict HttpSignatureVerifier::verify(const HttpRequestView& request, sys_seconds now) const {
  SignatureVerdict verdict;
  std::optional<SignedText> signed_text;
  if (request.has_header("Signature-Input")) {
    signed_text = check_rfc9421(verdict, request, now, window_);
  } else if (request.has_header("Signature") || signature_authorization(request)) {
    signed_text = check_cavage(verdict, request, now, window_);
  } else {
    reject(verdict, SignatureFailure::no_signature, "no signature");
  }
  if (!signed_text) return verdict;
  if (!expected_authority_.empty() && !authority_is(verdict, request, expected_authority_)) return verdict;

  auto key = lookup_(verdict.key_id);
  if (!key) {
    reject(verdict, SignatureFailure::key_unavailable, "key " + verdict.key_id + ": " + key.error());
    return verdict;
  }
  auto algorithm = verdict.scheme == SignatureScheme::cavage ? cavage_algorithm(signed_text->algorithm, key->type())
                                                             : rfc9421_algorithm(signed_text->algorithm, key->type());
  if (!algorithm) {
    reject(verdict, SignatureFailure::unsupported_algorithm, algorithm.error());
    return verdict;
  }
  if (Status s = verify_signature(*key, *algorithm, signed_text->text, signed_text->signature); !s.ok())
    reject(verdict, SignatureFailure::invalid_signature, s.error() + " with key " + verdict.key_id);
  return verdict;
}

}  // namespace causeway::activitypub
