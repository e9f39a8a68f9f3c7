// The XRPC client and the identity resolver against small in-process fakes of a PDS, a PLC
// directory and a handle service on 127.0.0.1. Time is a fake clock that the injected sleep
// advances, so rate-limit waits are asserted, not slept. (Against the real PDS: atproto_pds_test.)
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "bridge/base/base64.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/identity_resolver.h"
#include "protocols/atproto/rate_limiter.h"
#include "protocols/atproto/xrpc_client.h"
#include "tests/support/fake_jwt.h"
#include "tests/support/loopback_server.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;
using std::chrono::seconds;

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kHour = 3600 * kSecond;
const std::string kDid = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";

// The fake clock: the client sleeps through `sleep`, which records the wait and moves time on.
struct FakeTime {
  std::atomic<std::int64_t> now_us{1'800'000'000 * kSecond};
  std::mutex mu;
  std::vector<std::chrono::microseconds> sleeps;

  XrpcClient::Clock clock() {
    return [this] { return now_us.load(); };
  }
  XrpcClient::Sleep sleep() {
    return [this](std::chrono::microseconds d) {
      std::lock_guard lock(mu);
      sleeps.push_back(d);
      now_us += d.count();
    };
  }
  std::vector<std::chrono::microseconds> slept() {
    std::lock_guard lock(mu);
    return sleeps;
  }
  std::int64_t now_s() const { return now_us / kSecond; }
};

std::string make_jwt(std::int64_t exp_s, const std::string& scope, int serial) {
  return testing::fake_jwt({{"scope", scope}, {"sub", kDid}, {"exp", exp_s}, {"jti", serial}});
}

std::string cid_of(const std::string& collection, json record) {
  if (!record.contains("$type")) record["$type"] = collection;
  return Cid::compute(kCodecDagCbor, encode_dag_cbor(*from_atproto_json(record))).to_string();
}

void send_error(httplib::Response& res, int status, const std::string& error, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", error}, {"message", message}}.dump(), "application/json");
}

// A PDS with one account (alice.test, app password "app-pass-1"), sessions as the real one
// issues them (2 h access, 90 d refresh, refresh tokens rotate), and a small repo.
class FakePds : public testing::LoopbackServer {
 public:
  explicit FakePds(FakeTime& time) : time_(time) {
    server.Post("/xrpc/com.atproto.server.createSession", [this](const httplib::Request& req, httplib::Response& res) {
      json body = json::parse(req.body);
      if (body.value("identifier", "") != "alice.test" || body.value("password", "") != "app-pass-1")
        return send_error(res, 401, "AuthenticationRequired", "Invalid identifier or password");
      std::lock_guard lock(mu);
      ++logins;
      issue(res);
    });
    server.Post("/xrpc/com.atproto.server.refreshSession", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (refresh_unavailable) return send_error(res, 503, "ServiceUnavailable", "Try again later");
      if (refuse_refresh || req.get_header_value("Authorization") != "Bearer " + refresh)
        return send_error(res, 400, "ExpiredToken", "Token has been revoked");
      ++refreshes;
      issue(res);
    });
    server.Post("/xrpc/com.atproto.repo.createRecord", [this](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req, res)) return;
      json body = json::parse(req.body);
      std::lock_guard lock(mu);
      std::string rkey =
          body.contains("rkey") ? body["rkey"].get<std::string>() : "3k" + std::to_string(records.size());
      std::string uri = "at://" + kDid + "/" + body["collection"].get<std::string>() + "/" + rkey;
      if (records.count(uri)) return send_error(res, 500, "InternalServerError", "Internal Server Error");
      json record = body["record"];
      if (!record.contains("$type")) record["$type"] = body["collection"];
      records[uri] = record;
      res.set_content(json{{"uri", uri}, {"cid", cid_of(body["collection"], record)}}.dump(), "application/json");
    });
    server.Get("/xrpc/com.atproto.repo.getRecord", [this](const httplib::Request& req, httplib::Response& res) {
      std::string collection = req.get_param_value("collection");
      std::string uri = "at://" + req.get_param_value("repo") + "/" + collection + "/" + req.get_param_value("rkey");
      std::lock_guard lock(mu);
      if (!records.count(uri)) return send_error(res, 400, "RecordNotFound", "Could not locate record: " + uri);
      res.set_content(json{{"uri", uri}, {"cid", cid_of(collection, records[uri])}, {"value", records[uri]}}.dump(),
                      "application/json");
    });
    for (const char* nsid : {"com.atproto.repo.putRecord", "com.atproto.repo.deleteRecord"}) {
      server.Post(std::string("/xrpc/") + nsid, [this](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req, res)) return;
        json body = json::parse(req.body);
        std::string uri =
            "at://" + kDid + "/" + body["collection"].get<std::string>() + "/" + body["rkey"].get<std::string>();
        res.set_content(
            json{{"uri", uri}, {"cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}}.dump(),
            "application/json");
      });
    }
  }

  // Whether the request carries the current access token, unexpired; answers as the PDS does if not.
  bool authorized(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    std::string token = req.get_header_value("Authorization");
    seen_tokens.push_back(token);
    if (token != "Bearer " + access) {
      send_error(res, 400, "InvalidToken", "Token could not be verified");
      return false;
    }
    if (expire_access || time_.now_s() >= access_exp_s) {
      send_error(res, 400, "ExpiredToken", "Token has expired");
      return false;
    }
    return true;
  }

  std::mutex mu;
  std::string access, refresh;
  std::int64_t access_exp_s = 0;
  int logins = 0, refreshes = 0;
  bool refuse_refresh = false;
  bool refresh_unavailable = false;
  bool expire_access = false;  // the PDS says ExpiredToken before `exp` (clock skew)
  std::vector<std::string> seen_tokens;
  std::map<std::string, json> records;

 private:
  void issue(httplib::Response& res) {
    ++serial_;
    access_exp_s = time_.now_s() + 2 * 3600;
    access = make_jwt(access_exp_s, "com.atproto.appPass", serial_);
    refresh = make_jwt(time_.now_s() + 90 * 86400, "com.atproto.refresh", serial_);
    expire_access = false;
    res.set_content(
        json{{"accessJwt", access}, {"refreshJwt", refresh}, {"did", kDid}, {"handle", "alice.test"}}.dump(),
        "application/json");
  }

  FakeTime& time_;
  int serial_ = 0;
};

