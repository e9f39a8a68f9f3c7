// Proving who owns the key that signed a request. A key document's own `owner` field proves
// nothing: anyone can host a key that claims to be the victim's. A key is accepted only when the
// owner's actor document, fetched from the owner's own id, lists a `publicKey` with that key id and
// the same PEM. Every document must also come from its own origin: the URL it was finally served
// from (after redirects) is on the host of the `id` it claims.
//
// Pure apart from the fetch function the caller passes in (no store, clock or network of its own),
// so it is unit-tested and fuzzed with documents in memory. At most two documents are fetched: the
// keyId's document and, when that is not the owner's own, the owner's. Thread-safe.
#pragma once

#include <functional>
#include <string>

#include "bridge/base/result.h"

namespace causeway::activitypub {

// A document as fetched: the URL asked for, where it was finally served from, and its body.
struct FetchedDocument {
  std::string final_url;
  std::string body;
};

// Fetches an ActivityPub document (GET, status 200 only; anything else is an error naming why).
using DocumentFetcher = std::function<Result<FetchedDocument>(const std::string& url)>;

struct OwnedKey {
  std::string key_id;
  std::string owner;  // the actor whose own document lists the key
  std::string public_key_pem;
  // From the owner's document, read anyway: where to answer it (a Follow's Accept) without
  // fetching it again.
  std::string owner_inbox;
  std::string owner_shared_inbox;
};

// The key `key_id` with its proven owner, or why it cannot be trusted.
Result<OwnedKey> resolve_owned_key(const std::string& key_id, const DocumentFetcher& fetch);

// The same PEM text, ignoring line breaks and spaces (servers re-wrap PEM freely).
bool same_pem(const std::string& a, const std::string& b);

}  // namespace causeway::activitypub
