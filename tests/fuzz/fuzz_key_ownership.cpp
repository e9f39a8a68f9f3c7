// libFuzzer target: the key-document + activity ownership check as one unit, as the inbox runs it.
// The input is up to three documents separated by a NUL byte: what the keyId's URL serves, what the
// claimed owner's id serves, and the activity. The fetcher serves them from a fixed host pair
// (first from where the keyId points, second from anywhere it is asked), with a final URL taken
// from a "final" member when the document has one, so redirects to other hosts are fuzzed too.
// Checked invariants: an accepted key is listed, with the same PEM, in a document whose id is its
// owner, fetched from the owner's own id (or served from exactly it) and from the owner's host.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/url.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/key_ownership.h"

namespace ap = causeway::activitypub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (std::size_t start = 0; parts.size() < 3;) {
    std::size_t end = input.find('\0', start);
    parts.emplace_back(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  while (parts.size() < 3) parts.emplace_back();

  const std::string key_id = "https://a.example/users/alice#main-key";
  struct Served {
    std::string url, final_url, body;
  };
  std::vector<Served> served;
  int calls = 0;
  ap::DocumentFetcher fetch = [&](const std::string& url) -> causeway::Result<ap::FetchedDocument> {
    if (calls >= 2) std::abort();  // at most the keyId's document and the owner's
    const std::string& body = parts[static_cast<std::size_t>(calls++)];
    std::string final_url = url;
    if (auto doc = ap::parse_as2(body)) final_url = ap::string_member(*doc, "final").empty() ? url : ap::string_member(*doc, "final");
    served.push_back({url, final_url, body});
    return ap::FetchedDocument{final_url, body};
  };
  auto key = ap::resolve_owned_key(key_id, fetch);
  if (!key) return 0;

  // The owner's word: some served document has the owner's id, came from the owner's host, lists the key.
  bool vouched = false;
  for (const auto& s : served) {
    auto doc = ap::parse_as2(s.body);
    if (!doc || ap::id_of(*doc).value_or("") != key->owner) continue;
    if (causeway::host_of_url(s.final_url) != causeway::host_of_url(key->owner)) continue;
    // Asked for at the owner's id (its host may redirect within itself), or served from exactly it.
    if (s.url.substr(0, s.url.find('#')) != key->owner && s.final_url.substr(0, s.final_url.find('#')) != key->owner)
      continue;
    auto keys = doc->find("publicKey");
    if (keys == doc->end()) continue;
    auto lists = [&](const nlohmann::json& k) {
      return k.is_object() && ap::string_member(k, "id") == key_id && ap::same_pem(ap::string_member(k, "publicKeyPem"), key->public_key_pem);
    };
    if (keys->is_array()) {
      for (const auto& k : *keys) vouched = vouched || lists(k);
    } else {
      vouched = vouched || lists(*keys);
    }
  }
  if (!vouched) std::abort();

  // The activity the key signed, read as the inbox reads it before comparing its actor to the owner.
  if (auto activity = ap::parse_as2(parts[2])) (void)ap::view_activity(*activity);
  return 0;
}
