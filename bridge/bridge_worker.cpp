#include "bridge/bridge_worker.h"

#include <spdlog/spdlog.h>

namespace causeway {

BridgeWorker::BridgeWorker(BridgeWorkerDeps deps, std::string kind, BridgeWriter& writer,
                           std::chrono::milliseconds idle_every)
    : d_(std::move(deps)), kind_(std::move(kind)), writer_(writer), idle_every_(idle_every) {}

BridgeWorker::~BridgeWorker() { stop(); }

void BridgeWorker::start() {
  running_ = true;
  thread_ = std::thread([this] {
    auto last_idle = std::chrono::steady_clock::now();
    while (running_) {
      if (run_due() != 0) continue;
      if (std::chrono::steady_clock::now() - last_idle >= idle_every_) {
        writer_.idle();
        last_idle = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // an idle poll is one cheap seek
    }
  });
  started_ = true;
}

void BridgeWorker::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
}

std::size_t BridgeWorker::run_due() {
  auto jobs = d_.queue.claim_due(16, kind_);
  if (!jobs) {
    spdlog::error("{} jobs: cannot read the queue: {}", kind_, jobs.error());
    return 0;
  }
  std::size_t n = 0;
  for (auto& job : *jobs) {
    // Once stopping, jobs not started go back untouched (still due now).
    if (started_ && !running_) {
      (void)d_.queue.release(job, job.due_us);
      continue;
    }
    // Remote documents are hostile input, and a job that crashed the process would crash it again
    // on every restart: a throw is logged and the job retried later.
    Job copy = job;
    try {
      handle(std::move(job));
    } catch (const std::exception& e) {
      spdlog::error("{} job {}: {}; will retry", kind_, copy.id, e.what());
      (void)d_.queue.retry_later(copy, std::string("internal error: ") + e.what());
    }
    ++n;
  }
  return n;
}

std::optional<LoadedJob> BridgeWorker::load(const Job& job) {
  auto bj = decode_bridge_job(job.payload);
  if (!bj) {
    spdlog::error("to {} {}: job payload is damaged", writer_.network(), job.id);
    (void)d_.queue.give_up(job, "job payload is damaged");
    return std::nullopt;
  }
  LoadedJob loaded{*bj, {}, nullptr};
  for (const auto& b : d_.config.bridges)
    if (b.name == bj->bridge) loaded.bridge = &b;
  if (bj->event_id.empty() && loaded.bridge) {
    // An operator's verdict, not an event: the job's story is told under its subject.
    loaded.event.origin.network = Network::atproto;
    loaded.event.origin.activity_id = bj->subject;
    loaded.event.received_at_us = job.created_us;
    return loaded;
  }
  auto stored = d_.events.get(bj->event_id);
  std::string why;
  if (!loaded.bridge) why = "bridge " + bj->bridge + " is no longer configured";
  else if (!stored) why = "event " + bj->event_id + ": " + stored.error();
  else if (!stored->has_value()) why = "event " + bj->event_id + " is gone";
  if (!why.empty()) {
    spdlog::error("to {} {}: {}", writer_.network(), job.id, why);
    (void)d_.queue.give_up(job, why);
    return std::nullopt;
  }
  loaded.event = std::move(**stored);
  return loaded;
}

void BridgeWorker::handle(Job job) {
  auto loaded = load(job);
  if (!loaded) return;
  WriteBatch batch = d_.store.batch();
  std::optional<IngestLocks::Guard> settling;  // held from the writer's last check until settled
  StepOutcome outcome = writer_.write(*loaded, batch, settling);
  settle(job, *loaded, outcome, batch);
}

void BridgeWorker::settle(const Job& job, const LoadedJob& loaded, const StepOutcome& outcome, WriteBatch& batch) {
  const Event& event = loaded.event;
  const std::string& bridge = loaded.bridge->name;
  const char* op = job_op_name(loaded.job.op);
  const char* to = writer_.network();
  std::int64_t now = d_.clock();
  // The story is told under the activity's id and, when it differs, the object's.
  auto record = [&](Outcome o, const std::string& reason, const std::string& copy) {
    Decision d{event.origin.activity_id, bridge, o, reason, copy, event.id, now};
    d_.decisions.record(batch, d);
    if (!event.origin.object.id.empty() && event.origin.object.id != event.origin.activity_id) {
      d.native_id = event.origin.object.id;
      d_.decisions.record(batch, d);
    }
    const std::string& subject = loaded.job.subject;  // the reply hidden, the account listed
    if (!subject.empty() && subject != event.origin.activity_id && subject != event.origin.object.id) {
      d.native_id = subject;
      d_.decisions.record(batch, d);
    }
  };
  const char* label = "retry";
  Status st;
  switch (outcome.step) {
    case Step::done: {
      auto nl = outcome.message.find('\n');
      std::string copy = outcome.message.substr(0, nl);
      std::string notes = nl == std::string::npos ? "" : outcome.message.substr(nl + 1);
      record(Outcome::bridged, notes, copy);
      st = d_.queue.complete(job, batch);
      label = "delivered";
      spdlog::info("bridge {}: {} {} -> {}{}", bridge, op, event.origin.activity_id, copy,
                   notes.empty() ? "" : " (" + notes + ")");
      break;
    }
    case Step::give_up:
      record(Outcome::not_bridged, outcome.message, "");
      if (Status w = d_.store.write(batch); !w.ok()) spdlog::error("to {} {}: {}", to, job.id, w.error());
      st = d_.queue.give_up(job, outcome.message);
      label = "failed";
      spdlog::warn("bridge {}: {} {} not bridged: {}", bridge, op, event.origin.activity_id, outcome.message);
      break;
    case Step::wait:
      st = d_.queue.release(job, outcome.retry_at_us.value_or(now + 1'000'000));
      label = "waiting";
      break;
    case Step::retry:
      spdlog::warn("bridge {}: {} {}: will retry: {}", bridge, op, event.origin.activity_id, outcome.message);
      st = d_.queue.retry_later(job, outcome.message, outcome.retry_at_us);
      break;
  }
  if (!st.ok()) spdlog::error("to {} {}: updating the queue: {}", to, job.id, st.error());
  d_.metrics
      .counter("causeway_bridge_deliveries_total", "Bridge deliveries by bridge, direction and outcome.",
               {{"bridge", bridge}, {"to", to}, {"outcome", label}})
      .inc();
  if (outcome.step == Step::done)
    d_.metrics
        .histogram("causeway_bridge_delivery_seconds", "From receipt to the copy written, per bridge and direction.",
                   {{"bridge", bridge}, {"to", to}})
        .observe(static_cast<double>(now - event.received_at_us) / 1e6);
}

}  // namespace causeway
