#include "bridge/retention.h"

#include <spdlog/spdlog.h>

#include <string>
#include <unordered_set>

#include "bridge/decisions.h"
#include "bridge/flag_reports.h"
#include "bridge/moderation.h"
#include "bridge/router.h"
#include "bridge/seen_ids.h"

namespace causeway {
namespace {

constexpr const char* kPrunedMetric = "causeway_pruned_total";
constexpr const char* kPrunedHelp = "Records removed by retention (storage.retention), by family.";

}  // namespace

RetentionPruner::RetentionPruner(Store& store, const EventLog& events, const DeliveryQueue& queue, Metrics& metrics,
                                 RetentionConfig retention, std::function<std::int64_t()> clock)
    : store_(store),
      events_(events),
      queue_(queue),
      metrics_(metrics),
      retention_(retention),
      clock_(std::move(clock)) {
  // Registered up front, so the series read 0 before the first pass rather than being absent.
  for (const char* family : {"events", "seen", "decisions", "flags"})
    metrics_.counter(kPrunedMetric, kPrunedHelp, {{"family", family}});
}

RetentionPruner::~RetentionPruner() { stop(); }

Result<RetentionPruner::Counts> RetentionPruner::run_once() {
  std::int64_t now = clock_();
  // The events jobs still need. A job moves between the queue, the dead list and the held list in
  // one batch, so reading the queue again last catches any job that moved while the others were read.
  std::unordered_set<std::string> wanted;
  auto want = [&wanted](const Job& job) {
    if (auto bridge_job = decode_bridge_job(job.payload)) wanted.insert(bridge_job->event_id);
  };
  Status read = queue_.for_each_queued(want);
  if (read.ok()) read = queue_.for_each_dead(want);
  if (read.ok())
    read = Moderation(store_).for_each_held([&](const std::string& event_id, const Job& job) {
      wanted.insert(event_id);
      want(job);
    });
  if (read.ok()) read = queue_.for_each_queued(want);
  if (!read.ok()) return make_error("retention: cannot list the jobs still waiting: " + read.error());

  auto is_wanted = [&wanted](const std::string& event_id) { return wanted.count(event_id) > 0; };
  auto cutoff = [now](std::int64_t seconds) { return now - seconds * 1'000'000; };
  Counts counts;
  std::size_t examined_wanted = 0;
  auto counting_wanted = [&](const std::string& event_id) {
    bool keep = is_wanted(event_id);
    if (keep) ++examined_wanted;
    return keep;
  };

  auto events = events_.prune_older_than(cutoff(retention_.events_seconds), counting_wanted);
  if (!events) return make_error("retention: events: " + events.error());
  counts.events = *events;
  counts.still_wanted = examined_wanted;
  auto seen = SeenIds(store_).prune_older_than(cutoff(retention_.seen_seconds), is_wanted);
  if (!seen) return make_error("retention: seen ids: " + seen.error());
  counts.seen = *seen;
  auto decisions = Decisions(store_).prune_older_than(cutoff(retention_.decisions_seconds), is_wanted);
  if (!decisions) return make_error("retention: decisions: " + decisions.error());
  counts.decisions = *decisions;
  auto flags = FlagReports(store_).prune_older_than(cutoff(retention_.flags_seconds));
  if (!flags) return make_error("retention: flags: " + flags.error());
  counts.flags = *flags;

  metrics_.counter(kPrunedMetric, kPrunedHelp, {{"family", "events"}}).inc(counts.events);
  metrics_.counter(kPrunedMetric, kPrunedHelp, {{"family", "seen"}}).inc(counts.seen);
  metrics_.counter(kPrunedMetric, kPrunedHelp, {{"family", "decisions"}}).inc(counts.decisions);
  metrics_.counter(kPrunedMetric, kPrunedHelp, {{"family", "flags"}}).inc(counts.flags);
  bool removed = counts.events + counts.seen + counts.decisions + counts.flags > 0;
  spdlog::log(removed ? spdlog::level::info : spdlog::level::debug,
              "retention: removed {} events, {} seen ids, {} decisions, {} flags; kept {} old events still "
              "wanted by queued, dead or held jobs",
              counts.events, counts.seen, counts.decisions, counts.flags, counts.still_wanted);
  return counts;
}

void RetentionPruner::start(std::chrono::milliseconds first, std::chrono::milliseconds every) {
  timer_ = std::thread([this, first, every] {
    std::unique_lock lock(mu_);
    auto wait = first;
    while (!wake_.wait_for(lock, wait, [this] { return stopping_; })) {
      lock.unlock();
      if (auto pass = run_once(); !pass) spdlog::error("{}", pass.error());
      lock.lock();
      wait = every;
    }
  });
}

void RetentionPruner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
}

}  // namespace causeway
