// A TCP listener on 127.0.0.1 that completes handshakes (the kernel does, up to the backlog) and
// never answers: the remote server that never replies, for hostile tests and benchmarks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/support/net_util.h"

namespace causeway::testing {

class BlackHole {
 public:
  BlackHole() : port_(free_port()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4096) != 0) std::abort();
  }
  ~BlackHole() { ::close(fd_); }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  int fd_ = -1;
};

}  // namespace causeway::testing
