// Delivery fan-out of the outbox: which inboxes one published activity is queued for, with a real
// store and queue. A shared inbox serves only its own server's users.
#include <catch2/catch.hpp>

#include <algorithm>

#include "protocols/activitypub/outbox.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::activitypub;

namespace {

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  std::int64_t now_us = 1'700'000'000'000'000;
  DeliveryQueue queue{*db, [this] { return now_us; }};
  LocalActors actors{*parse_url("https://bridge.example", "https")};
  Outbox outbox{*db, queue, actors, [this] { return now_us; }};

  Fixture() { actors.add(LocalActor{LocalActor::Kind::group, "group/townhall", "townhall", "", "", "", false, "townhall"}); }

  // The inboxes an Announce to `recipients` is queued for, sorted.
  std::vector<std::string> targets(const std::vector<Follower>& recipients) {
    WriteBatch batch = db->batch();
    outbox.publish(batch, *actors.by_key("group/townhall"),
                   {{"id", "https://bridge.example/ap/group/townhall/announce/1"}, {"type", "Announce"}}, recipients);
    REQUIRE(db->write(batch).ok());
    auto jobs = queue.claim_due(100, kDeliverJob);
    REQUIRE(jobs.ok());
    std::vector<std::string> out;
    for (const auto& j : *jobs) out.push_back(j.target);
    std::sort(out.begin(), out.end());
    return out;
  }
};

Follower member(const std::string& origin, const std::string& name, const std::string& shared_inbox) {
  std::string id = origin + "/users/" + name;
  return Follower{id, id + "/inbox", shared_inbox, id + "#follow", 0};
}

}  // namespace

TEST_CASE("a follower claiming another server's shared inbox does not take that server's deliveries", "[outbox]") {
  Fixture f;
  // One delivery per server at its own shared inbox, personal inboxes where there is none, and the
  // claim ignored: "aaa" sorts first, as followers are listed, and used to win the host's delivery.
  auto got = f.targets({member("https://aaa.example", "mallory", "https://victim.example/not-an-inbox"),
                        member("https://victim.example", "vic", "https://victim.example/inbox"),
                        member("https://victim.example", "val", "https://victim.example/inbox"),
                        member("https://b.example", "bea", ""), member("https://b.example", "bob", "")});
  CHECK(got == std::vector<std::string>{"https://aaa.example/users/mallory/inbox", "https://b.example/users/bea/inbox",
                                        "https://b.example/users/bob/inbox", "https://victim.example/inbox"});
  // Nor does a claim on a server whose members have no shared inbox divert theirs.
  Fixture g;
  auto plain = g.targets({member("https://aaa.example", "mallory", "https://plain.example/inbox"),
                          member("https://plain.example", "pat", "")});
  CHECK(plain == std::vector<std::string>{"https://aaa.example/users/mallory/inbox", "https://plain.example/users/pat/inbox"});
}
