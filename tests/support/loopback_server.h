// An httplib server on a free 127.0.0.1 port, serving in its own thread, for in-process fakes of
// remote servers in unit tests (a PDS, a host of images). Routes are added to `server` before
// start(); the destructor stops it and joins the thread.
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

namespace causeway::testing {

class LoopbackServer {
 public:
  httplib::Server server;

  void start() {
    port_ = server.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int port_ = 0;
  std::thread thread_;
};

}  // namespace causeway::testing