struct Env {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  SecretVault vault = SecretVault::from_key(std::array<unsigned char, SecretVault::kKeyBytes>{7, 7, 7});
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  FakeTime time;
  FakePds pds{time};

  XrpcClient client(XrpcOptions options = {}) {
    return XrpcClient(pds.url(), http, *store, vault, time.clock(), time.sleep(), options);
  }
};

const json kPost = {{"text", "hello"}, {"createdAt", "2026-01-01T00:00:00Z"}};

}  // namespace

TEST_CASE("login happens once: a new client on the same store reuses the sealed session", "[session]") {
  Env env;
  env.pds.start();
  {
    XrpcClient first = env.client();
    REQUIRE(first.login("alice.test", "app-pass-1").ok());
    CHECK(first.did() == kDid);
    CHECK(first.handle() == "alice.test");
    REQUIRE(first.create_record("app.bsky.feed.post", kPost).ok());
  }
  auto stored = env.store->get(Family::local, "atproto-session/" + env.pds.url() + "/alice.test");
  REQUIRE(stored.ok());
  REQUIRE(stored->has_value());
  CHECK((*stored)->find(env.pds.access) == std::string::npos);
  CHECK((*stored)->find(env.pds.refresh) == std::string::npos);

  XrpcClient restarted = env.client();
  REQUIRE(restarted.login("alice.test", "app-pass-1").ok());
  for (int i = 0; i < 3; ++i) REQUIRE(restarted.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.pds.logins == 1);
  CHECK(env.pds.refreshes == 0);

  XrpcClient stranger(env.pds.url(), env.http, *env.store, env.vault, env.time.clock(), env.time.sleep());
  auto refused = stranger.login("alice.test-typo", "app-pass-1");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == XrpcError::Kind::auth);
  CHECK(refused.error().http_status == 401);
  CHECK(refused.error().error == "AuthenticationRequired");
  CHECK(refused.error().message == "Invalid identifier or password");
  CHECK(refused.error().describe() ==
        "com.atproto.server.createSession: HTTP 401 AuthenticationRequired: Invalid identifier or password");
  auto unlogged = stranger.create_record("app.bsky.feed.post", kPost);
  REQUIRE_FALSE(unlogged.ok());
  CHECK(unlogged.error().kind == XrpcError::Kind::auth);
}

