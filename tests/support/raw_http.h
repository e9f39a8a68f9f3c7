// A raw HTTP/1.1 connection for hostile tests and benchmarks: bytes exactly as written (slow
// headers, huge chunked bodies, bodies without a length), from a chosen loopback source address
// (127.0.0.0/8 is all loopback on Linux, so "another client address" is 127.0.0.2), or over a
// unix socket. Blocking, with timeouts on every call; not thread-safe except that one thread may
// send while another reads.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace causeway::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port from `from` (a 127.x.y.z address). connected() says whether it worked.
  RawConnection(int port, const std::string& from = "127.0.0.1");
  // Connects to a unix stream socket.
  explicit RawConnection(const std::filesystem::path& unix_socket);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False once the peer closed or reset the connection (or a send stalls for 10 s).
  bool send_all(std::string_view data);
  void shutdown_send();
  // Reads one response: the header block and, with Content-Length, its body; stops at EOF or
  // after `timeout`. Returns what arrived ("" when nothing did).
  std::string read_response(std::chrono::milliseconds timeout);
  // True when the peer closes (EOF or reset) within `timeout`, anything it sends first discarded.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the previous response
};

// The status code of an HTTP response's status line; 0 when `response` does not start with one.
int status_of(const std::string& response);

// The body after the header block ("" when there is none).
std::string body_of(const std::string& response);

}  // namespace causeway::testing
