// The outbound client: a request with a body is never re-sent to another origin on a redirect.
#include "protocols/net/http_client.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "tests/support/net_util.h"

using namespace causeway;
using causeway::testing::eventually;
using causeway::testing::free_port;

namespace {

struct LocalServer {
  httplib::Server server;
  int port = free_port();
  std::thread thread;
  void start() {
    thread = std::thread([this] { server.listen("127.0.0.1", port); });
    eventually([this] { return server.is_running(); });
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
  ~LocalServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

TEST_CASE("a POST redirected to another origin is not re-sent there, one to the same origin is", "[http client]") {
  LocalServer other, pds;
  std::atomic<int> other_got_post{0};
  other.server.Post("/steal", [&](const httplib::Request&, httplib::Response& res) {
    ++other_got_post;
    res.status = 200;
  });
  other.start();
  pds.server.Post("/xrpc/com.atproto.server.createSession", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", other.origin() + "/steal");
  });
  pds.server.Post("/moved", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 308;
    res.set_header("Location", "/here");
  });
  pds.server.Post("/here", [&](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "text/plain"); });
  pds.start();

  HttpClient http(OutboundPolicy{true}, "causeway-test");
  HttpRequest login;
  login.method = "POST";
  login.url = pds.origin() + "/xrpc/com.atproto.server.createSession";
  login.headers = {{"Content-Type", "application/json"}};
  login.body = R"({"identifier":"townhall.test","password":"app-password"})";
  FetchResult r = http.fetch(login);
  CHECK(r.error == FetchError::cross_origin_redirect);
  CHECK(other_got_post == 0);

  HttpRequest same = login;
  same.url = pds.origin() + "/moved";
  FetchResult ok = http.fetch(same);
  REQUIRE(ok.ok());
  CHECK(ok.response.body == login.body);
}
