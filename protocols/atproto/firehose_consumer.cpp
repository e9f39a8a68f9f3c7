#include "protocols/atproto/firehose_consumer.h"

#include <spdlog/spdlog.h>

#include "protocols/atproto/record_events.h"

namespace causeway::atproto {

FirehoseConsumer::FirehoseConsumer(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics,
                                   OutboundPolicy policy, FirehoseOptions options, std::function<std::int64_t()> clock)
    : store_(store), events_(events), filter_(filter), metrics_(metrics), options_(std::move(options)),
      clock_(std::move(clock)), socket_(policy, WebSocketOptions{options_.limits.max_frame_bytes + 1024}) {
  auto stored = store_.get(Family::cursors, cursor_key());
  if (stored.ok() && stored->has_value()) {
    try {
      cursor_ = std::stoll(**stored);
    } catch (...) {
      spdlog::warn("firehose {}: stored cursor \"{}\" is damaged; starting live", options_.service.to_string(), **stored);
    }
  }
}

FirehoseConsumer::~FirehoseConsumer() { stop(); }

std::optional<std::int64_t> FirehoseConsumer::cursor() const {
  std::int64_t c = cursor_;
  return c < 0 ? std::nullopt : std::optional(c);
}

void FirehoseConsumer::count(const char* outcome, const std::string& reason) {
  Labels labels{{"outcome", outcome}};
  if (!reason.empty()) labels.emplace_back("reason", reason);
  metrics_.counter("causeway_firehose_frames_total", "Firehose frames by outcome.", labels).inc();
}

FirehoseConsumer::Next FirehoseConsumer::process(std::string_view frame) {
  auto message = decode_frame(frame, options_.limits);
  if (!message) {
    spdlog::warn("firehose {}: frame skipped: {}", options_.service.to_string(), message.error());
    count("rejected", message.error().substr(0, message.error().find(':')));
    return Next::keep_reading;
  }
  if (auto* error = std::get_if<ErrorFrame>(&*message)) {
    spdlog::warn("firehose {}: the server ended the stream: {}{}", options_.service.to_string(), error->error,
                 error->message ? " (" + *error->message + ")" : "");
    count("error_frame", error->error);
    // A cursor ahead of the server (its history was reset, or it is another server): start again
    // from the oldest frame it keeps. Nothing is lost, and ops already taken in are recognised
    // by their at-uri, so nothing is stored twice.
    if (error->error == "FutureCursor") cursor_ = 0;
    return Next::reconnect;
  }
  if (auto* info = std::get_if<InfoEvent>(&*message)) {
    spdlog::warn("firehose {}: {}{}", options_.service.to_string(), info->name, info->message ? ": " + *info->message : "");
    count("info", info->name);
    return Next::keep_reading;
  }
  std::optional<std::int64_t> seq = frame_seq(*message);
  if (!seq) {
    count("unknown_type");
    return Next::keep_reading;
  }
  if (*seq <= cursor_) {  // a replay overlapping what we already stored
    count("duplicate");
    return Next::keep_reading;
  }
  if (auto* identity = std::get_if<IdentityEvent>(&*message); identity && options_.identity_changed)
    options_.identity_changed(identity->did);
  WriteBatch batch = store_.batch();
  int taken = 0;
  if (auto* commit = std::get_if<CommitEvent>(&*message)) {
    for (const auto& op : commit->ops) {
      std::string why = filter_.why(commit->repo, op);
      if (why.empty()) continue;
      auto event = event_from_op(commit->repo, op);
      if (!event) continue;
      // Creates are remembered by at-uri (deletes of them are matched on that); deletes apart.
      std::string seen_key = (op.action == "delete" ? "at-deleted/" : "at/") + event->origin.activity_id;
      auto seen = store_.get(Family::seen, seen_key);
      if (seen.ok() && seen->has_value()) continue;
      events_.append(batch, *event, clock_());
      batch.put(Family::seen, seen_key, event->id);
      ++taken;
      spdlog::info("firehose: {} {} ({}) stored as event {}", op.action, event->origin.activity_id, why, event->id);
    }
  }
  cursor_ = *seq;
  // Frames that produced events are written, synced, together with the cursor. Frames that
  // produced nothing only move the cursor, which is written every kCursorEvery such frames (and
  // on stop): after a crash those few frames are read again and produce nothing again.
  if (taken > 0 || ++frames_since_cursor_write_ >= kCursorEvery) {
    batch.put(Family::cursors, cursor_key(), std::to_string(*seq));
    Status written = store_.write(batch, taken > 0 ? Durability::synced : Durability::buffered);
    if (!written.ok()) {
      spdlog::error("firehose {}: cannot store seq {}: {}", options_.service.to_string(), *seq, written.error());
      return Next::reconnect;
    }
    frames_since_cursor_write_ = 0;
  }
  count(taken > 0 ? "taken" : "skipped");
  if (taken) metrics_.counter("causeway_firehose_events_total", "Events taken in from the firehose.").inc(taken);
  return Next::keep_reading;
}

void FirehoseConsumer::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void FirehoseConsumer::stop() {
  running_ = false;
  socket_.stop();
  if (thread_.joinable()) thread_.join();
  save_cursor();
}

void FirehoseConsumer::save_cursor() {
  if (cursor_ < 0 || frames_since_cursor_write_ == 0) return;
  Status s = store_.put(Family::cursors, cursor_key(), std::to_string(cursor_.load()));
  if (!s.ok()) spdlog::error("firehose {}: cannot store the cursor: {}", options_.service.to_string(), s.error());
  frames_since_cursor_write_ = 0;
}

void FirehoseConsumer::run() {
  auto backoff = options_.min_backoff;
  while (running_) {
    Url url = options_.service;
    url.path = (url.path == "/" ? "" : url.path) + "/xrpc/com.atproto.sync.subscribeRepos";
    url.query = cursor_ >= 0 ? "cursor=" + std::to_string(cursor_.load()) : "";
    spdlog::info("firehose: connecting to {}", url.to_string());
    bool got_frames = false;
    Status ended = socket_.run(url, [&](std::string_view frame) {
      got_frames = true;
      return running_ && process(frame) == Next::keep_reading;
    });
    if (!running_) break;
    if (got_frames) backoff = options_.min_backoff;
    spdlog::warn("firehose {}: disconnected ({}); reconnecting in {} ms", options_.service.to_string(),
                 ended.ok() ? "closed" : ended.error(), backoff.count());
    count("reconnect");
    for (auto waited = std::chrono::milliseconds(0); running_ && waited < backoff; waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace causeway::atproto