TEST_CASE("the access token is refreshed shortly before it expires, and the new one is stored", "[session]") {
  Env env;
  env.pds.start();
  XrpcClient client = env.client();
  REQUIRE(client.login("alice.test", "app-pass-1").ok());
  std::string first_access = env.pds.access;
  env.time.now_us += (2 * 3600 - 300) * kSecond;  // 5 minutes left: not yet
  REQUIRE(client.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.pds.refreshes == 0);
  env.time.now_us += 240 * kSecond;  // 60 s left, under the 120 s margin
  REQUIRE(client.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.pds.refreshes == 1);
  CHECK(env.pds.access != first_access);
  CHECK(env.pds.seen_tokens.back() == "Bearer " + env.pds.access);

  XrpcClient restarted = env.client();
  REQUIRE(restarted.login("alice.test", "app-pass-1").ok());
  REQUIRE(restarted.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.pds.refreshes == 1);
  CHECK(env.pds.logins == 1);

  // A refresh that fails for a passing reason leaves the token in use until it expires.
  env.pds.refresh_unavailable = true;
  env.time.now_us += (2 * 3600 - 60) * kSecond;
  REQUIRE(restarted.create_record("app.bsky.feed.post", kPost).ok());
  env.time.now_us += 120 * kSecond;
  auto expired = restarted.create_record("app.bsky.feed.post", kPost);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().describe() == "com.atproto.server.refreshSession: HTTP 503 ServiceUnavailable: Try again later");
  CHECK(env.pds.refreshes == 1);
  CHECK(env.pds.logins == 1);
}

TEST_CASE("ExpiredToken makes the client refresh and retry once, and a refused refresh logs in again", "[session]") {
  Env env;
  env.pds.start();
  XrpcClient client = env.client();
  REQUIRE(client.login("alice.test", "app-pass-1").ok());
  std::string stale = "Bearer " + env.pds.access;
  env.pds.expire_access = true;
  auto created = client.create_record("app.bsky.feed.post", kPost);
  REQUIRE(created.ok());
  CHECK(env.pds.refreshes == 1);
  CHECK(env.pds.logins == 1);
  REQUIRE(env.pds.seen_tokens.size() == 2);
  CHECK(env.pds.seen_tokens[0] == stale);
  CHECK(env.pds.seen_tokens[1] == "Bearer " + env.pds.access);
  CHECK(env.pds.records.size() == 1);

  env.pds.expire_access = true;
  env.pds.refuse_refresh = true;
  REQUIRE(client.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.pds.logins == 2);
  CHECK(env.pds.records.size() == 2);
}

