// The firehose consumer's handling of real PDS frames: which ops become Events, the cursor stored
// with them, replays dropped, error frames, garbage and records that break their Lexicon survived,
// and commits not signed by their repo's key dropped.
#include <set>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bridge/base/clock.h"
#include "bridge/event_log.h"
#include "protocols/atproto/firehose_consumer.h"
#include "protocols/atproto/mst.h"
#include "protocols/atproto/record_events.h"
#include "tests/support/commit_keys.h"
#include "tests/support/stored_events.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;

namespace {

const std::string kAlice = "did:plc:3abn75zm6osaccj3hvhi5rs6";  // wrote every post in the fixture frames
const std::string kBob = "did:plc:wolab77try2ouwadrjz7nhpa";
const std::string kCarol = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";  // Carol and Dave sign with Bob's key (tests only)
const std::string kDave = "did:plc:qxk5tvb3mzu2hfr7wnc4lypa";

std::string frame(const std::string& name) { return testing::read_file(testing::fixture_path("firehose-frames/" + name)); }

std::vector<std::string> all_frames() {
  std::vector<std::string> out;
  for (const char* n : {"000001-identity", "000002-account", "000003-commit", "000004-sync", "000005-identity",
                        "000006-account", "000007-commit", "000008-sync", "000009-commit", "000010-commit",
                        "000011-commit", "000012-commit", "000013-commit"})
    out.push_back(frame(std::string(n) + ".cbor"));
  return out;
}

// Bob's repo signing key, made for these tests (the fixture frames are all by Alice).
const PrivateKey& bob_key() {
  static const PrivateKey key = PrivateKey::generate(Curve::k256).value();
  return key;
}

// A #commit frame in which `repo` creates one record at `path` (in a repo holding only it),
// signed with `key`.
std::string commit_frame(std::int64_t seq, const std::string& repo, const std::string& path, const Value& record,
                         const PrivateKey& key = bob_key()) {
  std::string record_bytes = encode_dag_cbor(record);
  Cid record_cid = Cid::compute(kCodecDagCbor, record_bytes);
  Mst tree;
  tree.put(path, record_cid);
  Mst::Built built = tree.build();
  Commit commit;
  commit.signed_bytes = encode_dag_cbor(Value(Map{{"data", Value(built.root)},
                                                  {"did", Value(repo)},
                                                  {"prev", Value(nullptr)},
                                                  {"rev", Value("3l3qo2vutsw2b")},
                                                  {"version", Value(3)}}));
  commit.sig = sign(key, commit.signed_bytes).value();
  std::string commit_block = testing::encode_commit(commit);
  Cid commit_cid = Cid::compute(kCodecDagCbor, commit_block);
  std::vector<std::pair<Cid, std::string>> blocks = built.nodes;
  blocks.emplace_back(commit_cid, commit_block);
  blocks.emplace_back(record_cid, record_bytes);
  std::string header = encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#commit")}}));
  Value op(Map{{"action", Value("create")}, {"cid", Value(record_cid)}, {"path", Value(path)}});
  Value body(Map{{"blobs", Value(Array{})},
                 {"blocks", Value(Bytes{write_car({commit_cid}, blocks)})},
                 {"commit", Value(commit_cid)},
                 {"ops", Value(Array{op})},
                 {"repo", Value(repo)},
                 {"rev", Value("3l3qo2vutsw2b")},
                 {"seq", Value(seq)},
                 {"since", Value(nullptr)},
                 {"time", Value("2026-11-22T01:34:05.706Z")},
                 {"tooBig", Value(false)}});
  return header + encode_dag_cbor(body);
}

// The default logger's lines while it lives, then the logger it replaced.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("captured", std::make_shared<spdlog::sinks::ostream_sink_st>(lines_)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return lines_.str(); }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

FirehoseOptions options() {
  FirehoseOptions o;
  o.service = *parse_url("ws://127.0.0.1:1", "ws,wss");
  return o;
}

// Alice's key, recovered from the signatures of her recorded commits.
PublicKey alice_key() {
  static const PublicKey key = testing::recover_commit_keys(all_frames()).at(kAlice);
  return key;
}

struct Harness {
  std::vector<std::string> identity_changes;
  // What the DID documents say (`current`), and what a stale cache still says (`cached`).
  std::map<std::string, PublicKey> current{
      {kAlice, alice_key()}, {kBob, bob_key().public_key()}, {kCarol, bob_key().public_key()}, {kDave, bob_key().public_key()}};
  std::map<std::string, PublicKey> cached;
  std::set<std::string> throwing;  // DIDs whose lookup throws (a bug deep in a resolver)
  std::map<std::string, std::int64_t> lookup_takes_us;  // how long a DID's lookup takes (by the clock)
  std::vector<std::pair<std::string, bool>> lookups;  // (did, refresh) of every key lookup
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  EventLog log{*store};
  Metrics metrics;
  WatchFilter filter;
  std::unique_ptr<FirehoseConsumer> consumer;
  std::int64_t now_us = 1'700'000'000'000'000;
  CommitVerifierOptions verification;

