// A WebSocket client for long-lived streams (the firehose, Jetstream): ws and wss, the host checked
// by the outbound-address guard, TLS with SNI and host-name verification, an idle timeout with
// pings, and a bound on message size. One connection per call to run(); Beast stays in this file.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "bridge/base/url.h"
#include "protocols/net/address_guard.h"

namespace causeway {

struct WebSocketOptions {
  std::size_t max_message_bytes = 6 * 1024 * 1024;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds idle_timeout{60};  // no frame (nor pong) for this long: the connection is dead
};

struct Backoff {
  std::chrono::milliseconds min{500};
  std::chrono::milliseconds max{60000};
};

class WebSocketClient {
 public:
  // Returns false to close the connection (e.g. after an error frame).
  using MessageHandler = std::function<bool(std::string_view message)>;

  WebSocketClient(OutboundPolicy policy, WebSocketOptions options) : policy_(policy), options_(options) {}

  // Connects to `url` (ws:// or wss://, path and query included) and hands every binary or text
  // message to `on_message` until the server closes, an error occurs, `on_message` returns false,
  // or stop() is called. The status says why it ended (ok when closed by stop or the handler).
  Status run(const Url& url, const MessageHandler& on_message);

  // Why a connection ended, and how long run_until_stopped waits before the next one.
  using DisconnectHandler = std::function<void(const Status& ended, std::chrono::milliseconds wait)>;

  // Runs connections one after another until stop(). The URL is asked of `next_url` before each,
  // since a cursor in it may have moved. The wait after a disconnection doubles from backoff.min up
  // to backoff.max, and starts from min again after a connection that delivered a message.
  void run_until_stopped(const std::function<Url()>& next_url, const MessageHandler& on_message, Backoff backoff,
                         const DisconnectHandler& on_disconnect);

  // Ends a run() in progress from another thread; every later run() returns at once.
  void stop();

 private:
  OutboundPolicy policy_;
  WebSocketOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable stopped_;  // wakes a backoff wait
  std::function<void()> cancel_;  // closes the current connection
};

}  // namespace causeway
