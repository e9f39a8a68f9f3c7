// `causeway run` as a process: it starts, answers /healthz and /metrics, refuses a second instance
// on the same store, and stops cleanly on SIGTERM.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/net_util.h"
#include "tests/support/paths.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

using namespace causeway::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> run_args(const std::filesystem::path& data, int port) {
  return {causeway_binary().string(), "run", "--config", (source_dir() / "config/examples/local.yaml").string(),
          "--listen", "127.0.0.1:" + std::to_string(port), "--data", data.string()};
}

// Polls /healthz until it answers or the process exits; returns the body, or empty on failure.
std::string wait_healthy(ChildProcess& daemon, int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  for (int i = 0; i < 200; ++i) {
    if (auto res = client.Get("/healthz"); res && res->status == 200) return res->body;
    if (daemon.wait_for_exit(0ms)) return "";
    std::this_thread::sleep_for(25ms);
  }
  return "";
}

}  // namespace

TEST_CASE("the daemon serves health and metrics and stops cleanly on SIGTERM", "[daemon]") {
  TempDir dir;
  int port = free_port();
  ChildProcess daemon(run_args(dir / "data", port), dir.path(), dir.path());
  std::string health = wait_healthy(daemon, port);
  INFO("stderr: " << daemon.err());
  REQUIRE_FALSE(health.empty());
  CHECK(health == R"({"status":"ok"})");  // the public port tells nothing about the host

  // Metrics and the detailed health answer on the admin listener: by default a unix socket in the
  // store directory that only the daemon's user may open.
  auto socket = dir / "data/admin.sock";
  CHECK(std::filesystem::is_socket(socket));
  CHECK((std::filesystem::status(socket).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto admin_get = [&](const std::string& target) {
    RawConnection c(socket);
    c.send_all("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    return c.read_response(5s);
  };
  std::string metrics = admin_get("/metrics");
  CHECK(status_of(metrics) == 200);
  CHECK(metrics.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(metrics.find("causeway_build_info{version=\"0.1.0\"") != std::string::npos);
  CHECK(metrics.find("# TYPE causeway_uptime_seconds gauge") != std::string::npos);
  // Requests are counted just after their answer is sent, so the count may trail by a moment.
  CHECK(eventually([&] {
    return admin_get("/metrics").find("causeway_http_requests_total{route=\"/healthz\",status=\"200\"} 1\n") !=
           std::string::npos;
  }));
  CHECK(admin_get("/healthz").find("\"schema_version\":1") != std::string::npos);
  httplib::Client client("127.0.0.1", port);
  CHECK(client.Get("/metrics")->status == 404);

  // The CLI finds the admin socket from the config (storage path) and reaches the daemon through it.
  std::ifstream example(source_dir() / "config/examples/local.yaml");
  std::string yaml((std::istreambuf_iterator<char>(example)), std::istreambuf_iterator<char>());
  yaml.replace(yaml.find("./var/causeway"), 14, (dir / "data").string());
  dir.write("status.yaml", yaml);
  auto status = run_process({causeway_binary().string(), "status", "--config", (dir / "status.yaml").string()}, dir.path(), 10s);
  INFO("status: " << status.out << status.err);
  CHECK(status.exit_code == 0);
  CHECK(client.Get("/nope")->status == 404);

  // The master key was created 0600 next to where the daemon was started (config: ./var/master.key).
  struct stat st {};
  REQUIRE(::stat((dir / "var/master.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto sent = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  auto code = daemon.wait_for_exit(5s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - sent < 5s);
  CHECK(daemon.err().find("stopped cleanly") != std::string::npos);

  // The store was closed properly: a new daemon opens it straight away.
  ChildProcess again(run_args(dir / "data", port), dir.path(), dir.path());
  CHECK_FALSE(wait_healthy(again, port).empty());
  again.signal(SIGINT);
  CHECK(again.wait_for_exit(5s) == std::optional<int>(0));
}

TEST_CASE("a second daemon on the same store exits 1 naming the lock, without serving", "[daemon]") {
  TempDir dir;
  int port = free_port();
  ChildProcess first(run_args(dir / "data", port), dir.path(), dir.path());
  REQUIRE_FALSE(wait_healthy(first, port).empty());

  int other_port = free_port();
  ChildProcess second(run_args(dir / "data", other_port), dir.path(), dir.path());
  auto code = second.wait_for_exit(10s);
  REQUIRE(code.has_value());
  CHECK(*code == 1);
  CHECK(second.err().find("cannot start: storage at " + (dir / "data").string() + " is locked: another process holds " +
                          (dir / "data/LOCK").string()) != std::string::npos);
  httplib::Client client("127.0.0.1", other_port);
  CHECK_FALSE(client.Get("/healthz"));

  first.signal(SIGTERM);
  CHECK(first.wait_for_exit(5s) == std::optional<int>(0));
}

TEST_CASE("a busy port or a bad config stops start-up with exit 1 or 2", "[daemon]") {
  TempDir dir;
  int port = free_port();
  ChildProcess first(run_args(dir / "data1", port), dir.path(), dir.path());
  REQUIRE_FALSE(wait_healthy(first, port).empty());
  auto busy = run_process(run_args(dir / "data2", port), dir.path(), 10s);
  CHECK(busy.exit_code == 1);
  CHECK(busy.err.find("cannot start: cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use") !=
        std::string::npos);
  first.signal(SIGTERM);
  CHECK(first.wait_for_exit(5s) == std::optional<int>(0));

  TempDir fresh;
  fresh.write("bad.yaml", "server: { public_url: http://127.0.0.1:1, listen: nowhere }\n");
  auto bad = run_process({causeway_binary().string(), "run", "--config", "bad.yaml"}, fresh.path(), 10s);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.rfind("bad.yaml:1:", 0) == 0);
  CHECK_FALSE(std::filesystem::exists(fresh / "var"));  // nothing was created by a refused start
}