TEST_CASE("HTTP 429 is waited out as Retry-After asks, within a bounded total wait", "[rate-limit]") {
  Env env;
  std::atomic<int> calls{0};
  std::string retry_after;
  env.pds.server.Get("/xrpc/com.example.ping", [&](const httplib::Request&, httplib::Response& res) {
    if (calls++ % 2 == 1) return res.set_content("{}", "application/json");
    res.set_header("RateLimit-Limit", "30");
    res.set_header("RateLimit-Remaining", "0");
    res.set_header("RateLimit-Reset", std::to_string(env.time.now_s() + 300));
    res.set_header("RateLimit-Policy", "30;w=300");
    res.set_header("Retry-After", retry_after);
    send_error(res, 429, "RateLimitExceeded", "Rate Limit Exceeded");
  });
  env.pds.server.Get("/xrpc/com.example.busy", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Retry-After", "200");
    send_error(res, 429, "RateLimitExceeded", "Rate Limit Exceeded");
  });
  env.pds.start();
  XrpcClient client = env.client();

  retry_after = "7";
  REQUIRE(client.query("com.example.ping").ok());
  CHECK(env.time.slept() == std::vector<std::chrono::microseconds>{seconds(7)});

  // Retry-After as an HTTP date (IMF-fixdate), 30 s ahead.
  char date[64];
  std::time_t at = env.time.now_s() + 30;
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&at));
  retry_after = date;
  REQUIRE(client.query("com.example.ping").ok());
  CHECK(env.time.slept().back() == seconds(30));

  auto before = env.time.slept().size();
  auto refused = client.query("com.example.busy");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == XrpcError::Kind::rate_limited);
  CHECK(refused.error().http_status == 429);
  CHECK(refused.error().error == "RateLimitExceeded");
  CHECK(refused.error().message == "Rate Limit Exceeded");
  CHECK(refused.error().retry_after == seconds(200));
  auto slept = env.time.slept();
  REQUIRE(slept.size() == before + 1);  // 200 s, then another 200 s would pass the 300 s bound
  CHECK(slept.back() == seconds(200));
}

TEST_CASE("RateLimit-Remaining 0 holds the next call of that method until the window resets", "[rate-limit]") {
  Env env;
  std::vector<std::int64_t> served_at;
  env.pds.server.Get("/xrpc/com.example.ping", [&](const httplib::Request&, httplib::Response& res) {
    served_at.push_back(env.time.now_s());
    res.set_header("RateLimit-Limit", "3000");
    res.set_header("RateLimit-Remaining", served_at.size() == 1 ? "0" : "2999");
    res.set_header("RateLimit-Reset", std::to_string(served_at.front() + 42));
    res.set_header("RateLimit-Policy", "3000;w=300");
    res.set_content("{}", "application/json");
  });
  env.pds.start();
  XrpcClient client = env.client();
  REQUIRE(client.query("com.example.ping").ok());
  CHECK(env.time.slept().empty());
  REQUIRE(client.query("com.example.ping").ok());
  // The reset second plus one: the PDS rounds the reset time down.
  CHECK(env.time.slept() == std::vector<std::chrono::microseconds>{seconds(43)});
  REQUIRE(served_at.size() == 2);
  CHECK(served_at[1] > served_at[0] + 42);
  REQUIRE(client.query("com.example.ping").ok());
  CHECK(env.time.slept().size() == 1);
}

TEST_CASE("errors are typed and keep the server's error and message verbatim", "[errors]") {
  Env env;
  env.pds.server.Get("/xrpc/com.example.bad", [](const httplib::Request&, httplib::Response& res) {
    send_error(res, 400, "InvalidRequest", "Params must have the property \"repo\"");
  });
  env.pds.server.Get("/xrpc/com.example.private", [](const httplib::Request&, httplib::Response& res) {
    send_error(res, 401, "AuthenticationRequired", "Authentication Required");
  });
  env.pds.server.Get("/xrpc/com.example.gone", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("<html>not here</html>", "text/html");
  });
  env.pds.server.Get("/xrpc/com.example.broken", [](const httplib::Request&, httplib::Response& res) {
    send_error(res, 500, "InternalServerError", "Internal Server Error");
  });
  env.pds.start();
  XrpcClient client = env.client();
  REQUIRE(client.login("alice.test", "app-pass-1").ok());

  auto bad = client.query("com.example.bad");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == XrpcError::Kind::invalid);
  CHECK(bad.error().describe() == "com.example.bad: HTTP 400 InvalidRequest: Params must have the property \"repo\"");

  auto priv = client.query("com.example.private");
  REQUIRE_FALSE(priv.ok());
  CHECK(priv.error().kind == XrpcError::Kind::auth);
  CHECK(priv.error().http_status == 401);
  CHECK(priv.error().message == "Authentication Required");

  auto gone = client.query("com.example.gone");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().kind == XrpcError::Kind::not_found);
  CHECK(gone.error().describe() == "com.example.gone: the answer is not an XRPC error (text/html, 21 bytes): HTTP 404");

  auto missing = client.get_record("app.bsky.feed.post", "3kzzzzzzzzzzz");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == XrpcError::Kind::not_found);
  CHECK(missing.error().error == "RecordNotFound");

  auto broken = client.query("com.example.broken");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().kind == XrpcError::Kind::server);
  CHECK(broken.error().http_status == 500);
  CHECK(broken.error().error == "InternalServerError");

  XrpcClient nowhere("http://127.0.0.1:1", env.http, *env.store, env.vault, env.time.clock(), env.time.sleep());
  auto refused = nowhere.query("com.example.ping");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().kind == XrpcError::Kind::transport);
  CHECK(refused.error().http_status == 0);
}

