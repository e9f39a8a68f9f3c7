// The firehose consumer's handling of real PDS frames: which ops become Events, the cursor stored
// with them, replays dropped, error frames, garbage and records that break their Lexicon survived.
#include <sstream>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bridge/event_log.h"
#include "protocols/atproto/firehose_consumer.h"
#include "protocols/atproto/record_events.h"
#include "tests/support/stored_events.h"
#include "tests/support/fixtures.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;

namespace {

const std::string kAlice = "did:plc:3abn75zm6osaccj3hvhi5rs6";  // wrote every post in the fixture frames
const std::string kBob = "did:plc:wolab77try2ouwadrjz7nhpa";

std::string frame(const std::string& name) { return testing::read_file(testing::fixture_path("firehose-frames/" + name)); }

std::vector<std::string> all_frames() {
  std::vector<std::string> out;
  for (const char* n : {"000001-identity", "000002-account", "000003-commit", "000004-sync", "000005-identity",
                        "000006-account", "000007-commit", "000008-sync", "000009-commit", "000010-commit",
                        "000011-commit", "000012-commit", "000013-commit"})
    out.push_back(frame(std::string(n) + ".cbor"));
  return out;
}

// A #commit frame in which `repo` creates one record at `path`. The commit block itself is left
// out: the consumer reads only the records the ops point at.
std::string commit_frame(std::int64_t seq, const std::string& repo, const std::string& path, const Value& record) {
  std::string record_bytes = encode_dag_cbor(record);
  Cid record_cid = Cid::compute(kCodecDagCbor, record_bytes);
  Cid commit_cid = Cid::compute(kCodecDagCbor, "commit " + std::to_string(seq));
  std::string header = encode_dag_cbor(Value(Map{{"op", Value(1)}, {"t", Value("#commit")}}));
  Value op(Map{{"action", Value("create")}, {"cid", Value(record_cid)}, {"path", Value(path)}});
  Value body(Map{{"blobs", Value(Array{})},
                 {"blocks", Value(Bytes{write_car({commit_cid}, {{record_cid, record_bytes}})})},
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

struct Harness {
  std::vector<std::string> identity_changes;
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  EventLog log{*store};
  Metrics metrics;
  WatchFilter filter;
  std::unique_ptr<FirehoseConsumer> consumer;

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
    consumer = std::make_unique<FirehoseConsumer>(*store, log, filter, metrics, OutboundPolicy{true}, o,
                                                  [] { return std::int64_t{1'700'000'000'000'000}; });
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
  CHECK(parse_datetime_us("2026-11-22T01:34:05.706Z") == 1795311245706000);
  CHECK(parse_datetime_us("2026-11-22T02:34:05+01:00") == 1795311245000000);
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
