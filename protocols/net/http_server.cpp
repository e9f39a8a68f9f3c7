#include "protocols/net/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace causeway {
namespace {

// httplib only says whether binding worked; a trial bind with the same options recovers errno so
// the admin learns why (address in use, permission denied, no such address).
std::string bind_failure_reason(const HostPort& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(address.host.c_str(), std::to_string(address.port).c_str(), &hints, &found);
  if (rc != 0) return std::string("cannot resolve host: ") + ::gai_strerror(rc);
  std::string reason = "unknown error";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) reason = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return reason;
}

}  // namespace

HttpServer::HttpServer(const HttpServerOptions& options) {
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
  server_.set_keep_alive_timeout(options.keep_alive_seconds);
  server_.set_read_timeout(options.read_timeout_seconds, 0);
  server_.set_write_timeout(options.write_timeout_seconds, 0);
  server_.set_payload_max_length(options.max_body_bytes);
  server_.new_task_queue = [threads = options.threads] { return new httplib::ThreadPool(threads); };
  // httplib's default also sets SO_REUSEPORT, which would let a second daemon bind the same port
  // and silently share its traffic; SO_REUSEADDR alone allows quick restarts without that.
  server_.set_socket_options([](socket_t fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

Status HttpServer::bind(const HostPort& address) {
  if (!server_.bind_to_port(address.host.c_str(), address.port))
    return make_error("cannot listen on " + address.to_string() + ": " + bind_failure_reason(address));
  return {};
}

void HttpServer::serve() { server_.listen_after_bind(); }

void HttpServer::stop() { server_.stop(); }

}  // namespace causeway
