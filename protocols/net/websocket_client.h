// A WebSocket client for long-lived streams (the firehose, Jetstream): ws and wss, the host checked
// by the outbound-address guard, TLS with SNI and host-name verification, an idle timeout with
// pings, and a bound on message size. One connection per call to run(); Beast stays in this file.
#pragma once

#include <atomic>
#include <chrono>
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

class WebSocketClient {
 public:
  // Returns false to close the connection (e.g. after an error frame).
  using MessageHandler = std::function<bool(std::string_view message)>;

  WebSocketClient(OutboundPolicy policy, WebSocketOptions options) : policy_(policy), options_(options) {}

  // Connects to `url` (ws:// or wss://, path and query included) and hands every binary or text
  // message to `on_message` until the server closes, an error occurs, `on_message` returns false,
  // or stop() is called. The status says why it ended (ok when closed by stop or the handler).
  Status run(const Url& url, const MessageHandler& on_message);

  // Ends a run() in progress from another thread; every later run() returns at once.
  void stop();

 private:
  OutboundPolicy policy_;
  WebSocketOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::function<void()> cancel_;  // closes the current connection
};

}  // namespace causeway
