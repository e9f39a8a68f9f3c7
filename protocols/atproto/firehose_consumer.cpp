#include "protocols/atproto/firehose_consumer.h"

#include <spdlog/spdlog.h>

namespace causeway::atproto {

FirehoseConsumer::FirehoseConsumer(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics,
                                   OutboundPolicy policy, FirehoseOptions options, std::function<std::int64_t()> clock)
    : store_(store),
      metrics_(metrics),
      options_(std::move(options)),
      intake_(store, events, filter, metrics, clock, "firehose"),
      verifier_(options_.signing_key ? options_.signing_key
                                     : [](const std::string& did, bool) -> Result<PublicKey> {
                                         return make_error("no key source is configured to check " + did);
                                       },
                clock, options_.verification),
      cursor_(store, "firehose/" + options_.service.to_string()),
      socket_(policy, WebSocketOptions{options_.limits.max_frame_bytes + 1024}) {}

FirehoseConsumer::~FirehoseConsumer() { stop(); }

void FirehoseConsumer::count(const char* outcome, const std::string& reason) {
  Labels labels{{"outcome", outcome}};
  if (!reason.empty()) labels.emplace_back("reason", reason);
  metrics_.counter("causeway_firehose_frames_total", "Firehose frames by outcome.", labels).inc();
}

int FirehoseConsumer::take_commit(WriteBatch& batch, const CommitEvent& commit) {
  std::vector<OpIntake::Admitted> kept;
  for (const auto& op : commit.ops) {
    OpIntake::Outcome outcome;
    if (auto admitted = intake_.admit(commit.repo, op, outcome)) kept.push_back(std::move(*admitted));
  }
  if (kept.empty()) return 0;
  std::vector<const RepoOp*> ops;
  for (const auto& admitted : kept) ops.push_back(admitted.op);
  CommitVerifier::Verdict verdict = verifier_.check(commit, ops);
  if (verdict.key_refreshed)
    spdlog::info("firehose {}: the signing key of {} was looked up afresh for seq {}", options_.service.to_string(),
                 commit.repo, commit.seq);
  if (!verdict.ok()) {
    std::string_view reason = reason_label(*verdict.rejected);
    spdlog::warn("firehose {}: commit of {} at seq {} dropped ({} ops to keep): {}: {}", options_.service.to_string(),
                 commit.repo, commit.seq, kept.size(), reason, verdict.detail);
    metrics_
        .counter("causeway_firehose_commits_rejected_total",
                 "Commits with ops to keep dropped because they are not their repo's, by reason.",
                 {{"reason", std::string(reason)}})
        .inc();
    return 0;
  }
  metrics_.counter("causeway_firehose_commits_verified_total", "Commits with ops to keep whose signature verified.")
      .inc();
  spdlog::debug("firehose {}: commit of {} at seq {} verified ({} ops to keep)", options_.service.to_string(), commit.repo,
                commit.seq, kept.size());
  int taken = 0;
  OpIntake::BatchSeen seen;  // the same path listed twice in the commit is one event
  for (auto& admitted : kept)
    if (intake_.store(batch, seen, admitted) == OpIntake::Outcome::taken) ++taken;
  return taken;
}

FirehoseConsumer::Next FirehoseConsumer::process(std::string_view frame) {
  // The last line of defence: a bug or a hostile input deep below (a resolver, a parser) must cost
  // one frame, not the daemon. The batch is not written and the cursor moves with the next frame.
  try {
    return process_frame(frame);
  } catch (const std::exception& e) {
    spdlog::error("firehose {}: frame dropped: processing it threw: {}", options_.service.to_string(), e.what());
  } catch (...) {
    spdlog::error("firehose {}: frame dropped: processing it threw", options_.service.to_string());
  }
  count("rejected", "exception");
  return Next::keep_reading;
}

FirehoseConsumer::Next FirehoseConsumer::process_frame(std::string_view frame) {
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
    if (error->error == "FutureCursor") cursor_.reset(0);
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
  if (*seq <= cursor_.get().value_or(-1)) {  // a replay overlapping what we already stored
    count("duplicate");
    return Next::keep_reading;
  }
  if (auto* identity = std::get_if<IdentityEvent>(&*message)) {
    verifier_.forget(identity->did);
    if (options_.identity_changed) options_.identity_changed(identity->did);
  }
  // An account deactivated, taken down or moved may have a new PDS (and key): resolve it afresh next time.
  if (auto* account = std::get_if<AccountEvent>(&*message)) {
    verifier_.forget(account->did);
    if (options_.identity_changed) options_.identity_changed(account->did);
  }
  WriteBatch batch = store_.batch();
  int taken = 0;
  if (auto* commit = std::get_if<CommitEvent>(&*message)) taken = take_commit(batch, *commit);
  if (Status written = cursor_.advance(batch, *seq, taken > 0); !written.ok()) {
    spdlog::error("firehose {}: cannot store seq {}: {}", options_.service.to_string(), *seq, written.error());
    return Next::reconnect;
  }
  count(taken > 0 ? "taken" : "skipped");
  if (taken) metrics_.counter("causeway_firehose_events_total", "Events taken in from the firehose.").inc(taken);
  return Next::keep_reading;
}

void FirehoseConsumer::start() {
  thread_ = std::thread([this] { run(); });
}

void FirehoseConsumer::stop() {
  socket_.stop();
  if (thread_.joinable()) thread_.join();
  if (Status s = cursor_.flush(); !s.ok())
    spdlog::error("firehose {}: cannot store the cursor: {}", options_.service.to_string(), s.error());
}

void FirehoseConsumer::run() {
  auto next_url = [this] {
    Url url = options_.service;
    url.path = (url.path == "/" ? "" : url.path) + "/xrpc/com.atproto.sync.subscribeRepos";
    auto position = cursor_.get();
    url.query = position ? "cursor=" + std::to_string(*position) : "";
    spdlog::info("firehose: connecting to {}", url.to_string());
    return url;
  };
  socket_.run_until_stopped(
      next_url, [this](std::string_view frame) { return process(frame) == Next::keep_reading; }, options_.backoff,
      [this](const Status& ended, std::chrono::milliseconds wait) {
        spdlog::warn("firehose {}: disconnected ({}); reconnecting in {} ms", options_.service.to_string(),
                     ended.ok() ? "closed" : ended.error(), wait.count());
        count("reconnect");
      });
}

}  // namespace causeway::atproto