TEST_CASE("a request that outlives its time limit fails as a timeout", "[errors]") {
  Env env;
  env.pds.server.Get("/xrpc/com.example.slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("{}", "application/json");
  });
  env.pds.start();
  XrpcOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  XrpcClient client = env.client(options);
  auto started = std::chrono::steady_clock::now();
  auto slow = client.query("com.example.slow");
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().kind == XrpcError::Kind::timeout);
  CHECK(slow.error().describe().rfind("com.example.slow: http://127.0.0.1:", 0) == 0);
  CHECK(took < std::chrono::milliseconds(1200));
}

TEST_CASE("the write budget books Bluesky's hosted limits: the 1,667th create within an hour waits", "[budget]") {
  RateLimiter limiter;
  const std::int64_t t0 = 1'800'000'000 * kSecond;
  for (int i = 0; i < 1666; ++i) REQUIRE(limiter.reserve(kCreatePoints, t0, t0).at_us == t0);
  auto refused = limiter.reserve(kCreatePoints, t0, t0 + 300 * kSecond);
  CHECK_FALSE(refused.reserved);
  CHECK(refused.at_us == t0 + kHour);
  CHECK(limiter.reserve(kCreatePoints, t0, t0 + 2 * kHour).at_us == t0 + kHour);
  // Bookings keep their order: a delete (1 point) would fit the 2 points left, but queues behind the create.
  CHECK(limiter.reserve(kDeletePoints, t0, t0 + 2 * kHour).at_us == t0 + kHour);

  // 35,000 a day: 1,666 creates an hour for 7 hours and 4 more, then nothing until the day is over.
  RateLimiter daily;
  std::int64_t last = 0;
  for (int i = 0; i < 11666; ++i) last = daily.reserve(kCreatePoints, t0, INT64_MAX).at_us;
  CHECK(last == t0 + 7 * kHour);
  CHECK(daily.reserve(kCreatePoints, t0, INT64_MAX).at_us == t0 + 24 * kHour);
}

TEST_CASE("the client waits on the write budget before creating, and fails past its wait bound", "[budget]") {
  Env env;
  env.pds.start();
  XrpcOptions options;
  options.max_rate_limit_wait = seconds(2 * 3600);
  XrpcClient client = env.client(options);
  REQUIRE(client.login("alice.test", "app-pass-1").ok());
  for (int i = 0; i < 1666; ++i) REQUIRE(client.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.time.slept().empty());
  REQUIRE(client.create_record("app.bsky.feed.post", kPost).ok());
  CHECK(env.time.slept() == std::vector<std::chrono::microseconds>{seconds(3600)});
  CHECK(env.pds.records.size() == 1667);

  // Updates cost 2 and deletes 1: with 5 points an hour, put + put + delete fill it.
  options.write_budget = {5, 100};
  options.max_rate_limit_wait = seconds(300);
  XrpcClient small = env.client(options);
  REQUIRE(small.login("alice.test", "app-pass-1").ok());
  REQUIRE(small.put_record("app.bsky.actor.profile", "self", {{"displayName", "A"}}).ok());
  REQUIRE(small.put_record("app.bsky.actor.profile", "self", {{"displayName", "B"}}).ok());
  REQUIRE(small.delete_record("app.bsky.feed.post", "3k1").ok());
  auto over = small.delete_record("app.bsky.feed.post", "3k2");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().kind == XrpcError::Kind::rate_limited);
  CHECK(over.error().retry_after == seconds(3600));
  CHECK(over.error().describe() ==
        "com.atproto.repo.deleteRecord: the write budget (5 points an hour, 100 a day) is spent (retry in 3600 s)");
}