  explicit Harness(std::unordered_set<std::string> watched)
      : filter(std::move(watched), [this](std::string_view uri) {
          auto v = store->get(Family::seen, "at/" + std::string(uri));
          return v.ok() && v->has_value();
        }) {
    reopen();
  }
  void reopen() {
    consumer.reset();
    FirehoseOptions o = options();
    o.identity_changed = [this](const std::string& did) { identity_changes.push_back(did); };
    o.signing_key = [this](const std::string& did, bool refresh) -> Result<PublicKey> {
      lookups.emplace_back(did, refresh);
      if (throwing.count(did)) throw std::runtime_error("type_error: " + did);
      if (auto slow = lookup_takes_us.find(did); slow != lookup_takes_us.end()) now_us += slow->second;
      if (auto stale = cached.find(did); stale != cached.end() && !refresh) return stale->second;
      cached.erase(did);
      auto key = current.find(did);
      if (key == current.end()) return make_error("no DID document for " + did);
      return key->second;
    };
    o.verification = verification;
    consumer = std::make_unique<FirehoseConsumer>(*store, log, filter, metrics, OutboundPolicy{true}, o,
                                                  [this] { return now_us; });
  }
  std::vector<Event> events() { return testing::stored_events(log); }
};

}  // namespace

TEST_CASE("ops touching a watched account become events, stored with the cursor", "[firehose]") {
  Harness h({kAlice});
  for (const auto& f : all_frames()) CHECK(h.consumer->process(f) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(13));
  // The identity cache hears of each account's #identity and #account frames (a new handle, key or
  // PDS, or an account deactivated or moved).
  CHECK(h.identity_changes == std::vector<std::string>{kAlice, kAlice, kBob, kBob});
  auto events = h.events();
  REQUIRE(events.size() == 4);  // post, reply, post with image, delete; the profile is not carried
  CHECK(events[0].kind == EventKind::post);
  CHECK(events[1].kind == EventKind::reply);
  CHECK(events[1].thread.parent->id == events[0].origin.activity_id);
  CHECK(events[2].media.size() == 1);
  CHECK(events[2].media[0].alt == "a pixel");
  CHECK(events[3].kind == EventKind::remove);
  CHECK(events[3].subject->id == events[2].origin.activity_id);

  // The same frames again (a replay after reconnecting): nothing is stored twice.
  for (const auto& f : all_frames()) h.consumer->process(f);
  CHECK(h.events().size() == 4);
  // A restarted consumer resumes after the stored cursor.
  h.reopen();
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(13));
}

TEST_CASE("ops of unwatched accounts are dropped but still move the cursor", "[firehose]") {
  Harness h({"did:plc:nobodywatcheshere000000"});
  for (const auto& f : all_frames()) h.consumer->process(f);
  CHECK(h.events().empty());
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(13));
}

TEST_CASE("a mention of a watched account is taken in, with its facets as byte ranges", "[firehose]") {
  auto message = decode_frame(frame("000010-commit.cbor"));
  REQUIRE(message.ok());
  const auto& commit = std::get<CommitEvent>(*message);
  auto event = event_from_op(commit.repo, commit.ops[0]);
  REQUIRE(event);
  CHECK(event->kind == EventKind::reply);
  REQUIRE(event->content.facets.size() == 3);
  for (const auto& f : event->content.facets) {
    CHECK(f.byte_end <= event->content.text.size());
    std::string covered = event->content.text.substr(f.byte_start, f.byte_end - f.byte_start);
    if (f.type == Facet::Type::mention) CHECK(covered[0] == '@');
    if (f.type == Facet::Type::hashtag) CHECK(covered == "#" + f.target);
  }
  CHECK(event->created_at_us > 0);
  std::string mentioned;
  for (const auto& f : event->content.facets)
    if (f.type == Facet::Type::mention) mentioned = f.target;
  Harness h({mentioned});
  h.consumer->process(frame("000010-commit.cbor"));
  CHECK(mentioned == kBob);  // alice mentioned bob
  CHECK(h.events().size() == 1);
}

