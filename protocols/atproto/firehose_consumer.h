// Follows a relay's or PDS's `com.atproto.sync.subscribeRepos` stream: decodes each frame, keeps the
// ops that touch watched accounts as Events, and stores them in the same write batch as the
// cursor, so a restart resumes exactly after the last frame handled (nothing lost, nothing twice).
// Reconnects by itself with backoff; FutureCursor, ConsumerTooSlow and OutdatedCursor are handled.
//
// A #commit with ops to keep is taken in only if its repo signed it and those ops are in the
// signed tree (CommitVerifier, keys from `signing_key`); one that fails is dropped whole, logged with the repo and the reason, and counted
// in causeway_firehose_commits_rejected_total{reason}, and the cursor still moves past it. Commits
// with nothing to keep are not checked, which keeps the cost to the few that matter. An #identity
// or #account event drops the DID's cached key. Key lookups are bounded (CommitVerifier: a short
// time limit per fetch; DIDs with no key in hand looked up within a per-minute count and time
// budget, their commits dropped as key_rate_limited beyond it).
//
// A frame whose processing throws (a bug or hostile input deep below) is dropped, logged and
// counted as causeway_firehose_frames_total{outcome="rejected",reason="exception"}; the stream goes
// on. Not thread-safe: process() runs on one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "bridge/base/metrics.h"
#include "bridge/event_log.h"
#include "protocols/atproto/commit_verifier.h"
#include "protocols/atproto/firehose_frame.h"
#include "protocols/atproto/op_intake.h"
#include "protocols/atproto/stream_cursor.h"
#include "protocols/atproto/watch_filter.h"
#include "protocols/net/websocket_client.h"
#include "storage/store.h"

namespace causeway::atproto {

struct FirehoseOptions {
  Url service;  // the relay or PDS base URL (ws:// or wss://); the XRPC path is added here
  Backoff backoff;
  FrameLimits limits;
  // Called with the DID of every #identity event (handle or key changed), before the cursor moves.
  std::function<void(const std::string& did)> identity_changed;
  // The repo signing keys commits are checked with; unset, every commit with ops to keep is dropped.
  // It runs on the stream thread: each call must be short (the daemon's uses kStreamKeyLookupTimeout).
  CommitVerifier::KeyLookup signing_key;
  CommitVerifierOptions verification;
};

class FirehoseConsumer {
 public:
  enum class Next { keep_reading, reconnect };

  FirehoseConsumer(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics, OutboundPolicy policy,
                   FirehoseOptions options, std::function<std::int64_t()> clock);
  ~FirehoseConsumer();

  void start();  // a thread that connects, reads and reconnects until stop()
  void stop();

  // Handles one frame as received: public for tests and the benchmark.
  Next process(std::string_view frame);

  std::optional<std::int64_t> cursor() const { return cursor_.get(); }
  const std::string& cursor_key() const { return cursor_.key(); }

 private:
  void run();
  Next process_frame(std::string_view frame);  // process() without its catch-all
  void count(const char* outcome, const std::string& reason = "");
  // The ops of `commit` to keep, into `batch` once the commit is verified; how many were taken.
  int take_commit(WriteBatch& batch, const CommitEvent& commit);

  Store& store_;
  Metrics& metrics_;
  FirehoseOptions options_;
  OpIntake intake_;
  CommitVerifier verifier_;
  StreamCursor cursor_;
  WebSocketClient socket_;
  std::thread thread_;
};

}  // namespace causeway::atproto