TEST_CASE("a retried create with the same record key succeeds, and another record there is a conflict", "[records]") {
  Env env;
  env.pds.start();
  XrpcClient client = env.client();
  REQUIRE(client.login("alice.test", "app-pass-1").ok());
  auto first = client.create_record("app.bsky.feed.post", kPost, "3kabcdefghij2");
  REQUIRE(first.ok());
  CHECK(first->uri == "at://" + kDid + "/app.bsky.feed.post/3kabcdefghij2");
  auto retried = client.create_record("app.bsky.feed.post", kPost, "3kabcdefghij2");
  REQUIRE(retried.ok());
  CHECK(retried->cid == first->cid);
  CHECK(env.pds.records.size() == 1);

  json other = kPost;
  other["text"] = "something else";
  auto clash = client.create_record("app.bsky.feed.post", other, "3kabcdefghij2");
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().kind == XrpcError::Kind::conflict);
  CHECK(clash.error().http_status == 500);
  CHECK(clash.error().message == "Internal Server Error");
  CHECK(clash.error().detail.find("already holds another record (CID " + first->cid) != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Identity

namespace {

// A PLC directory and a resolveHandle service in one server, counting what it is asked.
class FakeIdentityService : public testing::LoopbackServer {
 public:
  FakeIdentityService() {
    server.Get("/xrpc/com.atproto.identity.resolveHandle", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      ++handle_lookups;
      auto it = handles.find(req.get_param_value("handle"));
      if (it == handles.end()) return send_error(res, 400, "InvalidRequest", "Unable to resolve handle");
      res.set_content(json{{"did", it->second}}.dump(), "application/json");
    });
    server.Get(R"(/(did:[a-z]+:[a-z0-9]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      ++document_fetches;
      auto it = documents.find(req.matches[1]);
      if (it == documents.end()) return send_error(res, 404, "NotFound", "DID not registered");
      res.set_content(it->second.dump(), "application/did+ld+json");
    });
    server.Get("/.well-known/did.json", [this](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(web_delay);
      std::lock_guard lock(mu);
      ++document_fetches;
      res.set_content(documents[web_did].dump(), "application/json");
    });
  }

  static json document(const std::string& did, const std::string& handle) {
    return {{"@context", {"https://www.w3.org/ns/did/v1"}},
            {"id", did},
            {"alsoKnownAs", {"at://" + handle}},
            {"verificationMethod",
             {{{"id", did + "#atproto"},
               {"type", "EcdsaSecp256k1VerificationKey2019"},
               {"controller", did},
               {"publicKeyMultibase",
                "zPgFC4hKo2MFLkBRQuHewXRDp94MSrd3yuiJ1En87qTeF68T92DPWvWSjxjMuMiB4qz8UzE8wWTNvZq7mgr7BsjW9"}}}},
            {"service",
             {{{"id", "#atproto_pds"},
               {"type", "AtprotoPersonalDataServer"},
               {"serviceEndpoint", "https://pds.example"}}}}};
  }

  std::mutex mu;
  std::map<std::string, std::string> handles;
  std::map<std::string, json> documents;
  std::chrono::milliseconds web_delay{0};  // how long the did:web host takes to answer
  std::string web_did;
  int handle_lookups = 0, document_fetches = 0;
};

struct IdentityEnv {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  HttpClient http{OutboundPolicy{true}, "causeway-test"};
  FakeTime time;
  FakeIdentityService service;

  IdentityResolver resolver() {
    IdentityOptions options;
    options.plc_url = service.url();
    options.handle_service_url = service.url();
    return IdentityResolver(*store, http, OutboundPolicy{true}, time.clock(), options);
  }
};

}  // namespace

