#include "bridge/daemon/admin_client.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "bridge/daemon/admin_token.h"
#include "config/config_loader.h"

namespace causeway {

std::variant<std::unique_ptr<Store>, DaemonRunning, std::string> open_store_for_admin(const Config& config) {
  auto store = Store::open(config.storage_path);
  if (store) return std::move(*store);
  if (store.error().find("is locked") != std::string::npos) return DaemonRunning{};
  return store.error();
}

namespace {

struct RawReply {
  int status = 0;
  std::string body;
};

// Connects to the admin listener: a unix socket, or loopback TCP.
Result<int> connect_admin(const AdminListen& where) {
  if (!where.tcp) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return make_error(std::strerror(errno));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, where.unix_path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      return make_error(reason);
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(where.tcp->host.c_str(), std::to_string(where.tcp->port).c_str(), &hints, &found); rc != 0)
    return make_error(::gai_strerror(rc));
  std::string reason = "no address";
  int fd = -1;
  for (addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      reason = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return make_error(reason);
  return fd;
}

// One HTTP/1.1 request with Connection: close, read to the end. Small and blocking on purpose:
// the CLI makes one call at a time, and httplib cannot reach a unix socket.
Result<RawReply> admin_request(const AdminListen& where, const std::string& method, const std::string& path,
                               const std::string& token, const std::string& form) {
  auto fd = connect_admin(where);
  if (!fd) return make_error(fd.error());
  timeval timeout{30, 0};
  ::setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token +
                        "\r\nConnection: close\r\n";
  if (method == "POST")
    request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) + "\r\n";
  request += "\r\n" + form;
  std::string reply;
  bool ok = ::send(*fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
  char chunk[16384];
  for (ssize_t n; ok && (n = ::recv(*fd, chunk, sizeof chunk, 0)) != 0;) {
    if (n < 0) ok = false;
    else reply.append(chunk, static_cast<std::size_t>(n));
  }
  std::string reason = std::strerror(errno);
  ::close(*fd);
  if (!ok) return make_error(reason);
  std::size_t head_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos || reply.size() < 12)
    return make_error("not an HTTP answer");
  return RawReply{std::atoi(reply.c_str() + 9), reply.substr(head_end + 4)};
}

}  // namespace

AdminReply admin_call(const Config& config, const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& post_params) {
  AdminReply reply;
  auto token = read_admin_token(config.storage_path);
  if (!token) {
    reply.error = token.error();
    return reply;
  }
  std::string form;
  for (const auto& [k, v] : post_params)
    form += (form.empty() ? "" : "&") + httplib::detail::encode_query_param(k) + "=" + httplib::detail::encode_query_param(v);
  AdminListen where = admin_listen_of(config);
  auto res = admin_request(where, post_params.empty() ? "GET" : "POST", path, *token, form);
  if (!res) {
    reply.error = "the store is in use but causeway does not answer at " + where.to_string() + ": " + res.error();
    return reply;
  }
  reply.body = nlohmann::json::parse(res->body, nullptr, false);
  reply.ok = res->status == 200;
  if (!reply.ok) reply.error = reply.body.is_object() ? reply.body.value("error", res->body) : res->body;
  return reply;
}

std::optional<Config> load_admin_config(const ParsedArgs& args, const char* command) {
  auto loaded = load_config(*args.option("config"), std::filesystem::current_path());
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    return std::nullopt;
  }
  if (const auto* data = args.option("data"))
    loaded.config->storage_path = std::filesystem::absolute(*data).lexically_normal();
  return std::move(loaded.config);
}

}  // namespace causeway
