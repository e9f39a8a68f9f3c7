#include "protocols/activitypub/key_ownership.h"

#include <nlohmann/json.hpp>

#include "bridge/base/url.h"
#include "protocols/activitypub/as2.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

std::string without_fragment(const std::string& url) { return url.substr(0, url.find('#')); }

struct Document {
  std::string id;
  std::string served_from;  // the final URL, after redirects
  json body;
};

// Fetches `url` and checks that the document is what its origin says: parsable, with an id, served
// from the host of that id.
Result<Document> fetch_document(const std::string& url, const DocumentFetcher& fetch) {
  auto fetched = fetch(url);
  if (!fetched) return Error{fetched.error()};
  auto body = parse_as2(fetched->body);
  if (!body) return make_error(url + ": " + body.error());
  auto id = id_of(*body);
  if (!id || id->empty()) return make_error(url + ": the document has no id");
  std::string served_from = fetched->final_url.empty() ? url : fetched->final_url;
  std::string host = host_of_url(served_from);
  if (host.empty() || host != host_of_url(*id))
    return make_error(url + ": the document " + *id + " was served from another host (" + host + ")");
  return Document{*id, served_from, std::move(*body)};
}

// The entry for `key_id` in a document's `publicKey` (one object or a list), or null.
const json* listed_key(const json& doc, const std::string& key_id) {
  auto keys = doc.find("publicKey");
  if (keys == doc.end()) return nullptr;
  auto matches = [&](const json& k) { return k.is_object() && string_member(k, "id") == key_id; };
  if (keys->is_array()) {
    for (const auto& k : *keys)
      if (matches(k)) return &k;
    return nullptr;
  }
  return matches(*keys) ? &*keys : nullptr;
}

OwnedKey owned(const std::string& key_id, const Document& owner, const std::string& pem) {
  OwnedKey key{key_id, owner.id, pem, string_member(owner.body, "inbox"), ""};
  if (auto endpoints = owner.body.find("endpoints"); endpoints != owner.body.end() && endpoints->is_object())
    key.owner_shared_inbox = string_member(*endpoints, "sharedInbox");
  return key;
}

}  // namespace

bool same_pem(const std::string& a, const std::string& b) {
  auto squeeze = [](const std::string& s) {
    std::string out;
    for (char c : s)
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') out.push_back(c);
    return out;
  };
  return squeeze(a) == squeeze(b);
}

Result<OwnedKey> resolve_owned_key(const std::string& key_id, const DocumentFetcher& fetch) {
  if (key_id.empty()) return make_error("empty keyId");
  auto first = fetch_document(without_fragment(key_id), fetch);
  if (!first) return Error{"key " + key_id + ": " + first.error()};

  // The keyId names either the key itself ({id, owner, publicKeyPem}) or a key inside an actor.
  std::string claimed_owner;
  std::string pem;
  if (first->id == key_id && first->body.contains("publicKeyPem")) {
    pem = string_member(first->body, "publicKeyPem");
    claimed_owner = first->body.contains("owner") ? id_of(first->body["owner"]).value_or("") : "";
  } else if (const json* entry = listed_key(first->body, key_id)) {
    pem = string_member(*entry, "publicKeyPem");
    claimed_owner = entry->contains("owner") ? id_of((*entry)["owner"]).value_or("") : first->id;
    if (claimed_owner != first->id)
      return make_error("key " + key_id + ": listed in " + first->id + " but says its owner is " + claimed_owner);
  } else {
    return make_error("key " + key_id + ": the document " + first->id + " holds no such key");
  }
  if (pem.empty()) return make_error("key " + key_id + ": no publicKeyPem");
  if (claimed_owner.empty()) return make_error("key " + key_id + ": names no owner");

  // The owner's word is what counts: its own document, from its own id, must list this key. When
  // the keyId already led to that document (Mastodon's "<actor>#main-key"), it has been read. A
  // document at another URL of the same host that merely claims the owner's id (an upload, say) is
  // not the owner's word: the owner's id is fetched then.
  if (first->id == claimed_owner && without_fragment(first->served_from) == claimed_owner &&
      listed_key(first->body, key_id))
    return owned(key_id, *first, pem);
  auto owner = fetch_document(claimed_owner, fetch);
  if (!owner) return Error{"key " + key_id + ": its owner: " + owner.error()};
  if (owner->id != claimed_owner)
    return make_error("key " + key_id + ": the owner " + claimed_owner + " answered as " + owner->id);
  const json* entry = listed_key(owner->body, key_id);
  if (!entry) return make_error("key " + key_id + ": its claimed owner " + claimed_owner + " does not list it");
  if (!same_pem(string_member(*entry, "publicKeyPem"), pem))
    return make_error("key " + key_id + ": its claimed owner " + claimed_owner + " lists another PEM for it");
  return owned(key_id, *owner, pem);
}

}  // namespace causeway::activitypub