TEST_CASE("identity: handle to DID to document, checked both ways, cached, invalidated", "[identity]") {
  IdentityEnv env;
  const std::string alice = "did:plc:alice234567abcdefghijklm";
  const std::string mallory = "did:plc:mallory34567abcdefghijkl";
  env.service.handles = {{"alice.test", alice}, {"mallory.test", mallory}};
  env.service.documents = {{alice, FakeIdentityService::document(alice, "alice.test")},
                           {mallory, FakeIdentityService::document(mallory, "alice.test")}};
  env.service.start();
  IdentityResolver resolver = env.resolver();

  auto found = resolver.resolve("Alice.TEST");
  REQUIRE(found.ok());
  CHECK(found->did == alice);
  CHECK(found->handle == "alice.test");
  CHECK(found->handle_verified);
  CHECK(found->document.pds_endpoint == "https://pds.example");
  CHECK(found->document.signing_key.has_value());
  CHECK(env.service.handle_lookups == 1);
  CHECK(env.service.document_fetches == 1);

  auto by_did = resolver.resolve(alice);
  REQUIRE(by_did.ok());
  CHECK(by_did->handle_verified);
  CHECK(env.service.handle_lookups == 1);  // both from the cache
  CHECK(env.service.document_fetches == 1);

  // mallory's document claims alice.test, which resolves to alice's DID.
  auto impostor = resolver.resolve(mallory);
  REQUIRE(impostor.ok());
  CHECK(impostor->handle == "alice.test");
  CHECK_FALSE(impostor->handle_verified);
  CHECK(impostor->unverified_reason == "alice.test resolves to " + alice + ", not " + mallory);
  auto by_handle = resolver.resolve("mallory.test");
  REQUIRE(by_handle.ok());
  CHECK_FALSE(by_handle->handle_verified);
  CHECK(by_handle->unverified_reason == "mallory.test resolves to " + mallory + ", whose document claims alice.test");

  // An #identity event: alice moves to alice2.test.
  env.service.handles = {{"alice2.test", alice}};
  env.service.documents[alice] = FakeIdentityService::document(alice, "alice2.test");
  REQUIRE(resolver.invalidate(alice).ok());
  CHECK_FALSE(resolver.resolve("alice.test").ok());
  auto moved = resolver.resolve(alice);
  REQUIRE(moved.ok());
  CHECK(moved->handle == "alice2.test");
  CHECK(moved->handle_verified);

  // After the TTL everything is fetched again.
  int fetches = env.service.document_fetches;
  env.time.now_us += 24 * kHour + kSecond;
  REQUIRE(resolver.resolve(alice).ok());
  CHECK(env.service.document_fetches == fetches + 1);
}

TEST_CASE("identity: did:web over http when private addresses are allowed, and failures name each attempt",
          "[identity]") {
  IdentityEnv env;
  env.service.start();
  env.service.web_did = "did:web:localhost%3A" + std::to_string(env.service.port());
  env.service.documents[env.service.web_did] = FakeIdentityService::document(env.service.web_did, "web.test");
  IdentityResolver resolver = env.resolver();
  auto web = resolver.resolve_did(env.service.web_did);
  REQUIRE(web.ok());
  CHECK(web->id == env.service.web_did);
  CHECK(web->handle == "web.test");

  auto strict =
      IdentityResolver(*env.store, env.http, OutboundPolicy{false}, env.time.clock(),
                       IdentityOptions{"http://localhost:1", "", std::chrono::hours(24), std::chrono::seconds(2)});
  auto plc = strict.resolve_did("did:plc:alice234567abcdefghijklm");
  REQUIRE_FALSE(plc.ok());
  CHECK(plc.error().find("PLC directory http://localhost:1") == 0);

  auto nobody = resolver.resolve_handle("nobody.test");
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.error().find("handle nobody.test does not resolve: " + env.service.url() +
                            "/xrpc/com.atproto.identity.resolveHandle?handle=nobody.test: HTTP 400 InvalidRequest: "
                            "Unable to resolve handle; https://nobody.test/.well-known/atproto-did: ") == 0);
  CHECK_FALSE(resolver.resolve_handle("not a handle").ok());
  CHECK(resolver.resolve_did("did:example:123").error() ==
        "did:example:123: only did:plc and did:web are atproto DID methods");
}

