// Retention against a real RocksDB store in a temp dir, with the clock driven by the test: what is
// older than storage.retention goes, what is newer stays, and whatever a queued, dead or held job
// still needs stays whatever its age.
#include <catch2/catch.hpp>

#include <chrono>

#include "bridge/decisions.h"
#include "bridge/delivery_queue.h"
#include "bridge/event_log.h"
#include "bridge/flag_reports.h"
#include "bridge/moderation.h"
#include "bridge/retention.h"
#include "bridge/router.h"
#include "bridge/seen_ids.h"
#include "tests/support/net_util.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

constexpr std::int64_t kDay = 86'400'000'000;

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  std::int64_t now = 1'800'000'000'000'000;
  EventLog events{*store};
  DeliveryQueue queue{*store, [this] { return now; }};
  Metrics metrics;
  RetentionPruner pruner{*store, events, queue, metrics, RetentionConfig{}, [this] { return now; }};

  // An event stored `age` ago; returns its id.
  std::string event(const std::string& activity_id, std::int64_t age) {
    Event e;
    e.kind = EventKind::post;
    e.origin.activity_id = activity_id;
    WriteBatch batch = store->batch();
    events.append(batch, e, now - age);
    REQUIRE(store->write(batch).ok());
    return e.id;
  }
  bool has_event(const std::string& id) { return store->get(Family::events, id)->has_value(); }
  bool seen(const std::string& key) { return SeenIds(*store).contains(key); }
  std::size_t decisions_about(const std::string& id) { return Decisions(*store).about(id)->size(); }
  void decide(const std::string& native_id, const std::string& event_id, std::int64_t age) {
    WriteBatch batch = store->batch();
    Decisions(*store).record(batch, Decision{native_id, "townhall", Outcome::queued, "post", "", event_id, now - age});
    REQUIRE(store->write(batch).ok());
  }
  void write(const std::function<void(WriteBatch&)>& fill) {
    WriteBatch batch = store->batch();
    fill(batch);
    REQUIRE(store->write(batch).ok());
  }
  Job bridge_job(const std::string& event_id) {
    return Job{event_id + ".townhall", "bridge.to_atproto", "https://pds.example",
               encode_bridge_job({event_id, "townhall", JobOp::post, ""}), 0, now, now, ""};
  }
  std::string pruned(const std::string& family) {
    std::string text = metrics.render();
    std::string series = "causeway_pruned_total{family=\"" + family + "\"} ";
    auto at = text.find(series);
    return at == std::string::npos ? "absent" : text.substr(at + series.size(), text.find('\n', at) - at - series.size());
  }
};

}  // namespace

TEST_CASE("retention removes events, seen ids, decisions and flags older than their age, and keeps newer ones",
          "[retention]") {
  Fixture f;
  // Defaults: events 30 days, seen ids 7, decisions 90, flags 180.
  std::string old_event = f.event("https://a.example/old", 31 * kDay);
  std::string new_event = f.event("https://a.example/new", 29 * kDay);
  EventIdGenerator ids;
  std::string old_at = SeenIds::bluesky_key("at://did:plc:bob/app.bsky.feed.post/old");
  std::string new_at = SeenIds::bluesky_key("at://did:plc:bob/app.bsky.feed.post/new");
  std::string old_ap = SeenIds::activitypub_key("https://a.example/old-like");
  std::string new_ap = SeenIds::activitypub_key("https://a.example/new-like");
  f.write([&](WriteBatch& b) {
    SeenIds::mark_event(b, old_at, ids.next(f.now - 8 * kDay));
    SeenIds::mark_event(b, new_at, ids.next(f.now - 6 * kDay));
    SeenIds::mark_received(b, old_ap, f.now - 8 * kDay);
    SeenIds::mark_received(b, new_ap, f.now - 6 * kDay);
    FlagReports::record(b, "https://a.example/flag-old", R"({"type":"Flag"})", f.now - 181 * kDay);
    FlagReports::record(b, "https://a.example/flag-new", R"({"type":"Flag"})", f.now - 179 * kDay);
  });
  f.decide("https://a.example/old", old_event, 91 * kDay);
  f.decide("https://a.example/new", new_event, 91 * kDay);  // the old half of a story ...
  f.decide("https://a.example/new", new_event, 1 * kDay);   // ... whose newer half stays
  CHECK(f.pruned("events") == "0");  // the series exist before the first pass

  auto counts = f.pruner.run_once();
  REQUIRE(counts.ok());
  CHECK(counts->events == 1);
  CHECK(counts->seen == 2);
  CHECK(counts->decisions == 2);
  CHECK(counts->flags == 1);
  CHECK_FALSE(f.has_event(old_event));
  CHECK(f.has_event(new_event));
  CHECK_FALSE(f.seen(old_at));
  CHECK(f.seen(new_at));
  CHECK_FALSE(f.seen(old_ap));
  CHECK(f.seen(new_ap));
  CHECK(f.decisions_about("https://a.example/old") == 0);
  CHECK(f.decisions_about("https://a.example/new") == 1);
  CHECK_FALSE(f.store->get(Family::social, "flag/https://a.example/flag-old")->has_value());
  CHECK(f.store->get(Family::social, "flag/https://a.example/flag-new")->has_value());
  CHECK(f.pruned("events") == "1");
  CHECK(f.pruned("seen") == "2");
  CHECK(f.pruned("decisions") == "2");
  CHECK(f.pruned("flags") == "1");

  // Time passes: what was kept goes in its turn.
  f.now += 2 * kDay;
  counts = f.pruner.run_once();
  REQUIRE(counts.ok());
  CHECK(counts->events == 1);
  CHECK(counts->seen == 2);
  CHECK_FALSE(f.has_event(new_event));
  CHECK(f.pruned("events") == "2");
}

