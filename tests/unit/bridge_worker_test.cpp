// The bridge worker with a scripted BridgeWriter (a unit test: the writer is a stand-in, the
// store, queue, event log and decisions are the real ones): what an operator sees in `why` and in
// the queue for each outcome, and that a damaged job, a removed bridge or a throwing writer never
// takes the worker down.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "bridge/base/metrics.h"
#include "bridge/bridge_job.h"
#include "bridge/bridge_worker.h"
#include "bridge/decisions.h"
#include "bridge/event_log.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

constexpr const char* kPost = "https://social.example/notes/1";

// Answers each write with the next scripted outcome (or throws when told to).
struct ScriptedWriter final : BridgeWriter {
  std::vector<StepOutcome> script;
  bool throw_next = false;
  std::vector<JobOp> seen;
  int idles = 0;
  const char* network() const override { return "atproto"; }
  StepOutcome write(LoadedJob& job, WriteBatch& batch, std::optional<IngestLocks::Guard>&) override {
    seen.push_back(job.job.op);
    if (throw_next) {
      throw_next = false;
      throw std::runtime_error("writer bug");
    }
    batch.put(Family::idmap, "ap/" + job.event.origin.object.id, "copy");  // what a real writer maps
    StepOutcome next = script.front();
    script.erase(script.begin());
    return next;
  }
  void idle() override { ++idles; }
};

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  std::int64_t now = 1'800'000'000'000'000;
  std::function<std::int64_t()> clock = [this] { return now; };
  DeliveryQueue queue{*store, clock};
  EventLog events{*store};
  Decisions decisions{*store};
  Metrics metrics;
  Config config;
  ScriptedWriter writer;
  BridgeWorker worker{BridgeWorkerDeps{config, *store, events, queue, decisions, metrics, clock}, kToBlueskyJob, writer};

  Fixture() {
    BridgeConfig b;
    b.name = "townhall";
    config.bridges.push_back(b);
  }
  // A stored post and its job, as the router leaves them.
  std::string queue_post(JobOp op = JobOp::post, const std::string& bridge = "townhall") {
    Event e;
    e.kind = EventKind::post;
    e.origin = {Network::activitypub, std::string(kPost) + "/activity", {Network::activitypub, kPost, ""}, "Note"};
    e.actor.id = "https://social.example/users/alice";
    WriteBatch batch = store->batch();
    events.append(batch, e, now);
    queue.enqueue(batch, Job{e.id + "." + bridge, kToBlueskyJob, "https://pds.example",
                             encode_bridge_job({e.id, bridge, op, ""}), 0, now, now, ""});
    REQUIRE(store->write(batch).ok());
    return e.id;
  }
  void enqueue_raw(const std::string& id, const std::string& payload) {
    WriteBatch batch = store->batch();
    queue.enqueue(batch, Job{id, kToBlueskyJob, "https://pds.example", payload, 0, now, now, ""});
    REQUIRE(store->write(batch).ok());
  }
  std::string why(const std::string& id) {
    auto d = decisions.about(id);
    REQUIRE(d.ok());
    return d->empty() ? "" : d->back().describe();
  }
  // Why the job that went to dead last went there ("" when none did).
  std::string dead_error(const std::string& job_id) {
    auto dead = queue.dead_jobs();
    REQUIRE(dead.ok());
    for (const auto& j : *dead)
      if (j.id == job_id) return j.last_error;
    return "";
  }
  bool mapped() {
    auto v = store->get(Family::idmap, std::string("ap/") + kPost);
    return v.ok() && v->has_value();
  }
};

}  // namespace

