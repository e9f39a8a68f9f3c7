// The inbound HTTP server: cpp-httplib tuned for many short requests (TCP_NODELAY, bounded
// keep-alive, bounded bodies), bound explicitly so a busy port is reported before start-up ends.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

#include "bridge/base/result.h"
#include "bridge/base/url.h"

namespace causeway {

struct HttpServerOptions {
  std::size_t max_body_bytes = 1 << 20;  // ActivityPub servers reject activities over 1 MB too
  int keep_alive_seconds = 5;
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  // httplib serves one connection per thread, keep-alive included: enough threads that busy peers
  // holding connections open do not starve everyone else (the inbox mostly waits on fsync).
  std::size_t threads = 48;
};

class HttpServer {
 public:
  explicit HttpServer(const HttpServerOptions& options = {});

  httplib::Server& routes() { return server_; }

  // Binds the listening socket; the error names the address and the reason (in use, not permitted).
  Status bind(const HostPort& address);
  // Serves until stop(); call from the thread that should block.
  void serve();
  // Stops accepting, lets in-flight requests finish, and makes serve() return.
  void stop();
  bool running() const { return server_.is_running(); }

 private:
  httplib::Server server_;
};

}  // namespace causeway