TEST_CASE("error frames, info and garbage do not stop the stream", "[firehose]") {
  Harness h({kAlice});
  h.consumer->process(frame("000009-commit.cbor"));
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(9));
  CHECK(h.consumer->process("garbage") == FirehoseConsumer::Next::keep_reading);
  CHECK(h.consumer->process(frame("error-FutureCursor.cbor")) == FirehoseConsumer::Next::reconnect);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(0));  // from the oldest frame kept
  h.consumer->process(frame("000009-commit.cbor"));  // replayed: recognised, not stored again
  CHECK(h.events().size() == 1);
  CHECK(h.metrics.render().find("causeway_firehose_frames_total{outcome=\"rejected\",reason=\"frame header\"} 1") !=
        std::string::npos);
  CHECK(parse_iso8601_us("2026-11-22T01:34:05.706Z") == 1795311245706000);
  CHECK(parse_iso8601_us("2026-11-22T02:34:05+01:00") == 1795311245000000);
}

TEST_CASE("a watched record that breaks its Lexicon is skipped, logged and counted, and the stream goes on",
          "[firehose]") {
  Harness h({kAlice});
  const std::string parent = "at://" + kAlice + "/app.bsky.feed.post/3l3pte3p2e325";
  const std::string parent_cid = "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4";
  auto reply = [&](Value parent_ref) {
    return Value(Map{{"$type", Value("app.bsky.feed.post")},
                     {"createdAt", Value("2026-11-22T01:34:05.706Z")},
                     {"text", Value("agreed")},
                     {"reply", Value(Map{{"parent", std::move(parent_ref)},
                                         {"root", Value(Map{{"cid", Value(parent_cid)}, {"uri", Value(parent)}})}})}});
  };
  // A reply to Alice whose parent ref has no cid, then a mention of her with a facet ending before it starts.
  std::string broken_reply =
      commit_frame(14, kBob, "app.bsky.feed.post/3l3qo2vuowo2b", reply(Value(Map{{"uri", Value(parent)}})));
  Value tag(Map{{"$type", Value("app.bsky.richtext.facet#tag")}, {"tag", Value("x")}});
  Value mention(Map{{"$type", Value("app.bsky.richtext.facet#mention")}, {"did", Value(kAlice)}});
  auto facet = [](int start, int end, Value feature) {
    return Value(Map{{"index", Value(Map{{"byteStart", Value(start)}, {"byteEnd", Value(end)}})},
                     {"features", Value(Array{std::move(feature)})}});
  };
  std::string broken_mention = commit_frame(
      15, kBob, "app.bsky.feed.post/3l3qo2vuowo2c",
      Value(Map{{"createdAt", Value("2026-11-22T01:34:05.706Z")},
                {"text", Value("@alice #x")},
                {"facets", Value(Array{facet(0, 6, mention), facet(8, 6, tag)})}}));
  std::string good_reply = commit_frame(16, kBob, "app.bsky.feed.post/3l3qo2vuowo2d",
                                        reply(Value(Map{{"cid", Value(parent_cid)}, {"uri", Value(parent)}})));

  CapturedLog log;
  CHECK(h.consumer->process(broken_reply) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.consumer->process(broken_mention) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.events().empty());
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(15));
  CHECK(log.text().find("[warning] firehose: create at://" + kBob +
                        "/app.bsky.feed.post/3l3qo2vuowo2b (reply to a mirrored post) skipped: app.bsky.feed.post: "
                        "reply.parent.cid: missing\n") != std::string::npos);
  CHECK(log.text().find("at://" + kBob + "/app.bsky.feed.post/3l3qo2vuowo2c (mention of a mirror account) skipped: "
                        "app.bsky.feed.post: facets[1].index.byteEnd: before byteStart") != std::string::npos);

  CHECK(h.consumer->process(good_reply) == FirehoseConsumer::Next::keep_reading);
  auto events = h.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::reply);
  CHECK(events[0].origin.activity_id == "at://" + kBob + "/app.bsky.feed.post/3l3qo2vuowo2d");
  CHECK(events[0].thread.parent->cid == parent_cid);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(16));

  std::string metrics = h.metrics.render();
  const std::string invalid = "causeway_firehose_invalid_records_total";
  CHECK(metrics.find(invalid + "{reason=\"app.bsky.feed.post: reply.parent.cid\"} 1") != std::string::npos);
  CHECK(metrics.find(invalid + "{reason=\"app.bsky.feed.post: facets.index.byteEnd\"} 1") != std::string::npos);
  CHECK(metrics.find("causeway_firehose_frames_total{outcome=\"skipped\"} 2") != std::string::npos);
  CHECK(metrics.find("causeway_firehose_frames_total{outcome=\"taken\"} 1") != std::string::npos);

  // Stored with the event: a restart resumes after the skipped frames too.
  h.reopen();
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(16));
}

