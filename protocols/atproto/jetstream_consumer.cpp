#include "protocols/atproto/jetstream_consumer.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace causeway::atproto {
namespace {

// A time_us further ahead of our clock than this is refused: as the cursor it would make every
// later (correct) message look old, and every reconnect would start at the live tail.
constexpr std::int64_t kMaxAheadUs = 3600LL * 1'000'000;

}  // namespace

JetstreamConsumer::JetstreamConsumer(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics,
                                     OutboundPolicy policy, JetstreamOptions options,
                                     std::function<std::int64_t()> clock)
    : store_(store),
      filter_(filter),
      metrics_(metrics),
      options_(std::move(options)),
      clock_(std::move(clock)),
      intake_(store, events, filter, metrics, clock_, "jetstream"),
      cursor_(store, "jetstream/" + options_.service.to_string()),
      // Room above the parser's limit: an oversize message from a server that ignores
      // maxMessageSizeBytes is counted and skipped instead of ending the connection.
      socket_(policy, WebSocketOptions{options_.limits.max_message_bytes * 2}) {}

JetstreamConsumer::~JetstreamConsumer() { stop(); }

void JetstreamConsumer::count(const char* outcome, const std::string& reason) {
  Labels labels{{"outcome", outcome}};
  if (!reason.empty()) labels.emplace_back("reason", reason);
  metrics_.counter("causeway_jetstream_messages_total", "Jetstream messages by outcome.", labels).inc();
}

JetstreamConsumer::Next JetstreamConsumer::process(std::string_view message) {
  auto parsed = parse_jetstream_event(message, options_.limits);
  if (!parsed) {
    spdlog::warn("jetstream {}: message rejected: {}", options_.service.to_string(), parsed.error());
    count("rejected", parsed.error().substr(0, parsed.error().find(':')));
    return Next::keep_reading;
  }
  JetstreamEvent& event = *parsed;
  if (event.kind == JetstreamEvent::Kind::other) {
    spdlog::debug("jetstream {}: message of kind \"{}\" skipped", options_.service.to_string(), event.kind_name);
    count("skipped", "kind");
    return Next::keep_reading;
  }
  const std::string did = event.did;
  const std::int64_t time_us = event.time_us;
  if (time_us > clock_() + kMaxAheadUs) {
    spdlog::warn("jetstream {}: message rejected: time_us {} ({} {}) is more than an hour ahead of our clock",
                 options_.service.to_string(), time_us, event.kind_name, did);
    count("rejected", "time_us");
    return Next::keep_reading;
  }
  const bool watched = filter_.watching(did);
  WriteBatch batch = store_.batch();
  bool taken = false;
  std::string skipped;  // why nothing was stored
  switch (event.kind) {
    case JetstreamEvent::Kind::identity:
      if (options_.identity_changed) options_.identity_changed(did);
      spdlog::log(watched ? spdlog::level::info : spdlog::level::debug, "jetstream: identity of {} changed (handle {})",
                  did, event.handle.value_or("none"));
      skipped = "identity";
      break;
    case JetstreamEvent::Kind::account:
      // An account deactivated, taken down or moved may have a new PDS: resolve it afresh next time.
      if (options_.identity_changed) options_.identity_changed(did);
      spdlog::log(watched ? (event.active ? spdlog::level::info : spdlog::level::warn) : spdlog::level::debug,
                  "jetstream: account {} is {}{}", did, event.active ? "active" : "inactive",
                  event.status ? " (" + *event.status + ")" : "");
      skipped = "account";
      break;
    case JetstreamEvent::Kind::commit: {
      RepoOp op = jetstream_repo_op(std::move(event));
      OpIntake::BatchSeen seen;  // one op per message here
      switch (intake_.take(batch, seen, did, op)) {
        case OpIntake::Outcome::taken: taken = true; break;
        case OpIntake::Outcome::unwatched: skipped = "unwatched"; break;
        case OpIntake::Outcome::invalid: skipped = "invalid record"; break;
        case OpIntake::Outcome::not_carried: skipped = "not carried"; break;
        case OpIntake::Outcome::duplicate: skipped = "duplicate"; break;
      }
      if (!taken) spdlog::debug("jetstream: {} at://{}/{} skipped: {}", op.action, did, op.path, skipped);
      break;
    }
    case JetstreamEvent::Kind::other: break;
  }
  std::int64_t position = std::max(cursor_.get().value_or(0), time_us);
  if (Status written = cursor_.advance(batch, position, taken); !written.ok()) {
    spdlog::error("jetstream {}: cannot store time_us {}: {}", options_.service.to_string(), time_us, written.error());
    return Next::reconnect;
  }
  if (taken) {
    count("taken");
    metrics_.counter("causeway_jetstream_events_total", "Events taken in from Jetstream.").inc();
  } else {
    count("skipped", skipped);
  }
  return Next::keep_reading;
}

Url JetstreamConsumer::subscribe_url() const {
  Url url = options_.service;
  url.path = (url.path == "/" ? "" : url.path) + "/subscribe";
  url.query.clear();
  for (const auto& collection : options_.wanted_collections) url.query += "wantedCollections=" + collection + "&";
  url.query += "maxMessageSizeBytes=" + std::to_string(options_.limits.max_message_bytes);
  if (auto position = cursor_.get())
    url.query += "&cursor=" + std::to_string(std::max<std::int64_t>(0, *position - options_.rewind.count()));
  return url;
}

void JetstreamConsumer::start() {
  thread_ = std::thread([this] {
    socket_.run_until_stopped(
        [this] {
          Url url = subscribe_url();
          spdlog::info("jetstream: connecting to {}", url.to_string());
          return url;
        },
        [this](std::string_view message) { return process(message) == Next::keep_reading; }, options_.backoff,
        [this](const Status& ended, std::chrono::milliseconds wait) {
          spdlog::warn("jetstream {}: disconnected ({}); reconnecting in {} ms", options_.service.to_string(),
                       ended.ok() ? "closed" : ended.error(), wait.count());
          count("reconnect");
        });
  });
}

void JetstreamConsumer::stop() {
  socket_.stop();
  if (thread_.joinable()) thread_.join();
  if (Status s = cursor_.flush(); !s.ok())
    spdlog::error("jetstream {}: cannot store the cursor: {}", options_.service.to_string(), s.error());
}

}  // namespace causeway::atproto
