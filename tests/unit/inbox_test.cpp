// The inbox as one unit with a real RocksDB store: concurrent copies of one activity, the reason
// classes sent back, and what is kept of non-public activities. Signatures are given as checked
// (the verifier has its own tests); the store's write hook widens the window between the duplicate
// check and the write, which is where concurrent copies used to slip through.
#include "protocols/activitypub/inbox.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "bridge/decisions.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
namespace ap = causeway::activitypub;
using nlohmann::json;

namespace {

struct InboxHarness {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  EventLog events{*store};
  DeliveryQueue queue{*store, [] { return std::int64_t{1'700'000'000'000'000}; }};
  ap::LocalActors actors{parse_url("https://bridge.example", "https").value()};
  ap::SocialGraph social{*store};
  ap::Outbox outbox{*store, queue, actors, [] { return std::int64_t{1'700'000'000'000'000}; }};
  Metrics metrics;
  std::string signer = "https://a.example/users/alice";
  ap::Inbox inbox{ap::InboxDeps{*store, events, social, outbox, actors, metrics,
                                [this](std::shared_ptr<const ap::InboxRequest>, ap::AuthenticationDone done) {
                                  if (signer.empty()) return done(make_error("invalid_signature: bad bytes from 10.0.0.1"));
                                  done(ap::Signer{signer, signer + "/inbox", ""});
                                },
                                [] { return std::int64_t{1'700'000'000'000'000}; }, nullptr}};

  ap::InboxRequest request(const json& activity) const {
    ap::InboxRequest r;
    r.http.method = "POST";
    r.http.target = "/ap/inbox";
    r.http.authority = "bridge.example";
    r.http.add_header("Content-Type", "application/activity+json");
    r.http.body = activity.dump();
    r.remote_address = "127.0.0.1";
    return r;
  }
  int stored_events() const {
    int n = 0;
    events.scan("", [&](const Event&) {
      ++n;
      return true;
    });
    return n;
  }
};

json note_create(const std::string& id, const json& to) {
  return {{"id", id},
          {"type", "Create"},
          {"actor", "https://a.example/users/alice"},
          {"to", to},
          {"object",
           {{"id", id + "/note"}, {"type", "Note"}, {"attributedTo", "https://a.example/users/alice"},
            {"content", "<p>meet at the hall at 6</p>"}, {"to", to}}}};
}

}  // namespace

TEST_CASE("eight concurrent copies of one activity make one stored event", "[inbox]") {
  InboxHarness h;
  // Every write waits a little first: without the ingest lock, all eight pass the duplicate check.
  h.store->set_before_write_hook([] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
  ap::InboxRequest request = h.request(note_create("https://a.example/a/1", json::array({ap::kPublic})));
  std::vector<std::thread> senders;
  std::atomic<int> accepted{0}, duplicates{0};
  for (int i = 0; i < 8; ++i)
    senders.emplace_back([&] {
      ap::InboxResponse r = h.inbox.receive(request);
      CHECK(r.status == 202);
      (r.reason == "accepted" ? accepted : duplicates)++;
    });
  for (auto& t : senders) t.join();
  CHECK(accepted == 1);
  CHECK(duplicates == 7);
  CHECK(h.stored_events() == 1);
}

TEST_CASE("a refused signature answers its reason class only, the detail goes to the log", "[inbox]") {
  InboxHarness h;
  h.signer.clear();
  ap::InboxResponse r = h.inbox.receive(h.request(note_create("https://a.example/a/2", json::array({ap::kPublic}))));
  CHECK(r.status == 401);
  CHECK(r.reason == "signature: invalid_signature");
  CHECK(h.stored_events() == 0);
}

TEST_CASE("an activity signed by someone else than its actor is refused and not stored", "[inbox]") {
  InboxHarness h;
  h.signer = "https://a.example/users/mallory";
  ap::InboxResponse r = h.inbox.receive(h.request(note_create("https://a.example/a/3", json::array({ap::kPublic}))));
  CHECK(r.status == 401);
  CHECK(r.reason == "signature: key_owner_mismatch");
  CHECK(h.stored_events() == 0);
}

TEST_CASE("a direct message is not kept: only its id and the reason", "[inbox]") {
  InboxHarness h;
  json dm = note_create("https://a.example/a/4", json::array({"https://bridge.example/ap/group/townhall"}));
  REQUIRE(h.inbox.receive(h.request(dm)).status == 202);
  int seen = 0;
  h.events.scan("", [&](const Event& e) {
    ++seen;
    CHECK(e.origin.activity_id == "https://a.example/a/4");
    CHECK(e.content.text.empty());
    CHECK(e.content.html.empty());
    return true;
  });
  CHECK(seen == 1);
  auto why = Decisions(*h.store).about("https://a.example/a/4");
  REQUIRE(why.ok());
  REQUIRE_FALSE(why->empty());
  CHECK(why->back().reason.find("not public (direct message)") != std::string::npos);
}

TEST_CASE("a post with no author or nothing to show is not stored, and why says so", "[inbox]") {
  InboxHarness h;
  json empty = note_create("https://a.example/a/5", json::array({ap::kPublic}));
  empty["object"]["content"] = "<p> </p>";
  REQUIRE(h.inbox.receive(h.request(empty)).status == 202);
  json group_only = note_create("https://a.example/a/6", json::array({ap::kPublic}));
  group_only["object"]["attributedTo"] = {{{"type", "Group"}, {"id", "https://a.example/groups/g"}}};
  REQUIRE(h.inbox.receive(h.request(group_only)).status == 202);
  CHECK(h.stored_events() == 0);
  auto why = Decisions(*h.store).about("https://a.example/a/5");
  REQUIRE(why.ok());
  REQUIRE_FALSE(why->empty());
  CHECK(why->back().reason.find("has no text, title, media or link") != std::string::npos);
  why = Decisions(*h.store).about("https://a.example/a/6");
  REQUIRE(why.ok());
  REQUIRE_FALSE(why->empty());
  CHECK(why->back().reason.find("attributedTo names no person") != std::string::npos);
}