namespace {

// `frame` with its body's fields changed by `change`, re-encoded (what a hostile relay can send).
std::string with_body(const std::string& frame, const std::function<void(Map&)>& change) {
  size_t header_size = 0;
  REQUIRE(decode_dag_cbor_prefix(frame, &header_size).ok());
  auto body = decode_dag_cbor(std::string_view(frame).substr(header_size));
  REQUIRE(body.ok());
  Map fields = body->as_map();
  change(fields);
  return frame.substr(0, header_size) + encode_dag_cbor(Value(std::move(fields)));
}

std::string identity_frame(std::int64_t seq, const std::string& did) {
  return encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#identity")}})) +
         encode_dag_cbor(Value(Map{{"did", Value(did)}, {"seq", Value(seq)}, {"time", Value("2026-11-22T01:34:05.706Z")}}));
}

std::string reply_to_alice(std::int64_t seq, const std::string& rkey, const PrivateKey& key = bob_key(),
                           const std::string& repo = kBob) {
  Value parent(Map{{"cid", Value("bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4")},
                   {"uri", Value("at://" + kAlice + "/app.bsky.feed.post/3l3pte3p2e325")}});
  return commit_frame(seq, repo, "app.bsky.feed.post/" + rkey,
                      Value(Map{{"$type", Value("app.bsky.feed.post")},
                                {"createdAt", Value("2026-11-22T01:34:05.706Z")},
                                {"text", Value("agreed")},
                                {"reply", Value(Map{{"parent", parent}, {"root", parent}})}}),
                      key);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a commit whose signature was tampered with or re-made with another key is dropped whole, and the stream goes on",
          "[firehose]") {
  Harness h({kAlice});
  auto frames = all_frames();
  for (size_t i = 0; i < 8; ++i) h.consumer->process(frames[i]);  // accounts created: nothing to keep
  PrivateKey forger = PrivateKey::generate(Curve::k256).value();
  std::string flipped = testing::remake_commit_frame(frames[8], [](Commit& c) { c.sig[10] ^= 0x01; });
  std::string resigned =
      testing::remake_commit_frame(frames[9], [&](Commit& c) { c.sig = sign(forger, c.signed_bytes).value(); });
  REQUIRE(decode_frame(flipped).ok());  // well-formed frames: only the signature is wrong
  REQUIRE(decode_frame(resigned).ok());

  CapturedLog log;
  CHECK(h.consumer->process(flipped) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.consumer->process(resigned) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.events().empty());  // neither Alice's post nor the reply in those commits
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(10));  // not stuck on them
  CHECK(has(log.text(), "[warning] firehose ws://127.0.0.1:1/: commit of " + kAlice +
                            " at seq 9 dropped (1 ops to keep): bad_signature: "));
  CHECK(has(log.text(), "commit of " + kAlice + " at seq 10 dropped (1 ops to keep): bad_signature: "));
  // The first failure looked Alice's key up afresh (it might have been rotated); the second did
  // not ask again so soon, so forged commits cannot make the bridge hammer a directory.
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kAlice, false}, {kAlice, true}});

  CHECK(h.consumer->process(frames[10]) == FirehoseConsumer::Next::keep_reading);  // Alice's own, untouched
  auto events = h.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].media.size() == 1);
  std::string metrics = h.metrics.render();
  CHECK(has(metrics, "causeway_firehose_commits_rejected_total{reason=\"bad_signature\"} 2"));
  CHECK(has(metrics, "causeway_firehose_commits_verified_total 1"));
  h.reopen();  // the cursor was stored past the dropped commits
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(11));
}

