// The XRPC client and the identity resolver against a real Bluesky PDS and PLC directory
// (tests/peers/pds-peer.mjs), on loopback: what the bridge writes is what the PDS accepts.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "protocols/atproto/identity_resolver.h"
#include "protocols/atproto/tid.h"
#include "protocols/atproto/xrpc_client.h"
#include "tests/support/pds_peer.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;
using causeway::testing::PdsPeer;
using nlohmann::json;

namespace {

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The bridge's side: a store, a vault and the guarded HTTP client (loopback allowed, as in tests).
struct Bridge {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  SecretVault vault = SecretVault::from_key(std::array<unsigned char, SecretVault::kKeyBytes>{1, 2, 3});
  HttpClient http{OutboundPolicy{true}, "causeway-test"};

  XrpcClient client(
      const std::string& pds,
      XrpcClient::Sleep sleep = [](std::chrono::microseconds d) { std::this_thread::sleep_for(d); }) {
    return XrpcClient(pds, http, *store, vault, now_us, std::move(sleep));
  }
};

template <class T>
std::string why(const XrpcResult<T>& r) {
  return r.ok() ? "" : r.error().describe();
}
std::string why(const XrpcStatus& s) { return s.ok() ? "" : s.error().describe(); }

// The UTF-8 byte range of `needle` in `text`, as facets index it.
json byte_range(const std::string& text, const std::string& needle) {
  auto start = text.find(needle);
  REQUIRE(start != std::string::npos);
  return {{"byteStart", start}, {"byteEnd", start + needle.size()}};
}

json strong_ref(const StrongRef& ref) { return {{"uri", ref.uri}, {"cid", ref.cid}}; }

std::string rkey_of(const std::string& uri) { return uri.substr(uri.rfind('/') + 1); }

// A 1x1 PNG.
const std::string kPng = [] {
  const unsigned char bytes[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
                                 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
                                 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
                                 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
                                 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}();

}  // namespace

TEST_CASE("an app password logs in, and posts with facets, replies and images are written, updated, deleted", "[pds]") {
  PdsPeer peer;
  auto alice = peer.create_account("alice");
  auto bob = peer.create_account("bob");
  Bridge bridge;
  XrpcClient client = bridge.client(peer.url());
  auto login = client.login(alice.handle, alice.app_password);
  INFO(why(login));
  REQUIRE(login.ok());
  CHECK(client.did() == alice.did);
  CHECK(client.handle() == alice.handle);

  // Multi-byte text before, inside and after the facets: offsets count UTF-8 bytes.
  const std::string text = "Grüße an @bob.test — siehe https://example.com/straße #café 🎉";
  json facets = json::array({
      {{"index", byte_range(text, "@bob.test")},
       {"features", {{{"$type", "app.bsky.richtext.facet#mention"}, {"did", bob.did}}}}},
      {{"index", byte_range(text, "https://example.com/straße")},
       {"features", {{{"$type", "app.bsky.richtext.facet#link"}, {"uri", "https://example.com/stra%C3%9Fe"}}}}},
      {{"index", byte_range(text, "#café")},
       {"features", {{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", "café"}}}}},
  });
  CHECK(facets[0]["index"] == json{{"byteStart", 11}, {"byteEnd", 20}});  // 9 code points, 11 bytes before
  json post = {{"$type", "app.bsky.feed.post"},
               {"text", text},
               {"langs", {"de"}},
               {"facets", facets},
               {"createdAt", "2026-01-02T03:04:05.000Z"}};
  TidGenerator tids(7, now_us);
  std::string rkey = tids.next().to_string();
  auto root = client.create_record("app.bsky.feed.post", post, rkey);
  INFO(why(root));
  REQUIRE(root.ok());
  CHECK(root->uri == "at://" + alice.did + "/app.bsky.feed.post/" + rkey);

  auto stored = client.get_record("app.bsky.feed.post", rkey);
  REQUIRE(stored.ok());
  CHECK(stored->cid == root->cid);
  CHECK(stored->value["text"] == text);
  CHECK(stored->value["facets"] == facets);

  // A retry (the first answer was lost) collides with the record it wrote: same CID, success.
  auto retried = client.create_record("app.bsky.feed.post", post, rkey);
  INFO(why(retried));
  REQUIRE(retried.ok());
  CHECK(retried->cid == root->cid);
  json other = post;
  other["text"] = "something else";
  other.erase("facets");
  auto clash = client.create_record("app.bsky.feed.post", other, rkey);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().kind == XrpcError::Kind::conflict);
  CHECK(clash.error().detail.find("already holds another record (CID " + root->cid) != std::string::npos);

  json reply_post = {{"$type", "app.bsky.feed.post"},
                     {"text", "Antwort ✔"},
                     {"reply", {{"root", strong_ref(*root)}, {"parent", strong_ref(*root)}}},
                     {"createdAt", "2026-01-02T03:05:00.000Z"}};
  auto reply = client.create_record("app.bsky.feed.post", reply_post);
  INFO(why(reply));
  REQUIRE(reply.ok());

  auto blob = client.upload_blob(kPng, "image/png");
  INFO(why(blob));
  REQUIRE(blob.ok());
  CHECK((*blob)["$type"] == "blob");
  CHECK((*blob)["mimeType"] == "image/png");
  CHECK((*blob)["size"] == kPng.size());
  json image_post = {
      {"$type", "app.bsky.feed.post"},
      {"text", "ein Pixel"},
      {"embed",
       {{"$type", "app.bsky.embed.images"},
        {"images", {{{"alt", "one pixel"}, {"image", *blob}, {"aspectRatio", {{"width", 1}, {"height", 1}}}}}}}},
      {"createdAt", "2026-01-02T03:06:00.000Z"}};
  auto image = client.create_record("app.bsky.feed.post", image_post);
  INFO(why(image));
  REQUIRE(image.ok());
  auto image_stored = client.get_record("app.bsky.feed.post", rkey_of(image->uri));
  REQUIRE(image_stored.ok());
  std::string blob_cid = (*blob)["ref"]["$link"];
  CHECK(image_stored->value["embed"]["images"][0]["image"]["ref"]["$link"] == blob_cid);
  auto fetched = client.get_blob(alice.did, blob_cid);
  INFO(why(fetched));
  REQUIRE(fetched.ok());
  CHECK(*fetched == kPng);

  auto profile = client.put_record("app.bsky.actor.profile", "self", {{"displayName", "Alice"}});
  INFO(why(profile));
  REQUIRE(profile.ok());
  auto renamed = client.put_record("app.bsky.actor.profile", "self", {{"displayName", "Alice Ü"}});
  REQUIRE(renamed.ok());
  CHECK(renamed->cid != profile->cid);
  CHECK(client.get_record("app.bsky.actor.profile", "self")->value["displayName"] == "Alice Ü");

  std::set<std::string> listed;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    auto page = client.list_records("app.bsky.feed.post", 2, cursor);
    INFO(why(page));
    REQUIRE(page.ok());
    for (const auto& r : page->records) listed.insert(r.uri);
    cursor = page->cursor;
    ++pages;
  } while (cursor && pages < 10);
  CHECK(listed == std::set<std::string>{root->uri, reply->uri, image->uri});
  CHECK(pages >= 2);

  auto repo = client.describe_repo();
  REQUIRE(repo.ok());
  CHECK((*repo)["did"] == alice.did);
  CHECK((*repo)["handle"] == alice.handle);
  CHECK((*repo)["handleIsCorrect"] == true);

  auto deleted = client.delete_record("app.bsky.feed.post", rkey_of(reply->uri));
  INFO(why(deleted));
  REQUIRE(deleted.ok());
  auto gone = client.get_record("app.bsky.feed.post", rkey_of(reply->uri));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().kind == XrpcError::Kind::not_found);
  CHECK(gone.error().error == "RecordNotFound");

  auto invalid = client.create_record("app.bsky.feed.post", {{"text", 42}, {"createdAt", "2026-01-02T03:04:05Z"}});
  REQUIRE_FALSE(invalid.ok());
  CHECK(invalid.error().kind == XrpcError::Kind::invalid);
  CHECK(invalid.error().http_status == 400);
  CHECK(invalid.error().error == "InvalidRequest");
  CHECK(invalid.error().message.find("text") != std::string::npos);

  // A figure, not an assertion: sequential createRecord round trips through the whole client.
  const int n = 50;
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = client.create_record("app.bsky.feed.post",
                                  {{"text", "n" + std::to_string(i)}, {"createdAt", "2026-01-02T03:04:05Z"}},
                                  tids.next().to_string());
    REQUIRE(r.ok());
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("atproto_pds_test: %d createRecord round trips in %.2f s (%.0f/s)\n", n, secs, n / secs);
}

TEST_CASE("a handle and its did:plc resolve through the PDS and the PLC, verified both ways", "[pds][identity]") {
  PdsPeer peer;
  auto alice = peer.create_account("alice");
  Bridge bridge;
  IdentityOptions options;
  options.plc_url = peer.plc_url();
  options.handle_service_url = peer.url();
  IdentityResolver resolver(*bridge.store, bridge.http, OutboundPolicy{true}, now_us, options);

  auto by_handle = resolver.resolve(alice.handle);
  INFO((by_handle.ok() ? "" : by_handle.error()));
  REQUIRE(by_handle.ok());
  CHECK(by_handle->did == alice.did);
  CHECK(by_handle->handle == alice.handle);
  CHECK(by_handle->handle_verified);
  CHECK(by_handle->document.pds_endpoint == peer.url());
  CHECK(by_handle->document.signing_key.has_value());

  auto by_did = resolver.resolve(alice.did);
  REQUIRE(by_did.ok());
  CHECK(by_did->handle_verified);

  // A handle change: a new PLC operation, announced on the firehose as #identity.
  peer.post("com.atproto.identity.updateHandle", {{"handle", "alice2.test"}}, alice.access_jwt);
  REQUIRE(resolver.resolve(alice.did)->handle == alice.handle);  // still cached
  REQUIRE(resolver.invalidate(alice.did).ok());
  auto moved = resolver.resolve(alice.did);
  REQUIRE(moved.ok());
  CHECK(moved->handle == "alice2.test");
  CHECK(moved->handle_verified);

  auto nobody = resolver.resolve("nobody.test");
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().find("handle nobody.test does not resolve: ") == 0);
}

// Slow by nature: the PDS's shortest rate-limit window is 5 minutes, and the test waits it out.
TEST_CASE("with the PDS's rate limits on, a 429 is waited out as Retry-After asks", "[pds][rate-limits]") {
  PdsPeer peer(true);
  auto alice = peer.create_account("alice");

  // Spend alice's 30 logins per 5 minutes from this address, as another client of hers would.
  httplib::Client raw(peer.url());
  std::string headers_seen;
  for (int i = 0; i < 40 && headers_seen.empty(); ++i) {
    auto res =
        raw.Post("/xrpc/com.atproto.server.createSession",
                 json{{"identifier", alice.handle}, {"password", alice.app_password}}.dump(), "application/json");
    REQUIRE(res);
    if (res->status == 429)
      for (const char* h :
           {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"})
        headers_seen += std::string(h) + ": " + res->get_header_value(h) + "; ";
  }
  REQUIRE_FALSE(headers_seen.empty());
  std::printf("atproto_pds_test: 429 from createSession: %s\n", headers_seen.c_str());

  Bridge bridge;
  std::vector<std::chrono::microseconds> waits;
  XrpcClient client = bridge.client(peer.url(), [&](std::chrono::microseconds d) {
    waits.push_back(d);
    std::this_thread::sleep_for(d);
  });
  auto started = std::chrono::steady_clock::now();
  auto login = client.login(alice.handle, alice.app_password);
  auto took = std::chrono::steady_clock::now() - started;
  INFO(why(login));
  REQUIRE(login.ok());
  REQUIRE(waits.size() == 1);
  CHECK(waits[0] > std::chrono::seconds(200));
  CHECK(waits[0] <= std::chrono::seconds(301));
  CHECK(took >= waits[0]);
  std::printf("atproto_pds_test: login waited %.1f s for the createSession window\n",
              std::chrono::duration<double>(waits[0]).count());
  auto created =
      client.create_record("app.bsky.feed.post", {{"text", "after the wait"}, {"createdAt", "2026-01-02T03:04:05Z"}});
  INFO(why(created));
  CHECK(created.ok());
}
