#include "protocols/net/websocket_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <utility>  // Boost 1.74's asio needs std::exchange declared first under C++20

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace causeway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Sync reads cannot use Beast's (async-only) timeouts, so a receive timeout on the socket bounds
// every read: a stream silent for idle_timeout is treated as dead and reconnected by the caller.
void set_receive_timeout(tcp::socket& socket, std::chrono::seconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Connects within `timeout`, running the io_context in short slices so that stop() (which sets
// `stopping`) is honoured at once even while a connect hangs.
beast::error_code connect_within(asio::io_context& ioc, tcp::socket& socket, const tcp::endpoint& endpoint,
                                 std::chrono::seconds timeout, const std::atomic<bool>& stopping) {
  beast::error_code ec = asio::error::timed_out;
  bool done = false;
  socket.async_connect(endpoint, [&](beast::error_code result) {
    ec = result;
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && !stopping && std::chrono::steady_clock::now() < deadline) ioc.run_for(std::chrono::milliseconds(100));
  if (!done) {
    beast::error_code ignored;
    socket.close(ignored);
    ioc.run();  // let the cancelled operation finish before the socket goes away
    ec = asio::error::timed_out;
  }
  ioc.restart();
  return ec;
}

template <class Stream>
Status read_loop(websocket::stream<Stream>& ws, const Url& url, const WebSocketOptions& options,
                 const WebSocketClient::MessageHandler& on_message, const std::atomic<bool>& stopping) {
  ws.read_message_max(options.max_message_bytes);
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "causeway");
  }));
  beast::error_code ec;
  std::string target = url.path + (url.query.empty() ? "" : "?" + url.query);
  ws.handshake(url.authority(), target, ec);
  if (ec) return make_error(url.to_string() + ": WebSocket handshake: " + ec.message());
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    ws.read(buffer, ec);
    if (ec) {
      if (stopping || ec == websocket::error::closed) return {};
      return make_error(url.to_string() + ": " + ec.message());
    }
    auto data = buffer.cdata();
    if (!on_message(std::string_view(static_cast<const char*>(data.data()), data.size()))) {
      ws.close(websocket::close_code::normal, ec);
      return {};
    }
  }
}

}  // namespace

Status WebSocketClient::run(const Url& url, const MessageHandler& on_message) {
  if (stopping_) return {};
  auto addresses = resolve_guarded(url.host, url.port, policy_);
  if (!addresses) return make_error(url.to_string() + ": " + addresses.error());
  asio::io_context ioc;
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(addresses->front(), ec), url.port);
  if (ec) return make_error(url.to_string() + ": bad address " + addresses->front());

  auto serve = [&](auto& ws, tcp::socket& socket) -> Status {
    {
      std::lock_guard lock(mu_);
      cancel_ = [&socket] {
        beast::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
      };
    }
    Status s = stopping_ ? Status() : read_loop(ws, url, options_, on_message, stopping_);
    std::lock_guard lock(mu_);
    cancel_ = nullptr;
    return s;
  };
  if (url.secure()) {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, tls);
    tcp::socket& socket = beast::get_lowest_layer(ws);
    if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), url.host.c_str()))
      return make_error(url.to_string() + ": cannot set TLS SNI");
    ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(url.host));
    if (auto e = connect_within(ioc, socket, endpoint, options_.connect_timeout, stopping_))
      return make_error(url.to_string() + ": connect: " + e.message());
    set_receive_timeout(socket, options_.idle_timeout);
    ws.next_layer().handshake(asio::ssl::stream_base::client, ec);
    if (ec) return make_error(url.to_string() + ": TLS: " + ec.message());
    return serve(ws, socket);
  }
  websocket::stream<tcp::socket> ws(ioc);
  tcp::socket& socket = ws.next_layer();
  if (auto e = connect_within(ioc, socket, endpoint, options_.connect_timeout, stopping_))
    return make_error(url.to_string() + ": connect: " + e.message());
  set_receive_timeout(socket, options_.idle_timeout);
  return serve(ws, socket);
}

void WebSocketClient::run_until_stopped(const std::function<Url()>& next_url, const MessageHandler& on_message,
                                        Backoff backoff, const DisconnectHandler& on_disconnect) {
  auto wait = backoff.min;
  while (!stopping_) {
    bool delivered = false;
    Status ended = run(next_url(), [&](std::string_view message) {
      delivered = true;
      return !stopping_ && on_message(message);
    });
    if (stopping_) return;
    if (delivered) wait = backoff.min;
    on_disconnect(ended, wait);
    std::unique_lock lock(mu_);
    stopped_.wait_for(lock, wait, [this] { return stopping_.load(); });
    wait = std::min(wait * 2, backoff.max);
  }
}

void WebSocketClient::stop() {
  stopping_ = true;
  std::lock_guard lock(mu_);
  if (cancel_) cancel_();
  stopped_.notify_all();
}

}  // namespace causeway