TEST_CASE("a commit without its commit block, or another repo's commit relabelled, is dropped", "[firehose]") {
  Harness h({kBob});
  std::string reply = reply_to_alice(14, "3l3qo2vuowo2e");
  std::string unsigned_reply = with_body(reply, [](Map& body) {
    for (auto& [k, v] : body)
      if (k == "blocks") {
        auto car = CarFile::parse(v.as_bytes()).value();
        std::vector<std::pair<Cid, std::string>> records;
        for (const auto& [cid, bytes] : car.blocks())
          if (!(cid == car.roots()[0])) records.emplace_back(cid, std::string(bytes));
        v = Value(Bytes{write_car(car.roots(), records)});
      }
  });
  // Alice's signed commit, presented as Bob's: Bob's own posts are kept, so this would post as him.
  std::string relabelled = with_body(frame("000009-commit.cbor"), [](Map& body) {
    for (auto& [k, v] : body) {
      if (k == "repo") v = Value(kBob);
      if (k == "seq") v = Value(15);
    }
  });
  CapturedLog log;
  h.consumer->process(unsigned_reply);
  h.consumer->process(relabelled);
  CHECK(h.events().empty());
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(15));
  CHECK(has(log.text(), "commit of " + kBob + " at seq 14 dropped (1 ops to keep): missing_commit: "));
  CHECK(has(log.text(), "commit of " + kBob + " at seq 15 dropped (1 ops to keep): commit_mismatch: "));
  std::string metrics = h.metrics.render();
  CHECK(has(metrics, "causeway_firehose_commits_rejected_total{reason=\"missing_commit\"} 1"));
  CHECK(has(metrics, "causeway_firehose_commits_rejected_total{reason=\"commit_mismatch\"} 1"));
  CHECK(h.lookups.empty());  // refused before any key was needed

  h.consumer->process(reply_to_alice(16, "3l3qo2vuowo2f"));  // the genuine article
  CHECK(h.events().size() == 1);
}

TEST_CASE("a stale cached key is looked up afresh once, and the repo's commits are taken in", "[firehose]") {
  Harness h({kAlice});
  h.cached.insert_or_assign(kAlice, PrivateKey::generate(Curve::k256).value().public_key());  // the key before a rotation
  CapturedLog log;
  for (const auto& f : all_frames()) h.consumer->process(f);
  CHECK(h.events().size() == 4);  // as with a fresh key: post, reply, post with image, delete
  // One lookup from the cache, one afresh; the new key then serves every later commit.
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kAlice, false}, {kAlice, true}});
  CHECK(has(log.text(), "the signing key of " + kAlice + " was looked up afresh for seq 9"));
  CHECK(!has(log.text(), "dropped"));
  CHECK(!has(h.metrics.render(), "causeway_firehose_commits_rejected_total"));
}

TEST_CASE("a repo whose key cannot be had has its commits dropped, not the stream stopped", "[firehose]") {
  Harness h({kAlice});
  h.current.erase(kBob);
  CapturedLog log;
  h.consumer->process(reply_to_alice(14, "3l3qo2vuowo2g"));
  h.consumer->process(reply_to_alice(15, "3l3qo2vuowo2h"));
  CHECK(h.events().empty());
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(15));
  CHECK(has(log.text(), "commit of " + kBob + " at seq 14 dropped (1 ops to keep): key_unavailable: no key for " +
                            kBob + ": no DID document for " + kBob));
  CHECK(h.lookups.size() == 1);  // the failure is remembered for a while
  CHECK(has(h.metrics.render(), "causeway_firehose_commits_rejected_total{reason=\"key_unavailable\"} 2"));
}

TEST_CASE("only commits with ops to keep are checked, and an #identity event drops the cached key", "[firehose]") {
  {
    Harness h({"did:plc:nobodywatcheshere000000"});
    for (const auto& f : all_frames()) h.consumer->process(f);
    CHECK(h.lookups.empty());
  }
  Harness h({kAlice});
  h.consumer->process(reply_to_alice(14, "3l3qo2vuowo2i"));
  h.consumer->process(reply_to_alice(15, "3l3qo2vuowo2j"));
  CHECK(h.lookups.size() == 1);  // the key is kept between commits
  h.consumer->process(identity_frame(16, kBob));  // Bob changed his key (or handle)
  h.current.insert_or_assign(kBob, PrivateKey::generate(Curve::k256).value().public_key());
  h.consumer->process(reply_to_alice(17, "3l3qo2vuowo2k"));
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kBob, false}, {kBob, false}, {kBob, true}});
  CHECK(h.events().size() == 2);  // the commit signed with his old key no longer passes
  CHECK(h.identity_changes == std::vector<std::string>{kBob});
}

