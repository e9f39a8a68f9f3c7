#include "protocols/activitypub/http_digest.h"

#include <openssl/evp.h>

#include <optional>
#include <vector>

#include "bridge/base/base64.h"
#include "protocols/activitypub/http_request_view.h"
#include "protocols/activitypub/structured_fields.h"

namespace causeway::activitypub {
namespace {

// A digest header lists a handful of algorithms at most; more is not a real sender.
constexpr std::size_t kMaxDigestEntries = 16;
constexpr std::size_t kMaxDigestFieldSize = 8 * 1024;

std::string hash(std::string_view body, DigestAlgorithm algorithm) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), out, &size, algorithm == DigestAlgorithm::sha256 ? EVP_sha256() : EVP_sha512(),
             nullptr);
  return std::string(reinterpret_cast<const char*>(out), size);
}

struct ListedDigest {
  DigestAlgorithm algorithm;
  std::string bytes;
};

std::optional<DigestAlgorithm> algorithm_named(std::string_view name) {
  if (equals_ignoring_case(name, "sha-256")) return DigestAlgorithm::sha256;
  if (equals_ignoring_case(name, "sha-512")) return DigestAlgorithm::sha512;
  return std::nullopt;
}

// RFC 3230: "alg=<base64>" entries separated by commas; algorithm names are case-insensitive.
Result<std::vector<ListedDigest>> parse_legacy(std::string_view value) {
  std::vector<ListedDigest> out;
  std::size_t entries = 0;
  while (true) {
    std::size_t comma = value.find(',');
    std::string_view entry = trim_ows(value.substr(0, comma));
    if (++entries > kMaxDigestEntries) return make_error("more than " + std::to_string(kMaxDigestEntries) + " entries");
    std::size_t eq = entry.find('=');
    if (eq == 0 || eq == std::string_view::npos) return make_error("entry is not ALGORITHM=BASE64");
    if (auto algorithm = algorithm_named(entry.substr(0, eq))) {
      auto bytes = base64_decode(entry.substr(eq + 1));
      if (!bytes) return make_error(std::string(entry.substr(0, eq)) + " value is not base64");
      out.push_back({*algorithm, std::move(*bytes)});
    }
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

// RFC 9530: a structured-field dictionary of byte sequences keyed by lowercase algorithm names.
Result<std::vector<ListedDigest>> parse_content_digest(std::string_view value) {
  auto dict = sf::parse_dictionary(value);
  if (!dict) return std::move(dict).take_error();
  std::vector<ListedDigest> out;
  for (const auto& member : *dict) {
    auto algorithm = algorithm_named(member.key);
    if (!algorithm) continue;
    if (member.is_inner_list || member.item.value.type != sf::BareItem::Type::byte_sequence)
      return make_error(member.key + " is not a byte sequence (:base64:)");
    out.push_back({*algorithm, member.item.value.text});
  }
  return out;
}

}  // namespace

std::string_view field_name(DigestField field) { return field == DigestField::digest ? "Digest" : "Content-Digest"; }

std::string legacy_digest(std::string_view body) {
  return "SHA-256=" + base64_encode(hash(body, DigestAlgorithm::sha256), true);
}

std::string content_digest(std::string_view body, DigestAlgorithm algorithm) {
  return std::string(algorithm == DigestAlgorithm::sha256 ? "sha-256" : "sha-512") +
         "=:" + base64_encode(hash(body, algorithm), true) + ":";
}

Status verify_digest(DigestField field, std::string_view value, std::string_view body) {
  std::string name(field_name(field));
  if (value.size() > kMaxDigestFieldSize)
    return make_error(name + " is malformed: longer than " + std::to_string(kMaxDigestFieldSize) + " bytes");
  auto listed = field == DigestField::digest ? parse_legacy(value) : parse_content_digest(value);
  if (!listed) return make_error(name + " is malformed: " + listed.error());
  if (listed->empty()) return make_error(name + " names no sha-256 or sha-512 digest");
  for (const auto& d : *listed)
    if (d.bytes != hash(body, d.algorithm)) return make_error(name + " does not match body");
  return Status::success();
}

}  // namespace causeway::activitypub
