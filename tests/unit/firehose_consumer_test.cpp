// The firehose consumer's handling of real PDS frames: which ops become Events, the cursor stored
// with them, replays dropped, error frames and garbage survived.
#include <catch2/catch.hpp>

#include "bridge/event_log.h"
#include "protocols/atproto/firehose_consumer.h"
#include "protocols/atproto/record_events.h"
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
  std::vector<Event> events() {
    std::vector<Event> out;
    REQUIRE(log.scan("", [&](const Event& e) {
      out.push_back(e);
      return true;
    }).ok());
    return out;
  }
};

}  // namespace

TEST_CASE("ops touching a watched account become events, stored with the cursor", "[firehose]") {
  Harness h({kAlice});
  for (const auto& f : all_frames()) CHECK(h.consumer->process(f) == FirehoseConsumer::Next::keep_reading);
  CHECK(h.consumer->cursor() == std::optional<std::int64_t>(13));
  CHECK(h.identity_changes == std::vector<std::string>{kAlice, kBob});  // the identity cache hears of it
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