TEST_CASE("an op slipped into a genuine signed commit is refused with the whole commit", "[firehose]") {
  Harness h({kAlice});
  auto frames = all_frames();
  for (size_t i = 0; i < 9; ++i) h.consumer->process(frames[i]);  // up to Alice's first post
  REQUIRE(h.events().size() == 1);
  std::string first_post = std::get<CommitEvent>(decode_frame(frames[8]).value()).ops[0].path;
  Value forged_post(Map{{"$type", Value("app.bsky.feed.post")},
                        {"createdAt", Value("2026-11-22T01:34:05.706Z")},
                        {"text", Value("Alice never wrote this")}});
  std::string forged_bytes = encode_dag_cbor(forged_post);
  Cid forged_cid = Cid::compute(kCodecDagCbor, forged_bytes);
  // The commit block and its signature are untouched; a relay adds one op (and its record block).
  auto add_op = [&](const std::string& genuine, std::int64_t seq, Value op) {
    return with_body(genuine, [&](Map& body) {
      for (auto& [k, v] : body) {
        if (k == "seq") v = Value(seq);
        if (k == "ops") {
          Array ops = v.as_array();
          ops.push_back(op);
          v = Value(std::move(ops));
        }
        if (k == "blocks") {
          auto car = CarFile::parse(v.as_bytes()).value();
          std::vector<std::pair<Cid, std::string>> blocks{{forged_cid, forged_bytes}};
          for (const auto& [cid, bytes] : car.blocks()) blocks.emplace_back(cid, std::string(bytes));
          v = Value(Bytes{write_car(car.roots(), blocks)});
        }
      }
    });
  };
  std::string created = add_op(frames[9], 20,
                               Value(Map{{"action", Value("create")},
                                         {"cid", Value(forged_cid)},
                                         {"path", Value("app.bsky.feed.post/3l3zzzzzzzz2a")}}));
  // A delete of Alice's first post, which the tree of her next commit still holds.
  std::string deleted =
      add_op(frames[10], 21, Value(Map{{"action", Value("delete")}, {"cid", Value(nullptr)}, {"path", Value(first_post)}}));
  REQUIRE(decode_frame(created).ok());
  REQUIRE(decode_frame(deleted).ok());

  CapturedLog log;
  h.consumer->process(created);
  h.consumer->process(deleted);
  CHECK(h.events().size() == 1);  // neither the forged ops nor the genuine ones they came with
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(21));
  CHECK(has(log.text(), "commit of " + kAlice + " at seq 20 dropped (2 ops to keep): op_not_in_commit: "));
  CHECK(has(log.text(), "create of app.bsky.feed.post/3l3zzzzzzzz2a is not what the commit's tree holds (no entry)"));
  CHECK(has(log.text(), "commit of " + kAlice + " at seq 21 dropped (2 ops to keep): op_not_in_commit: "));
  CHECK(has(log.text(), "delete of " + first_post + " is not what the commit's tree holds (bafyrei"));
  CHECK(has(h.metrics.render(), "causeway_firehose_commits_rejected_total{reason=\"op_not_in_commit\"} 2"));
  CHECK(h.lookups.size() == 1);  // Alice's first post only: the forgeries were refused before any key was needed
}

TEST_CASE("a frame whose processing throws is dropped and counted, and the stream goes on", "[firehose]") {
  Harness h({kAlice});
  h.throwing.insert(kBob);
  CapturedLog log;
  FirehoseConsumer::Next next = FirehoseConsumer::Next::reconnect;
  CHECK_NOTHROW(next = h.consumer->process(reply_to_alice(14, "3l3qo2vuowo3a")));
  CHECK(next == FirehoseConsumer::Next::keep_reading);
  CHECK(h.events().empty());
  CHECK(has(log.text(), "frame dropped"));
  CHECK(has(h.metrics.render(), "causeway_firehose_frames_total{outcome=\"rejected\",reason=\"exception\"} 1"));
  h.throwing.clear();
  CHECK(h.consumer->process(reply_to_alice(15, "3l3qo2vuowo3b")) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.events().size() == 1);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(15));
}