TEST_CASE("job operations keep their wire names, and a job naming an unknown one is refused", "[bridge job]") {
  for (JobOp op : {JobOp::post, JobOp::fetch_post, JobOp::update, JobOp::hide, JobOp::list_add, JobOp::list_remove,
                   JobOp::reply, JobOp::like, JobOp::repost, JobOp::remove}) {
    auto back = decode_bridge_job(encode_bridge_job({"e1", "townhall", op, ""}));
    REQUIRE(back);
    CHECK(back->op == op);
  }
  auto hide = decode_bridge_job(R"({"event":"e1","bridge":"townhall","op":"hide","subject":"at://did:plc:b/app.bsky.feed.post/3k"})");
  REQUIRE(hide);
  CHECK(hide->op == JobOp::hide);
  CHECK(hide->subject == "at://did:plc:b/app.bsky.feed.post/3k");
  // An operator's verdict names no event, only its subject; a job naming neither is damaged.
  auto verdict = decode_bridge_job(encode_bridge_job({"", "townhall", JobOp::list_add, "did:plc:bob"}));
  REQUIRE(verdict);
  CHECK(verdict->subject == "did:plc:bob");
  CHECK(verdict->event_id.empty());
  CHECK_FALSE(decode_bridge_job(R"({"event":"","bridge":"townhall","op":"list_add"})"));
  // Queued by an earlier causeway: "delete" is still a delete.
  auto old = decode_bridge_job(R"({"event":"e1","bridge":"townhall","op":"delete"})");
  REQUIRE(old);
  CHECK(old->op == JobOp::remove);
  CHECK_FALSE(decode_bridge_job(R"({"event":"e1","bridge":"townhall","op":"explode"})"));
  CHECK_FALSE(decode_bridge_job(R"({"event":"e1","op":"post"})"));
  CHECK_FALSE(decode_bridge_job("not json"));
}

TEST_CASE("a written copy is recorded as bridged and its job completed with the writer's batch", "[bridge worker]") {
  Fixture f;
  f.queue_post();
  f.writer.script = {StepOutcome{Step::done, "at://did:plc:m/app.bsky.feed.post/3k\nan image was not carried", std::nullopt}};
  CHECK(f.worker.run_due() == 1);
  CHECK(f.why(kPost) == "bridged as at://did:plc:m/app.bsky.feed.post/3k (an image was not carried)");
  CHECK(f.mapped());
  CHECK(*f.queue.pending_count() == 0);
  CHECK(f.writer.seen == std::vector<JobOp>{JobOp::post});
}

TEST_CASE("a refusal is told in why and the job goes to dead", "[bridge worker]") {
  Fixture f;
  std::string id = f.queue_post();
  f.writer.script = {StepOutcome{Step::give_up, "it replies to a post that is not on Bluesky", std::nullopt}};
  f.worker.run_due();
  CHECK(f.why(kPost) == "not bridged: it replies to a post that is not on Bluesky");
  CHECK(f.dead_error(id + ".townhall") == "it replies to a post that is not on Bluesky");
  CHECK(*f.queue.pending_count() == 0);
}

TEST_CASE("a job that must wait is released for later without counting as a failure", "[bridge worker]") {
  Fixture f;
  f.queue_post();
  f.writer.script = {StepOutcome{Step::wait, "waiting for its parent", f.now + 1'000'000},
                     StepOutcome{Step::done, "at://did:plc:m/app.bsky.feed.post/3k", std::nullopt}};
  f.worker.run_due();
  CHECK(*f.queue.pending_count() == 1);
  CHECK_FALSE(f.mapped());  // what the writer put in the batch of a job that waits is dropped
  CHECK(f.worker.run_due() == 0);  // not due yet
  f.now += 1'000'000;
  CHECK(f.worker.run_due() == 1);
  CHECK(f.why(kPost) == "bridged as at://did:plc:m/app.bsky.feed.post/3k");
  auto jobs = f.queue.dead_jobs();
  CHECK(jobs->empty());
}

TEST_CASE("a writer that throws does not stop the worker: the job is tried again later", "[bridge worker]") {
  Fixture f;
  f.queue_post();
  f.writer.throw_next = true;
  f.writer.script = {StepOutcome{Step::done, "at://did:plc:m/app.bsky.feed.post/3k", std::nullopt}};
  CHECK(f.worker.run_due() == 1);
  CHECK(*f.queue.pending_count() == 1);
  CHECK_FALSE(f.mapped());
  f.now += 3'600'000'000;  // past any backoff
  CHECK(f.worker.run_due() == 1);
  CHECK(f.why(kPost) == "bridged as at://did:plc:m/app.bsky.feed.post/3k");
}

TEST_CASE("a damaged job, one for a removed bridge and one whose event is gone are given up with the reason",
          "[bridge worker]") {
  Fixture f;
  f.enqueue_raw("damaged", "{\"op\":");
  f.worker.run_due();
  CHECK(f.dead_error("damaged") == "job payload is damaged");
  std::string id = f.queue_post(JobOp::post, "removed");
  f.worker.run_due();
  CHECK(f.dead_error(id + ".removed") == "bridge removed is no longer configured");
  f.enqueue_raw("gone", encode_bridge_job({"0000000000000000-0000", "townhall", JobOp::post, ""}));
  f.worker.run_due();
  CHECK(f.dead_error("gone") == "event 0000000000000000-0000 is gone");
  CHECK(f.writer.seen.empty());  // none of them reached the writer
}

TEST_CASE("a job about its subject alone (an operator's verdict) reaches the writer and is told under the subject",
          "[bridge worker]") {
  Fixture f;
  f.enqueue_raw("verdict", encode_bridge_job({"", "townhall", JobOp::list_add, "did:plc:bob"}));
  f.writer.script = {StepOutcome{Step::done, "at://did:plc:m/app.bsky.graph.listitem/3k\non the approved list", std::nullopt}};
  CHECK(f.worker.run_due() == 1);
  CHECK(f.writer.seen == std::vector<JobOp>{JobOp::list_add});
  CHECK(f.why("did:plc:bob") == "bridged as at://did:plc:m/app.bsky.graph.listitem/3k (on the approved list)");
  CHECK(*f.queue.pending_count() == 0);
}

TEST_CASE("a hide job's outcome is told under the reply it hides as well as under its event", "[bridge worker]") {
  Fixture f;
  std::string id = f.queue_post();
  // The router's job for the group's removal carries the Bluesky reply as its subject.
  auto claimed = f.queue.claim_due(16, kToBlueskyJob);
  REQUIRE(claimed->size() == 1);
  REQUIRE(f.queue.complete((*claimed)[0]).ok());
  const std::string reply = "at://did:plc:bob/app.bsky.feed.post/3kreply";
  f.enqueue_raw(id + ".hide", encode_bridge_job({id, "townhall", JobOp::hide, reply}));
  f.writer.script = {StepOutcome{Step::give_up, "the thread is not the mirror account's", std::nullopt}};
  f.worker.run_due();
  CHECK(f.why(reply) == "not bridged: the thread is not the mirror account's");
  CHECK(f.why(kPost) == "not bridged: the thread is not the mirror account's");
}
