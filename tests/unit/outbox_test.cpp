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

TEST_CASE("a group's Announce in two bodies is one job per inbox carrying both, and both ids dereference", "[outbox]") {
  Fixture f;
  const LocalActor& group = *f.actors.by_key("group/townhall");
  nlohmann::json of_activity = {{"id", "https://bridge.example/ap/group/townhall/announce/1"}, {"type", "Announce"},
                                {"object", {{"id", "https://m.example/a/1"}, {"type", "Create"}}}};
  nlohmann::json boost = {{"id", "https://bridge.example/ap/group/townhall/boost/1"}, {"type", "Announce"},
                          {"object", "https://m.example/n/1"}};
  WriteBatch batch = f.db->batch();
  f.outbox.publish(batch, group, of_activity, {member("https://l.example", "lena", ""), member("https://m.example", "max", "")},
                   &boost);
  REQUIRE(f.db->write(batch).ok());

  auto jobs = f.queue.claim_due(100, kDeliverJob);
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 2);
  for (const auto& job : *jobs) {
    auto payload = decode_payload(job.payload);
    REQUIRE(payload);
    CHECK(nlohmann::json::parse(payload->activity) == of_activity);
    CHECK(nlohmann::json::parse(payload->boost) == boost);
  }
  CHECK(f.outbox.object(of_activity["id"]).value() == of_activity);
  CHECK(f.outbox.object(boost["id"]).value() == boost);
  // The group's outbox lists the Announce of the activity, once.
  CHECK(f.outbox.activity_ids(group).value() == std::vector<std::string>{of_activity["id"]});

  // A one-bodied activity carries no boost.
  CHECK(decode_payload(encode_payload({"group/townhall", "{}", ""}))->boost.empty());
}