TEST_CASE("identity: a hostile DID document with fields of the wrong type is refused, not thrown", "[identity]") {
  IdentityEnv env;
  env.service.start();
  env.service.web_did = "did:web:localhost%3A" + std::to_string(env.service.port());
  IdentityResolver resolver = env.resolver();
  json good = FakeIdentityService::document(env.service.web_did, "web.test");
  enum class Expect { wrong_id, refused, no_key, accepted };
  std::vector<std::pair<json, Expect>> hostile;
  for (json id : {json(42), json(nullptr), json::array({env.service.web_did}), json::object({{"a", 1}})}) {
    json doc = good;
    doc["id"] = id;
    hostile.emplace_back(doc, Expect::wrong_id);
  }
  for (const char* field : {"alsoKnownAs", "verificationMethod", "service"}) {
    json doc = good;
    doc[field] = 7;
    hostile.emplace_back(doc, std::string(field) == "verificationMethod" ? Expect::no_key : Expect::accepted);
  }
  json bad_key = good;
  bad_key["verificationMethod"][0]["type"] = 5;
  hostile.emplace_back(bad_key, Expect::refused);
  json bad_key_id = good;
  bad_key_id["verificationMethod"][0]["id"] = json::array();
  hostile.emplace_back(bad_key_id, Expect::no_key);
  for (const auto& [doc, expect] : hostile) {
    INFO(doc.dump());
    REQUIRE(resolver.invalidate(env.service.web_did).ok());  // not the copy cached from the last round
    {
      std::lock_guard lock(env.service.mu);
      env.service.documents[env.service.web_did] = doc;
    }
    Result<DidDocument> found = make_error("not called");
    CHECK_NOTHROW(found = resolver.resolve_did(env.service.web_did));
    switch (expect) {
      case Expect::wrong_id:
        REQUIRE_FALSE(found.ok());
        CHECK(found.error().find("the document is about a non-string id, not " + env.service.web_did) !=
              std::string::npos);
        break;
      case Expect::refused: CHECK_FALSE(found.ok()); break;
      case Expect::no_key:
        REQUIRE(found.ok());
        CHECK_FALSE(found->signing_key.has_value());
        break;
      case Expect::accepted:
        REQUIRE(found.ok());
        CHECK(found->signing_key.has_value());
        break;
    }
  }

  // A cached handle entry that is not what this code writes (an older build, a damaged store): resolved afresh.
  env.service.handles = {{"web.test", env.service.web_did}};
  REQUIRE(env.store
              ->put(Family::actors, "handle/web.test", json{{"did", 5}, {"fetched_us", env.time.now_us.load()}}.dump(),
                    Durability::buffered)
              .ok());
  Result<std::string> did = make_error("not called");
  CHECK_NOTHROW(did = resolver.resolve_handle("web.test"));
  REQUIRE(did.ok());
  CHECK(*did == env.service.web_did);
}

TEST_CASE("identity: a DID document lookup given its own time limit gives up when the host is slower", "[identity]") {
  IdentityEnv env;
  env.service.start();
  env.service.web_did = "did:web:localhost%3A" + std::to_string(env.service.port());
  env.service.documents[env.service.web_did] = FakeIdentityService::document(env.service.web_did, "web.test");
  env.service.web_delay = std::chrono::milliseconds(1500);
  IdentityResolver resolver = env.resolver();  // the resolver's own limit: 10 s
  auto hurried = resolver.resolve_did(env.service.web_did, std::chrono::milliseconds(300));
  REQUIRE_FALSE(hurried.ok());
  CHECK(hurried.error().find("cannot be fetched") != std::string::npos);
  CHECK(resolver.resolve_did(env.service.web_did).ok());  // with the resolver's own limit the answer comes
}
