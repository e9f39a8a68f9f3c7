// The inbound HTTP server: asynchronous (Boost.Beast), bounded whatever clients send.
//
// One coroutine per connection on a few I/O threads reads a request within hard limits (header
// bytes and fields, body bytes for every framing, a deadline for the whole request, an idle
// keep-alive timeout, a write timeout) and caps connections in total and per remote address.
// Handlers never run on the I/O threads: they run on a bounded handler pool, and when its queue is
// full the request is answered 503 at once. Every refusal is logged (one line: listener, remote
// address, reason class) and counted in `causeway_http_refused_total{reason}` when Metrics is given.
//
// Routes are registered before serve(); route patterns are full-match std::regex on the raw path.
// Unknown path: 404; known path with another method: 405. bind()/serve()/stop() may be called from
// different threads; a handler may run on any pool thread, several at once, so handlers must be
// thread-safe. Beast stays inside http_server.cpp (it compiles slowly).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bridge/base/metrics.h"
#include "bridge/base/result.h"
#include "bridge/base/url.h"

namespace causeway {

struct ServerRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // as received: path + optional "?query"
  std::string path;    // the raw (not percent-decoded) path part of target, without the query
  std::vector<std::pair<std::string, std::string>> headers;  // in received order, names as sent
  std::string body;
  std::string remote_address;        // peer IP ("127.0.0.1"), or "unix" for a unix socket
  std::vector<std::string> matches;  // regex groups of the route pattern; [0] is the whole path
  // Decoded query parameters, then the fields of an application/x-www-form-urlencoded body.
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string> header(std::string_view name) const;  // first one, case-insensitive
  std::string param(std::string_view name) const;                   // "" when absent
  bool has_param(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  void set_content(std::string body, std::string content_type);
  void set_header(std::string name, std::string value);  // replaces a header of that name
};

// Sends the response of one request: call send() exactly once, from any thread, possibly later
// (after an asynchronous fetch); later calls are ignored. Copyable; when the last copy is dropped
// without send(), the request is answered 500. Send or drop every Responder before the HttpServer
// that made it is destroyed (it posts to the server's I/O context); an answer later than
// handler_timeout is discarded (the client got 503).
class Responder {
 public:
  explicit Responder(std::function<void(ServerResponse)> deliver);
  void send(ServerResponse response) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(const ServerRequest&, ServerResponse&)>;                // runs on the handler pool
using AsyncHandler = std::function<void(std::shared_ptr<const ServerRequest>, Responder)>;  // runs on the handler pool; may answer later

struct HttpServerOptions {
  std::string name = "public";  // names the listener in log lines
  std::size_t max_body_bytes = 1 << 20;  // ActivityPub servers reject activities over 1 MB too
  std::size_t max_header_bytes = 16 << 10;
  std::size_t max_header_fields = 100;
  std::chrono::milliseconds request_deadline{10'000};  // from the request's first byte to its last
  std::chrono::milliseconds idle_timeout{5'000};       // keep-alive: waiting for the next request
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds handler_timeout{30'000};  // a handler that never answers: 503
  std::chrono::milliseconds stop_grace{5'000};        // stop(): how long requests in flight may finish
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;
  std::size_t io_threads = 2;
  // Handlers may block on a synced store write (never on a remote fetch): enough threads that
  // RocksDB can group concurrent commits into one fsync.
  std::size_t handler_threads = 16;
  std::size_t handler_queue = 512;  // requests waiting for a handler thread; beyond it 503
  Metrics* metrics = nullptr;       // refusals are counted here when set
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void get(std::string path_regex, Handler h);
  void post(std::string path_regex, Handler h);
  void post_async(std::string path_regex, AsyncHandler h);
  // Called on an I/O thread after each answered request (for request metrics); keep it cheap.
  void set_logger(std::function<void(const ServerRequest&, const ServerResponse&)> logger);

  // Binds the listening socket (SO_REUSEADDR, never SO_REUSEPORT); the error names the address
  // and the reason (in use, not permitted).
  Status bind(const HostPort& address);
  // Binds a unix stream socket at `path` (replacing a stale socket file there), mode 0600.
  Status bind_unix(const std::filesystem::path& path);
  // Serves until stop(); call from the thread that should block.
  void serve();
  // Stops accepting, lets requests in flight finish (at most stop_grace), and makes serve() return
  // once every running handler has returned.
  void stop();
  bool running() const;

  struct Impl;  // defined in http_server.cpp, with the Beast types

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace causeway
