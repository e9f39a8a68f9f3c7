#include "bridge/daemon/bridge_job.h"

#include <spdlog/spdlog.h>

#include "bridge/base/clock.h"

namespace causeway {

std::optional<LoadedJob> load_bridge_job(const Job& job, DeliveryQueue& queue, const EventLog& events,
                                         const Config& config, const char* direction) {
  auto bj = decode_bridge_job(job.payload);
  if (!bj) {
    (void)queue.give_up(job, "job payload is damaged");
    return std::nullopt;
  }
  LoadedJob loaded{*bj, {}, nullptr};
  for (const auto& b : config.bridges)
    if (b.name == bj->bridge) loaded.bridge = &b;
  auto stored = events.get(bj->event_id);
  std::string why;
  if (!loaded.bridge) why = "bridge " + bj->bridge + " is no longer configured";
  else if (!stored) why = "event " + bj->event_id + ": " + stored.error();
  else if (!stored->has_value()) why = "event " + bj->event_id + " is gone";
  if (!why.empty()) {
    spdlog::error("to {} {}: {}", direction, job.id, why);
    (void)queue.give_up(job, why);
    return std::nullopt;
  }
  loaded.event = std::move(**stored);
  return loaded;
}

bool still_coming(const Decisions& decisions, const std::string& native_id, std::int64_t received_us) {
  constexpr std::int64_t kParentWaitUs = 600'000'000;
  auto about = decisions.about(native_id);
  bool pending = about.ok() && !about->empty() &&
                 (about->back().outcome == Outcome::queued || about->back().outcome == Outcome::held);
  return pending && now_us() - received_us < kParentWaitUs;
}

void settle_bridge_job(const Settle& s, const Job& job, const LoadedJob& loaded, const StepOutcome& outcome,
                       WriteBatch& batch) {
  const Event& event = loaded.event;
  const std::string& bridge = loaded.bridge->name;
  const std::string& op = loaded.job.op;
  auto record = [&](Outcome o, const std::string& reason, const std::string& copy) {
    Decision d{event.origin.activity_id, bridge, o, reason, copy, event.id, now_us()};
    s.decisions.record(batch, d);
    if (!event.origin.object.id.empty() && event.origin.object.id != event.origin.activity_id) {
      d.native_id = event.origin.object.id;
      s.decisions.record(batch, d);
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
      st = s.queue.complete(job, batch);
      label = "delivered";
      spdlog::info("bridge {}: {} {} -> {}{}", bridge, op, event.origin.activity_id, copy, notes.empty() ? "" : " (" + notes + ")");
      break;
    }
    case Step::give_up:
      record(Outcome::not_bridged, outcome.message, "");
      if (Status w = s.store.write(batch); !w.ok()) spdlog::error("to {} {}: {}", s.to, job.id, w.error());
      st = s.queue.give_up(job, outcome.message);
      label = "failed";
      spdlog::warn("bridge {}: {} {} not bridged: {}", bridge, op, event.origin.activity_id, outcome.message);
      break;
    case Step::wait:
      st = s.queue.release(job, outcome.retry_at_us.value_or(now_us() + 1'000'000));
      label = "waiting";
      break;
    case Step::retry:
      spdlog::warn("bridge {}: {} {}: will retry: {}", bridge, op, event.origin.activity_id, outcome.message);
      st = s.queue.retry_later(job, outcome.message, outcome.retry_at_us);
      break;
  }
  if (!st.ok()) spdlog::error("to {} {}: updating the queue: {}", s.to, job.id, st.error());
  s.metrics
      .counter("causeway_bridge_deliveries_total", "Bridge deliveries by bridge, direction and outcome.",
               {{"bridge", bridge}, {"to", s.to}, {"outcome", label}})
      .inc();
  if (outcome.step == Step::done)
    s.metrics
        .histogram("causeway_bridge_delivery_seconds", "From receipt to the copy written, per bridge and direction.",
                   {{"bridge", bridge}, {"to", s.to}})
        .observe(static_cast<double>(now_us() - event.received_at_us) / 1e6);
}

}  // namespace causeway
