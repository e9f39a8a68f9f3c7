// The public HTTP front of a real daemon under hostile clients: huge bodies whatever the framing,
// compressed bodies, floods of header fields, slow clients, many connections from one address;
// and the admin surface kept off the public port.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <zlib.h>

#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/causeway_daemon.h"
#include "tests/support/net_util.h"
#include "tests/support/raw_http.h"

using namespace causeway::testing;
using namespace std::chrono_literals;

namespace {

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string post_head(const CausewayDaemon& d, const std::string& framing, const std::string& extra = "") {
  return "POST /ap/inbox HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(d.port()) +
         "\r\nContent-Type: application/activity+json\r\n" + framing + extra + "\r\n";
}

// Sends `head` then `body_bytes` of body (in `chunk`-sized writes, chunked framing if asked) on
// one thread while this one reads the answer: the server may answer and close mid-body.
std::string send_while_reading(RawConnection& c, const std::string& head, std::size_t body_bytes, bool chunked,
                               bool close_after = false) {
  std::thread sender([&] {
    if (!c.send_all(head)) return;
    std::string piece(64 * 1024, 'a');
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    for (std::size_t sent = 0; sent < body_bytes; sent += piece.size()) {
      bool ok = chunked ? c.send_all(size_line) && c.send_all(piece) && c.send_all("\r\n") : c.send_all(piece);
      if (!ok) return;
    }
    if (chunked) c.send_all("0\r\n\r\n");
    if (close_after) c.shutdown_send();
  });
  std::string answer = c.read_response(30s);
  sender.join();
  return answer;
}

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string metrics_of(const CausewayDaemon& d) {
  httplib::Client admin("127.0.0.1", d.admin_port());
  auto res = admin.Get("/metrics");
  return res ? res->body : "";
}

}  // namespace

TEST_CASE("a 24 MiB chunked inbox POST is refused 413 without the daemon buffering it", "[front]") {
  CausewayDaemon d("[]", "", "info");
  long before = rss_kib(d.pid());
  RawConnection c(d.port());
  std::string answer = send_while_reading(c, post_head(d, "Transfer-Encoding: chunked\r\n"), 24u << 20, true);
  CHECK(status_of(answer) == 413);
  long after = rss_kib(d.pid());
  INFO("VmRSS before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < 16 * 1024);
  CHECK(eventually([&] { return metrics_of(d).find("causeway_http_refused_total{reason=\"body_too_large\"} 1") != std::string::npos; }));
  CHECK(d.log().find("refused body_too_large from 127.0.0.1") != std::string::npos);
}

TEST_CASE("an inbox POST whose body has no length is refused, not read to the end", "[front]") {
  CausewayDaemon d("[]", "", "info");
  RawConnection c(d.port());
  std::string answer = send_while_reading(c, post_head(d, "Connection: close\r\n"), 2u << 20, false, true);
  CHECK(status_of(answer) == 411);
}

TEST_CASE("a gzip-encoded inbox POST is refused 415 and never inflated", "[front]") {
  CausewayDaemon d("[]", "", "info");
  std::string body = gzip(std::string(8u << 20, ' '));
  httplib::Client client("127.0.0.1", d.port());
  auto res = client.Post("/ap/inbox", {{"Content-Encoding", "gzip"}}, body, "application/activity+json");
  REQUIRE(res);
  CHECK(res->status == 415);
}

TEST_CASE("requests with too many or too large header fields are refused 431", "[front]") {
  CausewayDaemon d("[]", "", "info");
  SECTION("200,000 header fields") {
    std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 200000; ++i) head += "X-F" + std::to_string(i) + ": v\r\n";
    head += "\r\n";
    RawConnection c(d.port());
    CHECK(status_of(send_while_reading(c, head, 0, false)) == 431);
  }
  SECTION("101 small header fields") {
    httplib::Headers headers;
    for (int i = 0; i < 101; ++i) headers.emplace("X-F" + std::to_string(i), "v");
    httplib::Client client("127.0.0.1", d.port());
    auto res = client.Get("/healthz", headers);
    REQUIRE(res);
    CHECK(res->status == 431);
    for (int i = 0; i < 11; ++i) headers.erase("X-F" + std::to_string(i));  // 90, and httplib's own few: within the limit
    auto fine = client.Get("/healthz", headers);
    REQUIRE(fine);
    CHECK(fine->status == 200);
  }
}

TEST_CASE("60 clients trickling header lines neither stop /healthz nor keep their connections", "[front]") {
  CausewayDaemon d("[]", "", "info");
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 60; ++i) {
    slow.push_back(std::make_unique<RawConnection>(d.port(), "127.0.0.2"));
    REQUIRE(slow.back()->send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int round = 0; !done && round < 20; ++round) {
      for (int ms = 0; ms < 3000 && !done; ms += 50) std::this_thread::sleep_for(50ms);
      for (auto& c : slow) c->send_all("X-Slow: 1\r\n");
    }
  });
  std::this_thread::sleep_for(4s);  // every slow client has trickled at least one more line
  httplib::Client client("127.0.0.1", d.port());
  client.set_read_timeout(5, 0);
  auto res = client.Get("/healthz");
  bool answered = res && res->status == 200;
  // Past the whole-request deadline the server cuts a trickling client off.
  bool cut_off = slow.front()->closed_by_peer(30s);
  done = true;
  trickle.join();
  CHECK(answered);
  CHECK(cut_off);
  CHECK(d.log().find("refused deadline from 127.0.0.2") != std::string::npos);
}

TEST_CASE("connections beyond the per-address cap are closed at once while other addresses are served", "[front]") {
  CausewayDaemon d("[]", "", "info");
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 64; ++i) held.push_back(std::make_unique<RawConnection>(d.port(), "127.0.0.3"));
  // Accepts are asynchronous: wait until all 64 hold their places before the 65th.
  RawConnection probe(d.port(), "127.0.0.3");
  bool refused = probe.closed_by_peer(3s);
  held.front()->send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  int held_status = status_of(held.front()->read_response(5s));
  httplib::Client other("127.0.0.1", d.port());
  auto res = other.Get("/healthz");
  CHECK(refused);
  CHECK(held_status == 200);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(metrics_of(d).find("causeway_http_refused_total{reason=\"connections_per_address\"}") != std::string::npos);
}

TEST_CASE("the admin API and /metrics are not on the public port and a wrong admin token is refused", "[front]") {
  CausewayDaemon d("[]", "", "info");
  httplib::Client pub("127.0.0.1", d.port());
  httplib::Headers auth = {{"Authorization", "Bearer " + d.admin_token()}};
  CHECK(pub.Get("/metrics")->status == 404);
  CHECK(pub.Get("/admin/status", auth)->status == 404);
  CHECK(pub.Get("/admin/queue/dead", auth)->status == 404);
  auto health = pub.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");  // no version, store path or host details

  httplib::Client admin("127.0.0.1", d.admin_port());
  CHECK(admin.Get("/admin/status", auth)->status == 200);
  std::string wrong = d.admin_token();
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  CHECK(admin.Get("/admin/status", {{"Authorization", "Bearer " + wrong}})->status == 403);
  CHECK(admin.Get("/admin/status")->status == 403);
  CHECK(admin.Get("/metrics")->status == 200);
  auto detailed = admin.Get("/healthz");
  REQUIRE(detailed);
  CHECK(detailed->body.find("\"schema_version\":1") != std::string::npos);
}