TEST_CASE("retention keeps the events, seen ids and decisions a queued, dead or held job still needs", "[retention]") {
  Fixture f;
  std::string queued = f.event("https://a.example/queued", 40 * kDay);
  std::string dead = f.event("https://a.example/dead", 40 * kDay);
  std::string held = f.event("at://did:plc:bob/app.bsky.feed.post/held", 40 * kDay);
  std::string done = f.event("https://a.example/done", 40 * kDay);
  std::string held_seen = SeenIds::bluesky_key("at://did:plc:bob/app.bsky.feed.post/held");
  std::string done_seen = SeenIds::bluesky_key("at://did:plc:bob/app.bsky.feed.post/done");
  f.write([&](WriteBatch& b) {
    f.queue.enqueue(b, f.bridge_job(queued));
    f.queue.enqueue(b, f.bridge_job(dead));
    Moderation(*f.store).hold(b, "townhall", "did:plc:bob", held, f.bridge_job(held));
    SeenIds::mark_event(b, held_seen, held);
    SeenIds::mark_event(b, done_seen, done);
  });
  REQUIRE(f.queue.give_up(f.bridge_job(dead), "refused").ok());
  REQUIRE(f.queue.dead_jobs()->size() == 1);
  f.decide("https://a.example/queued", queued, 100 * kDay);
  f.decide("https://a.example/done", done, 100 * kDay);

  auto counts = f.pruner.run_once();
  REQUIRE(counts.ok());
  CHECK(counts->events == 1);
  CHECK(counts->still_wanted == 3);
  CHECK(f.has_event(queued));
  CHECK(f.has_event(dead));
  CHECK(f.has_event(held));
  CHECK_FALSE(f.has_event(done));
  CHECK(f.seen(held_seen));  // its delete must still be matched while it waits for an operator
  CHECK_FALSE(f.seen(done_seen));
  CHECK(f.decisions_about("https://a.example/queued") == 1);
  CHECK(f.decisions_about("https://a.example/done") == 0);

  // Once the job is delivered, its event is no longer needed.
  auto claimed = f.queue.claim_due(10);
  REQUIRE(claimed->size() == 1);
  REQUIRE(f.queue.complete(claimed->front()).ok());
  counts = f.pruner.run_once();
  REQUIRE(counts.ok());
  CHECK(counts->events == 1);
  CHECK_FALSE(f.has_event(queued));
  CHECK(f.decisions_about("https://a.example/queued") == 0);
  CHECK(f.has_event(dead));
  CHECK(f.has_event(held));
}

TEST_CASE("the pruner runs by itself on its timer and stops when asked", "[retention]") {
  Fixture f;
  std::string old_event = f.event("https://a.example/old", 31 * kDay);
  f.pruner.start(std::chrono::milliseconds(0), std::chrono::hours(1));
  CHECK(testing::eventually([&] { return f.pruned("events") == "1"; }, std::chrono::seconds(10),
                            std::chrono::milliseconds(10)));
  f.pruner.stop();  // returns although the next pass is an hour away
  CHECK_FALSE(f.has_event(old_event));
}