TEST_CASE("a repo keeps its key while re-resolving it fails, and its commits are still taken in", "[firehose]") {
  Harness h({kAlice});
  CapturedLog log;
  h.consumer->process(reply_to_alice(14, "3l3qo2vuowo3c"));
  REQUIRE(h.events().size() == 1);
  h.current.erase(kBob);  // the directory is down, or answers garbage, for a while
  h.now_us += 3600LL * 1'000'000 + 1'000'000;  // past the key's TTL: it is re-resolved, and that fails
  h.consumer->process(reply_to_alice(15, "3l3qo2vuowo3d"));
  h.consumer->process(reply_to_alice(16, "3l3qo2vuowo3e"));
  CHECK(h.events().size() == 3);
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kBob, false}, {kBob, false}});
  h.now_us += 5 * 60LL * 1'000'000 + 1'000'000;  // past the failure TTL: tried again, still the key in hand
  h.consumer->process(reply_to_alice(17, "3l3qo2vuowo3f"));
  CHECK(h.events().size() == 4);
  CHECK(h.lookups.size() == 3);
  CHECK(!has(log.text(), "dropped"));
  CHECK(!has(h.metrics.render(), "causeway_firehose_commits_rejected_total"));
}

TEST_CASE("an op listed twice in one commit makes one event", "[firehose]") {
  Harness h({kAlice});
  std::string twice = with_body(reply_to_alice(14, "3l3qo2vuowo3g"), [](Map& body) {
    for (auto& [k, v] : body)
      if (k == "ops") {
        Array ops = v.as_array();
        ops.push_back(ops[0]);
        v = Value(std::move(ops));
      }
  });
  REQUIRE(std::get<CommitEvent>(decode_frame(twice).value()).ops.size() == 2);
  h.consumer->process(twice);
  CHECK(h.events().size() == 1);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(14));
}

TEST_CASE("new DIDs beyond the per-minute cap are not resolved: their commits are dropped as key_rate_limited",
          "[firehose]") {
  Harness h({kAlice});
  h.verification.max_new_keys_per_minute = 1;
  h.reopen();
  CapturedLog log;
  h.consumer->process(reply_to_alice(14, "3l3qo2vuowo3h"));                        // Bob: resolved
  h.consumer->process(reply_to_alice(15, "3l3qo2vuowo3i", bob_key(), kCarol));     // Carol: over the cap
  h.consumer->process(reply_to_alice(16, "3l3qo2vuowo3j"));                        // Bob: his key is in hand
  CHECK(h.events().size() == 2);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(16));
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kBob, false}});
  CHECK(has(log.text(), "commit of " + kCarol + " at seq 15 dropped (1 ops to keep): key_rate_limited"));
  CHECK(has(h.metrics.render(), "causeway_firehose_commits_rejected_total{reason=\"key_rate_limited\"} 1"));
  h.now_us += 61LL * 1'000'000;  // a minute later Carol may be resolved
  h.consumer->process(reply_to_alice(17, "3l3qo2vuowo3k", bob_key(), kCarol));
  CHECK(h.events().size() == 3);
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kBob, false}, {kCarol, false}});
}

TEST_CASE("new DIDs are not looked up once such lookups took the minute's time budget: key_rate_limited",
          "[firehose]") {
  Harness h({kAlice});  // the default budget: 15 s of lookups of new DIDs per minute
  h.lookup_takes_us = {{kBob, 10'000'000}, {kCarol, 10'000'000}};  // their hosts answer slowly
  CapturedLog log;
  h.consumer->process(reply_to_alice(14, "3l3qo2vuowo3l"));                     // Bob: 10 s
  h.consumer->process(reply_to_alice(15, "3l3qo2vuowo3m", bob_key(), kCarol));  // Carol: 10 s more
  h.consumer->process(reply_to_alice(16, "3l3qo2vuowo3n", bob_key(), kDave));   // Dave: over the budget
  h.consumer->process(reply_to_alice(17, "3l3qo2vuowo3o"));                     // Bob: his key is in hand
  CHECK(h.events().size() == 3);
  CHECK(h.lookups == std::vector<std::pair<std::string, bool>>{{kBob, false}, {kCarol, false}});
  CHECK(has(log.text(), "commit of " + kDave + " at seq 16 dropped (1 ops to keep): key_rate_limited"));
  h.now_us += 61LL * 1'000'000;
  h.consumer->process(reply_to_alice(18, "3l3qo2vuowo3p", bob_key(), kDave));
  CHECK(h.events().size() == 4);
  CHECK(h.lookups.size() == 3);
}
