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

#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/public_key.h"
#include "tests/support/causeway_daemon.h"
#include "tests/support/fedify_peer.h"
#include "tests/support/net_util.h"

using namespace causeway::testing;
namespace ap = causeway::activitypub;
using nlohmann::json;

namespace {

struct Signed {
  httplib::Headers headers;
  std::string body;
};

struct ActorServer {
  std::vector<ap::PrivateKey> keys;
  httplib::Server server;
  int port = free_port();
  std::thread thread;

  explicit ActorServer(int actors) {
    for (int i = 0; i < actors; ++i) keys.push_back(std::move(ap::PrivateKey::generate_rsa(2048)).value());
    server.Get(R"(/users/a(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      int n = std::stoi(req.matches[1]);
      std::string id = origin() + req.path;
      json doc = {{"@context", {"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"}},
                  {"id", id}, {"type", "Person"}, {"preferredUsername", "a" + std::to_string(n)},
                  {"inbox", id + "/inbox"},
                  {"publicKey", {{"id", id + "#main-key"}, {"owner", id}, {"publicKeyPem", keys.at(n).public_pem().value()}}}};
      res.set_content(doc.dump(), "application/activity+json");
    });
    thread = std::thread([this] { server.listen("127.0.0.1", port); });
    eventually([this] { return server.is_running(); });
  }
  ~ActorServer() {
    server.stop();
    thread.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
};

std::vector<Signed> sign_requests(const ActorServer& actors, int port, const std::string& path, const std::string& object,
                                  int count, const std::string& tag) {
  std::vector<Signed> out(count);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::vector<std::thread> workers;
  unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned w = 0; w < threads; ++w)
    workers.emplace_back([&, w] {
      for (int i = static_cast<int>(w); i < count; i += static_cast<int>(threads)) {
        int a = i % static_cast<int>(actors.keys.size());
        std::string actor = actors.origin() + "/users/a" + std::to_string(a);
        json like = {{"@context", "https://www.w3.org/ns/activitystreams"},
                     {"id", actor + "/likes/" + tag + std::to_string(i)}, {"type", "Like"},
                     {"actor", actor}, {"object", object}};
        ap::HttpRequestView view;
        view.method = "POST";
        view.target = path;
        view.authority = "127.0.0.1:" + std::to_string(port);
        view.scheme = "http";
        view.add_header("Content-Type", "application/activity+json");
        view.body = like.dump();
        if (!ap::sign_cavage(view, actors.keys[a], actor + "#main-key", now).ok()) std::abort();
        for (const auto& f : view.headers)
          if (!ap::equals_ignoring_case(f.name, "host") && !ap::equals_ignoring_case(f.name, "content-type"))
            out[i].headers.emplace(f.name, f.value);
        out[i].body = view.body;
      }
    });
  for (auto& t : workers) t.join();
  return out;
}

void run(const char* label, int port, const std::string& path, std::vector<Signed>& requests, int connections) {
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
  ActorServer actors(8);
  CausewayDaemon causeway("[]", "", "warn");
  FedifyPeer peer;
  json bob = peer.actor("bob");
  std::string fedify_path = bob["inbox"].get<std::string>().substr(peer.origin().size());

  std::printf("signed inbox POSTs over loopback (cavage rsa-sha256, distinct Likes, keys cached after first use)\n");
  auto warm_c = sign_requests(actors, causeway.port(), "/ap/inbox", causeway.origin() + "/ap/bridge", 64, "warm");
  run("(warm-up)", causeway.port(), "/ap/inbox", warm_c, 8);
  auto for_causeway = sign_requests(actors, causeway.port(), "/ap/inbox", causeway.origin() + "/ap/bridge", count, "c");
  run("causeway", causeway.port(), "/ap/inbox", for_causeway, connections);

  int fedify_count = std::min(count, 3000);
  auto warm_f = sign_requests(actors, peer.port(), fedify_path, bob["id"], 64, "warm");
  run("(warm-up)", peer.port(), fedify_path, warm_f, 8);
  auto for_fedify = sign_requests(actors, peer.port(), fedify_path, bob["id"], fedify_count, "f");
  run("fedify", peer.port(), fedify_path, for_fedify, connections);
  return 0;
}
