// The inbound HTTP server in-process: routing, asynchronous answers, and the limits that are
// cheaper to show here than against a daemon (a full handler pool, a deadline, a body limit).
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "protocols/net/http_server.h"
#include "tests/support/net_util.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::testing;
using namespace std::chrono_literals;

namespace {

// An HttpServer serving on its own thread for the test's lifetime.
class Running {
 public:
  explicit Running(HttpServer& server) : server_(server) {
    REQUIRE(server.bind(HostPort{"127.0.0.1", static_cast<std::uint16_t>(port)}).ok());
    thread_ = std::thread([this] { server_.serve(); });
    REQUIRE(eventually([this] { return server_.running(); }, 5s, 5ms));
  }
  ~Running() {
    server_.stop();
    thread_.join();
  }
  const int port = free_port();

 private:
  HttpServer& server_;
  std::thread thread_;
};

// A gate handlers wait at until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void wait() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  void open_now() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  bool reached(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return waiting >= n; });
  }
};

}  // namespace

TEST_CASE("routes give regex groups and decoded parameters and answer 404 or 405", "[http server]") {
  HttpServer server;
  server.get(R"(/things/(\w+))", [](const ServerRequest& req, ServerResponse& res) {
    res.set_content(req.matches[1] + "|" + req.param("q") + "|" + req.header("x-custom").value_or("-"), "text/plain");
  });
  server.post("/form", [](const ServerRequest& req, ServerResponse& res) { res.set_content(req.param("a b"), "text/plain"); });
  Running run(server);
  httplib::Client client("127.0.0.1", run.port);
  auto got = client.Get("/things/abc?q=x%20y%2Bz", {{"X-Custom", "yes"}});
  REQUIRE(got);
  CHECK(got->body == "abc|x y+z|yes");
  auto posted = client.Post("/form", httplib::Params{{"a b", "c&d"}});
  REQUIRE(posted);
  CHECK(posted->body == "c&d");
  CHECK(client.Get("/nothing")->status == 404);
  CHECK(client.Post("/things/abc", "", "text/plain")->status == 405);
}

TEST_CASE("an asynchronous handler answers later from another thread and a dropped Responder answers 500", "[http server]") {
  HttpServer server;
  std::vector<std::thread> later;
  std::mutex mu;
  server.post_async("/later", [&](std::shared_ptr<const ServerRequest> req, Responder responder) {
    std::lock_guard lock(mu);
    later.emplace_back([req, responder] {
      std::this_thread::sleep_for(50ms);
      ServerResponse res;
      res.status = 202;
      res.set_content("got " + req->body, "text/plain");
      responder.send(res);
      responder.send(ServerResponse{});  // ignored: one answer per request
    });
  });
  server.post_async("/dropped", [](std::shared_ptr<const ServerRequest>, Responder) {});
  {
    Running run(server);
    httplib::Client client("127.0.0.1", run.port);
    auto res = client.Post("/later", "hello", "text/plain");
    REQUIRE(res);
    CHECK(res->status == 202);
    CHECK(res->body == "got hello");
    CHECK(client.Post("/dropped", "x", "text/plain")->status == 500);
  }
  for (auto& t : later) t.join();
}

TEST_CASE("when every handler thread is busy and the queue is full, a request is answered 503 at once", "[http server]") {
  HttpServerOptions options;
  options.handler_threads = 1;
  options.handler_queue = 1;
  Metrics metrics;
  options.metrics = &metrics;
  HttpServer server(options);
  Gate gate;
  server.get("/slow", [&](const ServerRequest&, ServerResponse& res) {
    gate.wait();
    res.set_content("done", "text/plain");
  });
  Running run(server);
  std::thread first([&] { httplib::Client("127.0.0.1", run.port).Get("/slow"); });
  REQUIRE(gate.reached(1));
  std::thread second([&] { httplib::Client("127.0.0.1", run.port).Get("/slow"); });  // queued
  std::this_thread::sleep_for(200ms);
  httplib::Client third("127.0.0.1", run.port);
  auto res = third.Get("/slow");
  REQUIRE(res);
  CHECK(res->status == 503);
  gate.open_now();
  first.join();
  second.join();
  CHECK(metrics.render().find("causeway_http_refused_total{reason=\"busy\"} 1") != std::string::npos);
}

TEST_CASE("a body over the limit is refused 413 whatever its framing and a request past its deadline is cut off", "[http server]") {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  options.request_deadline = 300ms;
  HttpServer server(options);
  std::atomic<int> handled{0};
  server.post("/in", [&](const ServerRequest&, ServerResponse&) { ++handled; });
  Running run(server);

  RawConnection declared(run.port);
  declared.send_all("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
  CHECK(status_of(declared.read_response(5s)) == 413);

  RawConnection chunked(run.port);
  chunked.send_all("POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 3; ++i) chunked.send_all("190\r\n" + std::string(400, 'a') + "\r\n");
  CHECK(status_of(chunked.read_response(5s)) == 413);

  RawConnection slow(run.port);
  slow.send_all("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
  CHECK(slow.closed_by_peer(5s));
  CHECK(handled == 0);
}

TEST_CASE("a unix socket listener is created 0600 and serves", "[http server]") {
  TempDir dir;
  HttpServer server;
  server.get("/healthz", [](const ServerRequest& req, ServerResponse& res) { res.set_content(req.remote_address, "text/plain"); });
  auto path = dir / "admin.sock";
  REQUIRE(server.bind_unix(path).ok());
  std::thread t([&] { server.serve(); });
  REQUIRE(eventually([&] { return server.running(); }, 5s, 5ms));
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  RawConnection c(path);
  c.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string answer = c.read_response(5s);
  CHECK(status_of(answer) == 200);
  CHECK(body_of(answer) == "unix");
  HttpServer second;
  CHECK(second.bind_unix(path).error() == "cannot listen on unix:" + path.string() + ": Address already in use");
  server.stop();
  t.join();
}
