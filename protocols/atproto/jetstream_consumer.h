// Follows a Jetstream service (`/subscribe`, JSON messages): the commits of the collections the
// bridge carries, and every identity and account event. Commits that touch watched accounts become
// Events, stored in the same write batch as the cursor (the message's time_us), so a restart misses
// nothing. Reconnects by itself with backoff, resuming a few seconds before the last time_us as
// Jetstream recommends; what is read twice is recognised by its at-uri and not stored again.
//
// Jetstream messages carry no commit, CAR or signature (the service verified and stripped them), so
// there is nothing to check here: trusting a Jetstream means trusting its operator. The firehose is
// the stream whose commits are checked against their repos' keys.
//
// wantedDids is not used: it selects commits *by* the listed accounts, and the bridge needs
// everyone's replies, likes, reposts and follows *of* the mirror accounts.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bridge/base/metrics.h"
#include "bridge/event_log.h"
#include "protocols/atproto/jetstream_event.h"
#include "protocols/atproto/op_intake.h"
#include "protocols/atproto/stream_cursor.h"
#include "protocols/atproto/watch_filter.h"
#include "protocols/net/websocket_client.h"
#include "storage/store.h"

namespace causeway::atproto {

struct JetstreamOptions {
  Url service;  // the service's base URL (ws:// or wss://), e.g. ws://127.0.0.1:6008; /subscribe is added
  Backoff backoff;
  JetstreamLimits limits;  // also sent as maxMessageSizeBytes, so the server leaves larger ones out
  // How far before the last time_us handled a connection resumes. time_us is the server's clock,
  // so this also covers a switch to another instance.
  std::chrono::microseconds rewind = std::chrono::seconds(5);
  // Sent as wantedCollections: what the watch filter and record_events read.
  std::vector<std::string> wanted_collections = {"app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.feed.repost",
                                                 "app.bsky.graph.follow", "app.bsky.actor.profile"};
  // Called with the DID of every identity event (handle or key changed), before the cursor moves.
  std::function<void(const std::string& did)> identity_changed;
};

class JetstreamConsumer {
 public:
  enum class Next { keep_reading, reconnect };

  JetstreamConsumer(Store& store, EventLog& events, const WatchFilter& filter, Metrics& metrics, OutboundPolicy policy,
                    JetstreamOptions options, std::function<std::int64_t()> clock);
  ~JetstreamConsumer();

  // A thread that connects, reads and reconnects until stop(). A stopped consumer does not start
  // again: make a new one, which resumes from the stored cursor.
  void start();
  void stop();

  // Handles one message as received: public for tests.
  Next process(std::string_view message);

  // The greatest time_us handled; a replayed (older) message never moves it back.
  std::optional<std::int64_t> cursor() const { return cursor_.get(); }
  const std::string& cursor_key() const { return cursor_.key(); }

  // Where the next connection goes: /subscribe with the wanted collections, the size limit, and
  // the cursor less the rewind (none before the first message: live).
  Url subscribe_url() const;

 private:
  void count(const char* outcome, const std::string& reason = "");

  Store& store_;
  const WatchFilter& filter_;
  Metrics& metrics_;
  JetstreamOptions options_;
  std::function<std::int64_t()> clock_;
  OpIntake intake_;
  StreamCursor cursor_;
  WebSocketClient socket_;
  std::thread thread_;
};

}  // namespace causeway::atproto
