// Benchmark (not a test): how fast causeway decodes subscribeRepos messages on one core, with every
// CAR block's hash checked and every op's record decoded, as the firehose consumer does.
//
//   build/tests/bench/firehose_decode_bench [--synthetic N] [--passes P]
//
// Inputs: the recorded firehose in $CAUSEWAY_FIXTURES/firehose-replay/frames.bin.gz (real PDS
// output; skipped with a message when absent) and N synthetic commits generated here with the
// shape of today's network traffic (a post, like, repost or follow; a signed commit; an MST path).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "protocols/atproto/car.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/ecdsa.h"
#include "protocols/atproto/firehose_frame.h"
#include "tests/bench/replay_frames.h"
#include "tests/support/paths.h"

using namespace causeway;
using namespace causeway::atproto;

namespace {

std::string random_text(std::mt19937_64& rng, size_t min_len, size_t max_len) {
  static const char* words[] = {"the", "union", "meeting", "tonight", "bridge", "post", "strike", "vote", "town",
                                "hall", "café", "über", "🎉", "news", "reply", "group", "members", "Bluesky"};
  size_t target = min_len + rng() % (max_len - min_len + 1);
  std::string out;
  while (out.size() < target) out += std::string(words[rng() % std::size(words)]) + " ";
  return out;
}

std::string tid_like(std::mt19937_64& rng) {
  static const char* alphabet = "234567abcdefghijklmnopqrstuvwxyz";
  std::string s = "3l";
  for (int i = 0; i < 11; ++i) s += alphabet[rng() % 32];
  return s;
}

Value strong_ref(std::mt19937_64& rng) {
  return Value(Map{{"cid", Value(Cid::compute(kCodecDagCbor, std::to_string(rng())))},
                   {"uri", Value("at://did:plc:" + tid_like(rng) + "abcdefghijk/app.bsky.feed.post/" + tid_like(rng))}});
}

// One #commit message shaped like the network's: record, signed commit, and the MST nodes on the
// record's path (5 on average, as in the recorded stream).
std::string synthetic_commit(std::mt19937_64& rng, const PrivateKey& key, std::int64_t seq) {
  std::string did = "did:plc:" + tid_like(rng) + "abcdefghijk";
  std::string rkey = tid_like(rng);
  int kind = static_cast<int>(rng() % 100);
  std::string collection;
  Value record;
  std::string now = "2026-11-22T02:00:00.000Z";
  if (kind < 55) {
    collection = "app.bsky.feed.post";
    Map post{{"$type", Value(collection)}, {"createdAt", Value(now)}, {"text", Value(random_text(rng, 50, 280))},
             {"langs", Value(Array{Value("en")})}};
    if (rng() % 3 == 0) post.emplace_back("reply", Value(Map{{"parent", strong_ref(rng)}, {"root", strong_ref(rng)}}));
    if (rng() % 5 < 2)
      post.emplace_back("facets", Value(Array{Value(Map{
                                      {"index", Value(Map{{"byteEnd", Value(20)}, {"byteStart", Value(5)}})},
                                      {"features", Value(Array{Value(Map{{"$type", Value("app.bsky.richtext.facet#link")},
                                                                         {"uri", Value("https://example.org/a")}})})}})}));
    record = Value(std::move(post));
  } else if (kind < 85) {
    collection = "app.bsky.feed.like";
    record = Value(Map{{"$type", Value(collection)}, {"createdAt", Value(now)}, {"subject", strong_ref(rng)}});
  } else if (kind < 95) {
    collection = "app.bsky.feed.repost";
    record = Value(Map{{"$type", Value(collection)}, {"createdAt", Value(now)}, {"subject", strong_ref(rng)}});
  } else {
    collection = "app.bsky.graph.follow";
    record = Value(Map{{"$type", Value(collection)}, {"createdAt", Value(now)}, {"subject", Value(did)}});
  }
  std::string record_bytes = encode_dag_cbor(record);
  Cid record_cid = Cid::compute(kCodecDagCbor, record_bytes);
  std::vector<std::pair<Cid, std::string>> blocks;
  blocks.emplace_back(record_cid, record_bytes);
  Cid below = record_cid;
  int depth = 3 + static_cast<int>(rng() % 5);
  for (int d = 0; d < depth; ++d) {
    Array entries;
    int fanout = 2 + static_cast<int>(rng() % 4);
    for (int e = 0; e < fanout; ++e)
      entries.emplace_back(Value(Map{{"k", Value(Bytes{collection + "/" + tid_like(rng)})},
                                     {"p", Value(e == 0 ? 0 : 19)},
                                     {"t", e == fanout - 1 ? Value(below) : Value(nullptr)},
                                     {"v", Value(Cid::compute(kCodecDagCbor, std::to_string(rng())))}}));
    std::string node = encode_dag_cbor(Value(Map{{"e", Value(std::move(entries))}, {"l", Value(nullptr)}}));
    below = Cid::compute(kCodecDagCbor, node);
    blocks.emplace_back(below, node);
  }
  std::string rev = tid_like(rng);
  Map unsigned_commit{{"data", Value(below)}, {"did", Value(did)}, {"prev", Value(nullptr)}, {"rev", Value(rev)},
                      {"version", Value(3)}};
  std::string to_sign = encode_dag_cbor(Value(unsigned_commit));
  unsigned_commit.emplace_back("sig", Value(Bytes{*sign(key, to_sign)}));
  std::string commit_bytes = encode_dag_cbor(Value(std::move(unsigned_commit)));
  Cid commit_cid = Cid::compute(kCodecDagCbor, commit_bytes);
  blocks.emplace_back(commit_cid, commit_bytes);

  std::string header = encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#commit")}}));
  Value body(Map{{"blobs", Value(Array{})},
                 {"blocks", Value(Bytes{write_car({commit_cid}, blocks)})},
                 {"commit", Value(commit_cid)},
                 {"ops", Value(Array{Value(Map{{"action", Value("create")},
                                               {"cid", Value(record_cid)},
                                               {"path", Value(collection + "/" + rkey)}})})},
                 {"prevData", Value(Cid::compute(kCodecDagCbor, rev))},
                 {"rebase", Value(false)},
                 {"repo", Value(did)},
                 {"rev", Value(rev)},
                 {"seq", Value(seq)},
                 {"since", Value(tid_like(rng))},
                 {"time", Value(now)},
                 {"tooBig", Value(false)}});
  return header + encode_dag_cbor(body);
}

void measure(const char* label, const std::vector<std::string>& frames, int passes) {
  size_t bytes = 0;
  for (const auto& f : frames) bytes += f.size();
  size_t failures = 0, ops = 0;
  double best = 1e30;
  for (int p = 0; p < passes; ++p) {
    auto start = std::chrono::steady_clock::now();
    for (const auto& f : frames) {
      auto m = decode_frame(f);
      if (!m) {
        ++failures;
        continue;
      }
      if (p == 0)
        if (auto* c = std::get_if<CommitEvent>(&*m)) ops += c->ops.size();
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf("%-28s %8zu frames  %7.1f MB  best of %d: %9.0f frames/s  %7.1f MB/s  (%zu ops, %zu failed)\n", label,
              frames.size(), bytes / 1e6, passes, frames.size() / best, bytes / 1e6 / best, ops, failures);
}

}  // namespace

int main(int argc, char** argv) {
  size_t synthetic = 100000;
  int passes = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--synthetic") == 0) synthetic = std::stoul(argv[i + 1]);
    else if (std::strcmp(argv[i], "--passes") == 0) passes = std::stoi(argv[i + 1]);
  }
  std::printf("firehose decode, one core (header + body, CAR hashes checked, records decoded)\n");
  auto fixtures = testing::fixtures_dir();
  if (fixtures) {
    auto replay = testing::load_replay_frames((*fixtures / "firehose-replay/frames.bin.gz").string());
    if (replay.empty()) std::printf("recorded firehose: not found in %s, skipped\n", fixtures->c_str());
    else measure("recorded PDS firehose", replay, passes);
  } else {
    std::printf("recorded firehose: fixtures folder absent (set CAUSEWAY_FIXTURES), skipped\n");
  }
  std::mt19937_64 rng(42);
  auto key = PrivateKey::generate(Curve::k256);
  if (!key) {
    std::printf("cannot generate a key: %s\n", key.error().c_str());
    return 1;
  }
  std::vector<std::string> frames;
  frames.reserve(synthetic);
  for (size_t i = 0; i < synthetic; ++i) frames.push_back(synthetic_commit(rng, *key, static_cast<std::int64_t>(i + 1)));
  measure("synthetic network commits", frames, passes);
  return 0;
}
