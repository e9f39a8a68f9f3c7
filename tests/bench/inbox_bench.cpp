// Benchmark (not a test): signed inbox POSTs over loopback, as remote servers send them, to
// causeway and to a real Fedify server started in the same run. Prints accepted requests per second
// and latency percentiles for each.
//
//   build/tests/bench/inbox_bench [--requests N] [--connections C]
//
// Every request is a distinct Like (so none is dropped as a duplicate), signed ahead of time with
// draft-cavage rsa-sha256 by one of a few remote actors this program serves on loopback; keys are
// fetched once by each receiver and then cached. causeway stores every accepted activity with a
// synced write before it answers 202.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"
#include "tests/support/signed_actors.h"

using namespace causeway::testing;
using nlohmann::json;

namespace {

void run(const char* label, int port, const std::string& path, std::vector<SignedPost>& requests, int connections) {
  // Warm up: the receiver fetches each actor's key once.
  std::vector<double> latencies_ms(requests.size());
  std::atomic<size_t> next{0};
  std::atomic<int> accepted{0}, failed{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < connections; ++c)
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // otherwise Nagle + delayed ACK add 40 ms to every request
      client.set_read_timeout(30, 0);
      for (size_t i = next++; i < requests.size(); i = next++) {
        auto t0 = std::chrono::steady_clock::now();
        auto res = client.Post(path.c_str(), requests[i].headers, requests[i].body, "application/activity+json");
        latencies_ms[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (res && res->status == 202) {
          ++accepted;
        } else if (++failed <= 3) {
          std::fprintf(stderr, "%s: request %zu failed: %s\n", label,  i,
                       res ? (std::to_string(res->status) + " " + res->body).c_str() : httplib::to_string(res.error()).c_str());
        }
      }
    });
  for (auto& t : clients) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) { return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(p * latencies_ms.size()))]; };
  std::printf("%-10s %6zu requests, %3d connections: %8.0f accepted/s  p50 %6.2f ms  p95 %6.2f ms  p99 %7.2f ms  (%d accepted, %d failed)\n",
              label, requests.size(), connections, accepted / seconds, pct(0.5), pct(0.95), pct(0.99), accepted.load(),
              failed.load());
}

}  // namespace

int main(int argc, char** argv) {
  int count = 20000, connections = 16;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--requests") == 0) count = std::stoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--connections") == 0) connections = std::stoi(argv[i + 1]);
  }
  SignedActors actors(8);
  CausewayDaemon causeway("[]", "", "warn");
  FedifyPeer peer;
  json bob = peer.actor("bob");
  std::string fedify_path = bob["inbox"].get<std::string>().substr(peer.origin().size());

  std::printf("signed inbox POSTs over loopback (cavage rsa-sha256, distinct Likes, keys cached after first use)\n");
  auto warm_c = actors.sign(causeway.port(), "/ap/inbox", causeway.origin() + "/ap/bridge", 64, "warm");
  run("(warm-up)", causeway.port(), "/ap/inbox", warm_c, 8);
  auto for_causeway = actors.sign(causeway.port(), "/ap/inbox", causeway.origin() + "/ap/bridge", count, "c");
  run("causeway", causeway.port(), "/ap/inbox", for_causeway, connections);

  int fedify_count = std::min(count, 3000);
  auto warm_f = actors.sign(peer.port(), fedify_path, bob["id"], 64, "warm");
  run("(warm-up)", peer.port(), fedify_path, warm_f, 8);
  auto for_fedify = actors.sign(peer.port(), fedify_path, bob["id"], fedify_count, "f");
  run("fedify", peer.port(), fedify_path, for_fedify, connections);
  return 0;
}
