// Who owns a signing key: only the owner's own document, served from the owner's own id, says so.
#include "protocols/activitypub/key_ownership.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>

#include "bridge/base/url.h"

namespace ap = causeway::activitypub;
using nlohmann::json;

namespace {

const std::string kPem = "-----BEGIN PUBLIC KEY-----\nAAAA\nBBBB\n-----END PUBLIC KEY-----\n";
const std::string kOtherPem = "-----BEGIN PUBLIC KEY-----\nCCCC\n-----END PUBLIC KEY-----\n";

json actor(const std::string& id, const std::string& pem, const std::string& key_id = "") {
  return {{"id", id},
          {"type", "Person"},
          {"inbox", id + "/inbox"},
          {"endpoints", {{"sharedInbox", "https://" + causeway::host_of_url(id) + "/inbox"}}},
          {"publicKey", {{"id", key_id.empty() ? id + "#main-key" : key_id}, {"owner", id}, {"publicKeyPem", pem}}}};
}

// Serves documents by URL; `redirects` maps a URL to where it was "finally" served from.
struct Web {
  std::map<std::string, std::string> pages;
  std::map<std::string, std::string> redirects;
  std::vector<std::string> asked;

  ap::DocumentFetcher fetcher() {
    return [this](const std::string& url) -> causeway::Result<ap::FetchedDocument> {
      asked.push_back(url);
      auto it = pages.find(url);
      if (it == pages.end()) return causeway::make_error(url + ": HTTP 404");
      auto r = redirects.find(url);
      return ap::FetchedDocument{r == redirects.end() ? url : r->second, it->second};
    };
  }
};

}  // namespace

TEST_CASE("a Mastodon key inside its actor's own document is the actor's, with one fetch", "[key ownership]") {
  Web web;
  web.pages["https://a.example/users/alice"] = actor("https://a.example/users/alice", kPem).dump();
  auto key = ap::resolve_owned_key("https://a.example/users/alice#main-key", web.fetcher());
  REQUIRE(key);
  CHECK(key->owner == "https://a.example/users/alice");
  CHECK(key->public_key_pem == kPem);
  CHECK(key->owner_inbox == "https://a.example/users/alice/inbox");
  CHECK(key->owner_shared_inbox == "https://a.example/inbox");
  CHECK(web.asked.size() == 1);
}

TEST_CASE("a key document on an attacker's server claiming a victim as owner is refused", "[key ownership]") {
  Web web;
  // The attacker's key names the victim; the victim's real document lists only its own key.
  web.pages["https://evil.example/key"] =
      json{{"id", "https://evil.example/key"}, {"owner", "https://victim.example/users/v"}, {"publicKeyPem", kPem}}.dump();
  web.pages["https://victim.example/users/v"] = actor("https://victim.example/users/v", kOtherPem).dump();
  auto key = ap::resolve_owned_key("https://evil.example/key", web.fetcher());
  REQUIRE_FALSE(key);
  CHECK(key.error().find("does not list it") != std::string::npos);
}

TEST_CASE("a separate key document is accepted when its owner lists that key id with the same PEM", "[key ownership]") {
  Web web;
  const std::string key_id = "https://g.example/users/bob/main-key";
  // GoToSocial style: the key lives at its own URL, the actor lists it (PEM re-wrapped).
  web.pages[key_id] = json{{"id", key_id}, {"owner", "https://g.example/users/bob"}, {"publicKeyPem", kPem}}.dump();
  std::string rewrapped = "-----BEGIN PUBLIC KEY-----\r\nAAAABBBB\r\n-----END PUBLIC KEY-----";
  web.pages["https://g.example/users/bob"] = actor("https://g.example/users/bob", rewrapped, key_id).dump();
  auto key = ap::resolve_owned_key(key_id, web.fetcher());
  REQUIRE(key);
  CHECK(key->owner == "https://g.example/users/bob");

  SECTION("but not when the owner lists another PEM under that id") {
    web.pages["https://g.example/users/bob"] = actor("https://g.example/users/bob", kOtherPem, key_id).dump();
    auto refused = ap::resolve_owned_key(key_id, web.fetcher());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().find("another PEM") != std::string::npos);
  }
}

TEST_CASE("a document at another URL of the owner's host that claims the owner's id is not the owner's word", "[key ownership]") {
  Web web;
  // An upload on the victim's server, posing as the victim's actor with the attacker's key.
  const std::string key_id = "https://victim.example/media/x.json#k";
  web.pages["https://victim.example/media/x.json"] = actor("https://victim.example/users/v", kPem, key_id).dump();
  web.pages["https://victim.example/users/v"] = actor("https://victim.example/users/v", kOtherPem).dump();
  auto key = ap::resolve_owned_key(key_id, web.fetcher());
  REQUIRE_FALSE(key);
  CHECK(web.asked.back() == "https://victim.example/users/v");
}

TEST_CASE("a document finally served from another host than its id is refused", "[key ownership]") {
  Web web;
  web.pages["https://a.example/users/alice"] = actor("https://a.example/users/alice", kPem).dump();
  web.redirects["https://a.example/users/alice"] = "https://evil.example/alice.json";
  auto key = ap::resolve_owned_key("https://a.example/users/alice#main-key", web.fetcher());
  REQUIRE_FALSE(key);
  CHECK(key.error().find("served from another host") != std::string::npos);
}

TEST_CASE("a key listed in an actor but naming another owner, or with no PEM, is refused", "[key ownership]") {
  Web web;
  json doc = actor("https://a.example/users/alice", kPem);
  doc["publicKey"]["owner"] = "https://victim.example/users/v";
  web.pages["https://a.example/users/alice"] = doc.dump();
  CHECK_FALSE(ap::resolve_owned_key("https://a.example/users/alice#main-key", web.fetcher()));
  doc = actor("https://a.example/users/alice", "");
  web.pages["https://a.example/users/alice"] = doc.dump();
  CHECK_FALSE(ap::resolve_owned_key("https://a.example/users/alice#main-key", web.fetcher()));
  CHECK_FALSE(ap::resolve_owned_key("https://a.example/users/alice#other-key", web.fetcher()));
}
