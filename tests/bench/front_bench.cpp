// Benchmark (not a test): what everyone else gets from causeway's public port while it is
// attacked. Two runs against one daemon: unloaded, then with 200 slow clients trickling header
// lines (from 127.0.0.10-13, 50 each: under the per-address cap, so all of them are held) and 100
// signed inbox POSTs whose keyId names a host that accepts TCP and never answers (from 127.0.0.20
// and .21, 50 each, so that all of them reach the inbox).
// In each run it prints /healthz latency (p50/p99, sequential probes) and the signed-inbox
// throughput and latency of legitimate senders (keys served and cached as in inbox_bench).
//
//   build/tests/bench/front_bench [--seconds S] [--connections C]
//
// Every wait is bounded (client timeouts, a fixed run length), so it finishes even when the front
// does not hold: a failed or timed-out probe counts at its timeout.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/black_hole.h"
#include "tests/support/causeway_daemon.h"
#include "tests/support/net_util.h"
#include "tests/support/raw_http.h"
#include "tests/support/signed_actors.h"

using namespace causeway::testing;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

struct Figures {
  std::vector<double> health_ms;
  int health_failed = 0;
  std::vector<double> inbox_ms;
  int accepted = 0, failed = 0;
  double seconds = 0;
};

// Legitimate traffic for `seconds`: `connections` senders posting signed Likes, and one probe
// asking /healthz every 20 ms.
Figures measure(const CausewayDaemon& d, std::vector<SignedPost>& posts, int connections, double seconds) {
  Figures f;
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::atomic<bool> over{false};
  auto start = Clock::now();
  std::thread probe([&] {
    while (!over) {
      httplib::Client client("127.0.0.1", d.port());
      client.set_connection_timeout(5, 0);
      client.set_read_timeout(5, 0);
      auto t0 = Clock::now();
      auto res = client.Get("/healthz");
      double ms = ms_since(t0);
      {
        std::lock_guard lock(mu);
        f.health_ms.push_back(res && res->status == 200 ? ms : std::max(ms, 5000.0));
        if (!res || res->status != 200) ++f.health_failed;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  std::vector<std::thread> senders;
  for (int c = 0; c < connections; ++c)
    senders.emplace_back([&] {
      httplib::Client client("127.0.0.1", d.port());
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(30, 0);
      while (!over) {
        size_t i = next++;
        if (i >= posts.size()) break;
        auto t0 = Clock::now();
        auto res = client.Post("/ap/inbox", posts[i].headers, posts[i].body, "application/activity+json");
        double ms = ms_since(t0);
        std::lock_guard lock(mu);
        f.inbox_ms.push_back(ms);
        if (res && res->status == 202) ++f.accepted;
        else ++f.failed;
      }
    });
  while (ms_since(start) < seconds * 1000 && next < posts.size()) std::this_thread::sleep_for(10ms);
  over = true;
  for (auto& t : senders) t.join();
  f.seconds = ms_since(start) / 1000;
  probe.join();
  return f;
}

void print(const char* label, const Figures& f) {
  std::printf("%-9s /healthz p50 %7.2f ms  p99 %8.2f ms  (%zu probes, %d failed) | signed inbox %7.0f accepted/s  p50 %7.2f ms  p99 %8.2f ms  (%d accepted, %d failed in %.1f s)\n",
              label, percentile(f.health_ms, 0.5), percentile(f.health_ms, 0.99), f.health_ms.size(), f.health_failed,
              f.accepted / f.seconds, percentile(f.inbox_ms, 0.5), percentile(f.inbox_ms, 0.99), f.accepted, f.failed,
              f.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  int connections = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
    else if (std::strcmp(argv[i], "--connections") == 0) connections = std::stoi(argv[i + 1]);
  }
  SignedActors actors(8);
  BlackHole black_hole;
  CausewayDaemon d("[]", "", "warn");
  std::string object = d.origin() + "/ap/bridge";
  int count = 20000;  // a run ends when they are sent or its time is up

  auto warm = actors.sign(d.port(), "/ap/inbox", object, 64, "warm");
  measure(d, warm, 8, 30);  // each actor's key fetched once
  std::printf("front under attack: 200 slow clients + 100 inbox POSTs whose key host never answers; %d legitimate connections, %.0f s per run\n",
              connections, seconds);
  auto unloaded_posts = actors.sign(d.port(), "/ap/inbox", object, count, "u");
  Figures unloaded = measure(d, unloaded_posts, connections, seconds);
  print("unloaded", unloaded);

  std::atomic<bool> attacking{true};
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(d.port(), "127.0.0." + std::to_string(10 + i / 50)));
    slow.back()->send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  }
  // Slow clients reconnect when cut off, so the pressure lasts the whole run.
  std::thread trickle([&] {
    while (attacking) {
      for (int ms = 0; ms < 3000 && attacking; ms += 50) std::this_thread::sleep_for(50ms);
      for (size_t i = 0; i < slow.size() && attacking; ++i)
        if (!slow[i]->send_all("X-Slow: 1\r\n")) {
          slow[i] = std::make_unique<RawConnection>(d.port(), "127.0.0." + std::to_string(10 + i / 50));
          slow[i]->send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n");
        }
    }
  });
  auto stuck = actors.sign(d.port(), "/ap/inbox", object, 100, "stuck", black_hole.origin());
  std::vector<std::thread> attackers;
  std::atomic<int> stuck_answered{0};
  for (size_t n = 0; n < stuck.size(); ++n)
    attackers.emplace_back([&, n] {
      const SignedPost& post = stuck[n];
      RawConnection c(d.port(), "127.0.0." + std::to_string(20 + n / 50));
      std::string request = "POST /ap/inbox HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(d.port()) +
                            "\r\nContent-Type: application/activity+json\r\nContent-Length: " + std::to_string(post.body.size()) + "\r\n";
      for (const auto& [k, v] : post.headers) request += k + ": " + v + "\r\n";
      request += "\r\n" + post.body;
      c.send_all(request);
      if (status_of(c.read_response(std::chrono::milliseconds(static_cast<long>(seconds * 1000) + 35000))) != 0) ++stuck_answered;
    });
  std::this_thread::sleep_for(1s);  // the attack is in place before measuring
  auto attacked_posts = actors.sign(d.port(), "/ap/inbox", object, count, "a");
  Figures attacked = measure(d, attacked_posts, connections, seconds);
  print("attacked", attacked);
  attacking = false;
  trickle.join();
  for (auto& t : attackers) t.join();
  std::printf("(the 100 stuck POSTs got %d answers by the end)\n", stuck_answered.load());
  return 0;
}
