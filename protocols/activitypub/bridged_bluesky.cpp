#include "protocols/activitypub/bridged_bluesky.h"

#include <algorithm>

namespace causeway::activitypub {
namespace {

// did:plc:<base32> or did:web:<host>, nothing else (no path, query or fragment).
bool is_plausible_did(std::string_view did) {
  if (!did.starts_with("did:plc:") && !did.starts_with("did:web:")) return false;
  std::string_view rest = did.substr(8);
  return !rest.empty() && rest.size() <= 2048 && std::all_of(rest.begin(), rest.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == ':' || c == '%';
  });
}

std::string_view drop_scheme(std::string_view url) {
  if (url.starts_with("https://")) return url.substr(8);
  if (url.starts_with("http://")) return url.substr(7);
  return {};
}

}  // namespace

std::optional<std::string> bridged_bluesky_did(std::string_view url) {
  std::string_view rest = drop_scheme(url);
  if (rest.starts_with("bsky.brid.gy/ap/")) {
    std::string_view did = rest.substr(16);
    return is_plausible_did(did) ? std::optional<std::string>(did) : std::nullopt;
  }
  if (rest.starts_with("bsky.brid.gy/r/")) rest = drop_scheme(rest.substr(15));
  if (!rest.starts_with("bsky.app/profile/")) return std::nullopt;
  std::string_view did = rest.substr(17);
  if (did.ends_with('/')) did.remove_suffix(1);
  return is_plausible_did(did) ? std::optional<std::string>(did) : std::nullopt;
}

}  // namespace causeway::activitypub
