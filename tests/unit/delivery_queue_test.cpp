#include <catch2/catch.hpp>

#include "bridge/delivery_queue.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  std::int64_t now_us = 1'700'000'000'000'000;
  DeliveryQueue queue{*store, [this] { return now_us; }};

  void add(const std::string& id) {
    WriteBatch batch = store->batch();
    queue.enqueue(batch, Job{id, "ap.deliver", "https://a.example/inbox", "{}", 0, 0, 0, ""});
    REQUIRE(store->write(batch).ok());
  }
};

}  // namespace

TEST_CASE("jobs are claimed once, in due order, and survive a restart", "[queue]") {
  Fixture f;
  f.add("j1");
  f.now_us += 1;
  f.add("j2");
  auto first = f.queue.claim_due(10);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 2);
  CHECK((*first)[0].id == "j1");
  CHECK(f.queue.claim_due(10)->empty());  // held by the worker that claimed them
  REQUIRE(f.queue.complete((*first)[0]).ok());
  CHECK(*f.queue.pending_count() == 1);

  // A new queue over the same store (a restarted daemon) sees the unfinished job again.
  DeliveryQueue restarted(*f.store, [&f] { return f.now_us; });
  auto again = restarted.claim_due(10);
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].id == "j2");
}

TEST_CASE("failed jobs back off like Mastodon and go to dead after 16 tries", "[queue]") {
  CHECK(retry_delay_seconds(1) == 16);
  CHECK(retry_delay_seconds(15) == 50640);
  std::int64_t total = 0;
  for (int a = 1; a < kMaxDeliveryAttempts; ++a) total += retry_delay_seconds(a);
  CHECK(total > 36 * 3600);  // about two days before giving up
  CHECK(total < 60 * 3600);

  Fixture f;
  f.add("j1");
  for (int attempt = 1; attempt < kMaxDeliveryAttempts; ++attempt) {
    auto jobs = f.queue.claim_due(1);
    REQUIRE(jobs->size() == 1);
    REQUIRE(f.queue.retry_later((*jobs)[0], "HTTP 503").ok());
    CHECK(f.queue.claim_due(1)->empty());  // not due yet
    f.now_us += (retry_delay_seconds(attempt) + 10 * (attempt + 1)) * 1'000'000;
  }
  auto last = f.queue.claim_due(1);
  REQUIRE(last->size() == 1);
  CHECK((*last)[0].attempt == kMaxDeliveryAttempts - 1);
  REQUIRE(f.queue.retry_later((*last)[0], "HTTP 503").ok());
  CHECK(*f.queue.pending_count() == 0);
  auto dead = f.queue.dead_jobs();
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].last_error == "HTTP 503");

  REQUIRE(f.queue.revive("j1").ok());
  auto revived = f.queue.claim_due(1);
  REQUIRE(revived->size() == 1);
  CHECK((*revived)[0].attempt == 0);
  CHECK(f.queue.dead_jobs()->empty());
  CHECK_FALSE(f.queue.revive("nope").ok());
}

TEST_CASE("Retry-After is honoured and permanent failures skip the retries", "[queue]") {
  Fixture f;
  f.add("j1");
  auto jobs = f.queue.claim_due(1);
  REQUIRE(f.queue.retry_later((*jobs)[0], "HTTP 429", f.now_us + 3600'000'000LL).ok());
  f.now_us += 1800'000'000LL;
  CHECK(f.queue.claim_due(1)->empty());
  f.now_us += 1800'000'000LL;
  jobs = f.queue.claim_due(1);
  REQUIRE(jobs->size() == 1);
  REQUIRE(f.queue.give_up((*jobs)[0], "HTTP 410 Gone").ok());
  CHECK((*f.queue.dead_jobs())[0].last_error == "HTTP 410 Gone");
}
