// The Jetstream consumer: messages of the shapes Jetstream sends parsed into the ops the firehose
// gives, malformed ones rejected with their reason, events stored with the cursor, replays after a
// rewind not stored twice, and a real WebSocket connection resumed from the rewound cursor.
#include <sys/socket.h>

#include <utility>  // Boost 1.74's asio needs std::exchange declared first under C++20

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bridge/event_log.h"
#include "protocols/atproto/jetstream_consumer.h"
#include "protocols/atproto/jetstream_event.h"
#include "protocols/atproto/record_events.h"
#include "tests/support/stored_events.h"
#include "tests/support/net_util.h"
#include "tests/support/temp_dir.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

const std::string kAlice = "did:plc:3abn75zm6osaccj3hvhi5rs6";  // the watched (mirror) account
const std::string kBob = "did:plc:wolab77try2ouwadrjz7nhpa";
const std::string kCarol = "did:plc:ragtjsm2j2vknwkz3zp4oxrd";
const std::string kAlicePost = "at://" + kAlice + "/app.bsky.feed.post/3l3pte3p2e325";
const std::string kAlicePostCid = "bafyreidc6sydkkbchcyg62v77wbhzvb2mvytlmsychqgwf2xojjtirmzj4";
const std::string kBobReply = "at://" + kBob + "/app.bsky.feed.post/3l3qo2vuowo2b";

constexpr std::int64_t kNowUs = 1'725'911'200'000'000;
std::int64_t at_second(int i) { return 1'725'911'160'000'000 + i * std::int64_t{1'000'000}; }

// Bob's reply to Alice, mentioning her, with a hashtag after a non-ASCII word and an image: the
// full shape Jetstream sends.
std::string reply_message(std::int64_t time_us) {
  return R"({"did":")" + kBob + R"(","time_us":)" + std::to_string(time_us) + R"(,"kind":"commit","commit":{
    "rev":"3l3qo2vutsw2b","operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b",
    "record":{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":["fr"],
      "text":"@alice.example.com d'accord, très bien #causeway",
      "facets":[
        {"$type":"app.bsky.richtext.facet","index":{"byteStart":0,"byteEnd":18},
         "features":[{"$type":"app.bsky.richtext.facet#mention","did":")" + kAlice + R"("}]},
        {"$type":"app.bsky.richtext.facet","index":{"byteStart":40,"byteEnd":49},
         "features":[{"$type":"app.bsky.richtext.facet#tag","tag":"causeway"}]}],
      "embed":{"$type":"app.bsky.embed.images","images":[{"alt":"a pixel","image":{"$type":"blob",
        "ref":{"$link":"bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},"mimeType":"image/png","size":95}}]},
      "reply":{"parent":{"cid":")" + kAlicePostCid + R"(","uri":")" + kAlicePost + R"("},
               "root":{"cid":")" + kAlicePostCid + R"(","uri":")" + kAlicePost + R"("}}},
    "cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi"}})";
}

std::string commit_message(const std::string& did, std::int64_t time_us, const std::string& operation,
                           const std::string& collection, const std::string& rkey, const json& record = nullptr) {
  json commit = {{"rev", "3l3qo2vutsw2b"}, {"operation", operation}, {"collection", collection}, {"rkey", rkey}};
  if (!record.is_null()) {
    commit["record"] = record;
    commit["cid"] = Cid::compute(kCodecDagCbor, record.dump()).to_string();
  }
  return json{{"did", did}, {"time_us", time_us}, {"kind", "commit"}, {"commit", commit}}.dump();
}

json strong_ref_record(const std::string& type) {
  return {{"$type", type},
          {"createdAt", "2024-09-09T19:46:02.102Z"},
          {"subject", {{"cid", kAlicePostCid}, {"uri", kAlicePost}}}};
}

std::string like_message(std::int64_t t) {
  return commit_message(kBob, t, "create", "app.bsky.feed.like", "3l3qo2vuowo2c", strong_ref_record("app.bsky.feed.like"));
}
std::string repost_message(std::int64_t t) {
  return commit_message(kCarol, t, "create", "app.bsky.feed.repost", "3l3qo2vuowo2d",
                        strong_ref_record("app.bsky.feed.repost"));
}
std::string follow_message(std::int64_t t) {
  return commit_message(kBob, t, "create", "app.bsky.graph.follow", "3l3dn7tku762u",
                        {{"$type", "app.bsky.graph.follow"}, {"createdAt", "2024-09-05T06:11:04.870Z"}, {"subject", kAlice}});
}
std::string delete_reply_message(std::int64_t t) {
  return commit_message(kBob, t, "delete", "app.bsky.feed.post", "3l3qo2vuowo2b");
}
std::string unrelated_post_message(std::int64_t t) {
  return commit_message(kCarol, t, "create", "app.bsky.feed.post", "3l3qo2vuowo2e",
                        {{"$type", "app.bsky.feed.post"}, {"createdAt", "2024-09-09T19:46:02.102Z"}, {"text", "hello"}});
}
std::string identity_message(std::int64_t t) {
  return json{{"did", kAlice},
              {"time_us", t},
              {"kind", "identity"},
              {"identity", {{"did", kAlice}, {"handle", "alice.example.com"}, {"seq", 1409752997},
                            {"time", "2024-09-05T06:11:04.870Z"}}}}
      .dump();
}
std::string account_message(std::int64_t t) {
  return json{{"did", kCarol},
              {"time_us", t},
              {"kind", "account"},
              {"account", {{"active", false}, {"did", kCarol}, {"seq", 1409753013}, {"status", "deactivated"},
                           {"time", "2024-09-05T06:11:04.870Z"}}}}
      .dump();
}

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<Store> store = std::move(Store::open(dir / "db")).value();
  EventLog log{*store};
  Metrics metrics;
  WatchFilter filter;
  std::string service;
  std::vector<std::string> identity_changes;
  std::unique_ptr<JetstreamConsumer> consumer;

  explicit Harness(std::string service_url = "ws://127.0.0.1:1")
      : filter({kAlice},
               [this](std::string_view uri) {
                 auto v = store->get(Family::seen, "at/" + std::string(uri));
                 return v.ok() && v->has_value();
               }),
        service(std::move(service_url)) {
    reopen();
  }
  // A new consumer on the same store, as after a restart of the daemon.
  void reopen() {
    consumer.reset();
    JetstreamOptions o;
    o.service = *parse_url(service, "ws,wss");
    o.backoff = {std::chrono::milliseconds(20), std::chrono::milliseconds(100)};
    o.identity_changed = [this](const std::string& did) { identity_changes.push_back(did); };
    consumer = std::make_unique<JetstreamConsumer>(*store, log, filter, metrics, OutboundPolicy{true}, o,
                                                   [] { return kNowUs; });
  }
  std::vector<Event> events() { return testing::stored_events(log); }
  std::optional<std::string> stored_cursor() {
    auto v = store->get(Family::cursors, consumer->cursor_key());
    REQUIRE(v.ok());
    return *v;
  }
  std::uint64_t counted(const std::string& outcome, const std::string& reason = "") {
    Labels labels{{"outcome", outcome}};
    if (!reason.empty()) labels.emplace_back("reason", reason);
    return metrics.counter("causeway_jetstream_messages_total", "", labels).value();
  }
};

// A Jetstream stand-in on 127.0.0.1: takes one connection at a time, records its request target,
// sends the next script's messages as text frames, then closes or waits for the client to leave.
class ScriptedJetstream {
 public:
  struct Script {
    std::vector<std::string> messages;
    bool close_after = false;
  };

  explicit ScriptedJetstream(std::vector<Script> scripts) : scripts_(std::move(scripts)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedJetstream() {
    stopping_ = true;
    {
      std::lock_guard lock(mu_);
      ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes accept()
      if (connection_fd_ >= 0) ::shutdown(connection_fd_, SHUT_RDWR);
    }
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  void serve() {
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    for (std::size_t i = 0; !stopping_; ++i) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      websocket::stream<tcp::socket> ws(std::move(socket));
      {
        std::lock_guard lock(mu_);
        connection_fd_ = ws.next_layer().native_handle();
      }
      beast::flat_buffer buffer;
      beast::http::request<beast::http::string_body> request;
      beast::http::read(ws.next_layer(), buffer, request, ec);
      if (!ec) {
        {
          std::lock_guard lock(mu_);
          targets_.emplace_back(request.target());
        }
        ws.accept(request, ec);
      }
      if (!ec && i < scripts_.size()) {
        ws.text(true);
        for (const auto& m : scripts_[i].messages)
          if (!ec) ws.write(boost::asio::buffer(m), ec);
        if (!ec && scripts_[i].close_after) ws.close(websocket::close_code::going_away, ec);
      }
      while (!ec) ws.read(buffer, ec);  // until the client leaves (or our close completes)
      std::lock_guard lock(mu_);
      connection_fd_ = -1;
    }
  }

  std::vector<Script> scripts_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  int connection_fd_ = -1;
  std::vector<std::string> targets_;
  std::thread thread_;
};

// The query parameters of a request target, in order.
std::vector<std::pair<std::string, std::string>> query_of(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string rest = target.substr(q + 1);
  for (std::size_t start = 0; start <= rest.size();) {
    std::size_t end = rest.find('&', start);
    if (end == std::string::npos) end = rest.size();
    std::string pair = rest.substr(start, end - start);
    std::size_t eq = pair.find('=');
    out.emplace_back(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> param(const std::string& target, const std::string& name) {
  for (const auto& [k, v] : query_of(target))
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace

TEST_CASE("a reply with facets and an image becomes the op and event the firehose would give", "[jetstream]") {
  auto parsed = parse_jetstream_event(reply_message(at_second(0)));
  REQUIRE(parsed.ok());
  CHECK(parsed->kind == JetstreamEvent::Kind::commit);
  CHECK(parsed->did == kBob);
  CHECK(parsed->time_us == at_second(0));
  CHECK(parsed->operation == "create");
  CHECK(parsed->collection == "app.bsky.feed.post");
  CHECK(parsed->rkey == "3l3qo2vuowo2b");
  CHECK(parsed->cid->to_string() == "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi");
  // The blob's ref is a typed link in the data model, as in a firehose record.
  const Value* image = parsed->record->find("embed")->find("images")->as_array()[0].find("image");
  REQUIRE(image->find_link("ref"));

  RepoOp op = jetstream_repo_op(std::move(*parsed));
  CHECK(op.action == "create");
  CHECK(op.path == "app.bsky.feed.post/3l3qo2vuowo2b");
  WatchFilter filter({kAlice}, nullptr);
  CHECK(filter.why(kBob, op) == "reply to a mirrored post");
  auto event = event_from_op(kBob, op);
  REQUIRE(event);
  CHECK(event->kind == EventKind::reply);
  CHECK(event->origin.activity_id == kBobReply);
  CHECK(event->origin.object.cid == "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi");
  CHECK(event->thread.parent->id == kAlicePost);
  CHECK(event->thread.parent->cid == kAlicePostCid);
  REQUIRE(event->content.facets.size() == 2);
  CHECK(event->content.facets[0].type == Facet::Type::mention);
  CHECK(event->content.facets[0].target == kAlice);
  CHECK(event->content.facets[1].type == Facet::Type::hashtag);
  const Facet& tag = event->content.facets[1];
  CHECK(event->content.text.substr(tag.byte_start, tag.byte_end - tag.byte_start) == "#causeway");
  CHECK(event->content.languages == std::vector<std::string>{"fr"});
  REQUIRE(event->media.size() == 1);
  CHECK(event->media[0].alt == "a pixel");
}

TEST_CASE("likes, reposts, follows, deletes, identity and account messages", "[jetstream]") {
  WatchFilter filter({kAlice}, [](std::string_view uri) { return uri == kBobReply; });
  auto op_of = [](const std::string& message) {
    auto parsed = parse_jetstream_event(message);
    REQUIRE(parsed.ok());
    return jetstream_repo_op(std::move(*parsed));
  };

  RepoOp like = op_of(like_message(at_second(1)));
  CHECK(filter.why(kBob, like) == "like of a mirrored post");
  CHECK(event_from_op(kBob, like)->kind == EventKind::like);
  CHECK(event_from_op(kBob, like)->subject->id == kAlicePost);

  RepoOp repost = op_of(repost_message(at_second(2)));
  CHECK(filter.why(kCarol, repost) == "repost of a mirrored post");
  CHECK(event_from_op(kCarol, repost)->kind == EventKind::repost);

  RepoOp follow = op_of(follow_message(at_second(3)));
  CHECK(filter.why(kBob, follow) == "follow of a mirror account");
  CHECK(event_from_op(kBob, follow)->subject->id == kAlice);

  auto deleted = parse_jetstream_event(delete_reply_message(at_second(4)));
  REQUIRE(deleted.ok());
  CHECK(deleted->operation == "delete");
  CHECK(!deleted->cid);
  CHECK(!deleted->record);
  RepoOp remove = jetstream_repo_op(std::move(*deleted));
  CHECK(filter.why(kBob, remove) == "delete of a record taken in");
  CHECK(event_from_op(kBob, remove)->kind == EventKind::remove);
  CHECK(event_from_op(kBob, remove)->subject->id == kBobReply);

  auto identity = parse_jetstream_event(identity_message(at_second(5)));
  REQUIRE(identity.ok());
  CHECK(identity->kind == JetstreamEvent::Kind::identity);
  CHECK(identity->did == kAlice);
  CHECK(identity->handle == "alice.example.com");

  auto account = parse_jetstream_event(account_message(at_second(6)));
  REQUIRE(account.ok());
  CHECK(account->kind == JetstreamEvent::Kind::account);
  CHECK(account->did == kCarol);
  CHECK(!account->active);
  CHECK(account->status == "deactivated");

  auto heartbeat = parse_jetstream_event(R"({"kind":"heartbeat","payload":""})");
  REQUIRE(heartbeat.ok());
  CHECK(heartbeat->kind == JetstreamEvent::Kind::other);
  CHECK(heartbeat->kind_name == "heartbeat");
}

TEST_CASE("malformed messages are rejected with the field at fault, and counted", "[jetstream]") {
  const std::string head = R"({"did":")" + kBob + R"(","time_us":1725911162329308,"kind":"commit","commit":)";
  const std::string post = R"("operation":"create","collection":"app.bsky.feed.post","rkey":"3l3qo2vuowo2b")";
  const std::string cid = R"("cid":"bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi")";
  std::string deep = head + "{" + post + "," + cid + R"(,"record":{"a":)" + std::string(40, '[') +
                     std::string(40, ']') + "}}}";
  std::string oversize = head + "{" + post + "," + cid + R"(,"record":{"text":")" + std::string(1024 * 1024, 'a') +
                         "\"}}}";
  struct Case {
    const char* what;
    std::string message;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"not JSON", "garbage", "json"},
      {"cut short", head + "{" + post, "json"},
      {"not an object", "[1,2]", "json"},
      {"invalid UTF-8", head + "{" + post + "," + cid + R"(,"record":{"text":")" + "\xff" + R"("}}})", "json"},
      {"no kind", R"({"did":")" + kBob + R"(","time_us":1})", "kind"},
      {"kind not a string", R"({"kind":7})", "kind"},
      {"no did", R"({"time_us":1,"kind":"identity"})", "did"},
      {"did malformed", R"({"did":"plc:nope","time_us":1,"kind":"identity"})", "did"},
      {"no time_us", R"({"did":")" + kBob + R"(","kind":"identity"})", "time_us"},
      {"time_us negative", R"({"did":")" + kBob + R"(","time_us":-5,"kind":"identity"})", "time_us"},
      {"time_us a string", R"({"did":")" + kBob + R"(","time_us":"1725911162329308","kind":"identity"})", "time_us"},
      {"time_us a fraction", R"({"did":")" + kBob + R"(","time_us":1.5,"kind":"identity"})", "time_us"},
      {"commit missing", R"({"did":")" + kBob + R"(","time_us":1,"kind":"commit"})", "commit"},
      {"unknown operation", head + R"({"operation":"upsert","collection":"app.bsky.feed.post","rkey":"x"}})",
       "commit.operation"},
      {"collection not an NSID", head + R"({"operation":"delete","collection":"post","rkey":"x"}})",
       "commit.collection"},
      {"bad record key", head + R"({"operation":"delete","collection":"app.bsky.feed.post","rkey":".."}})",
       "commit.rkey"},
      {"create without a cid", head + "{" + post + R"(,"record":{"text":"hi"}}})", "commit.cid"},
      {"cid malformed", head + "{" + post + R"(,"cid":"bafy!","record":{"text":"hi"}}})", "commit.cid"},
      {"create without a record", head + "{" + post + "," + cid + "}}", "commit.record"},
      {"record with a float", head + "{" + post + "," + cid + R"(,"record":{"n":1.5}}})", "commit.record"},
      {"record with a bad $link", head + "{" + post + "," + cid + R"(,"record":{"l":{"$link":"nope"}}}})",
       "commit.record"},
      {"identity not an object", R"({"did":")" + kBob + R"(","time_us":1,"kind":"identity","identity":[]})",
       "identity"},
      {"account without active", R"({"did":")" + kBob + R"(","time_us":1,"kind":"account","account":{}})",
       "account.active"},
      {"nested too deeply", deep, "depth"},
      {"over the size limit", oversize, "size"},
  };
  Harness h;
  std::map<std::string, std::uint64_t> expected;
  for (const auto& c : cases) {
    INFO(c.what);
    auto parsed = parse_jetstream_event(c.message);
    REQUIRE(!parsed.ok());
    CHECK(parsed.error().substr(0, parsed.error().find(':')) == c.reason);
    CHECK(h.consumer->process(c.message) == JetstreamConsumer::Next::keep_reading);
    ++expected[c.reason];
  }
  for (const auto& [reason, n] : expected) {
    INFO(reason);
    CHECK(h.counted("rejected", reason) == n);
  }
  CHECK(!h.consumer->cursor());  // nothing rejected moves the cursor
  CHECK(h.events().empty());

  // A time_us far ahead of our clock would hold the cursor there: refused too.
  h.consumer->process(identity_message(kNowUs + 2 * 3600 * std::int64_t{1'000'000}));
  CHECK(h.counted("rejected", "time_us") == expected["time_us"] + 1);
  CHECK(!h.consumer->cursor());
}

TEST_CASE("a watched record that breaks its Lexicon is skipped and counted, and the cursor moves on", "[jetstream]") {
  Harness h;
  json like = strong_ref_record("app.bsky.feed.like");
  like["subject"]["uri"] = kAlicePost + "/";  // a trailing '/' is not an at-uri the Lexicon allows
  h.consumer->process(commit_message(kBob, at_second(0), "create", "app.bsky.feed.like", "3l3qo2vuowo2c", like));
  json follow = {{"$type", "app.bsky.graph.follow"}, {"createdAt", "last week"}, {"subject", kAlice}};
  h.consumer->process(commit_message(kBob, at_second(1), "create", "app.bsky.graph.follow", "3l3dn7tku762u", follow));
  CHECK(h.events().empty());
  CHECK(h.consumer->cursor() == at_second(1));
  CHECK(h.counted("skipped", "invalid record") == 2);
  auto invalid = [&](const std::string& reason) {
    return h.metrics.counter("causeway_jetstream_invalid_records_total", "", {{"reason", reason}}).value();
  };
  CHECK(invalid("app.bsky.feed.like: subject.uri") == 1);
  CHECK(invalid("app.bsky.graph.follow: createdAt") == 1);

  h.consumer->process(like_message(at_second(2)));
  auto events = h.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::like);
  CHECK(h.consumer->cursor() == at_second(2));
}

TEST_CASE("events are stored in one write with the cursor, cursor-only progress on stop", "[jetstream]") {
  Harness h;
  h.consumer->process(reply_message(at_second(0)));
  REQUIRE(h.events().size() == 1);
  CHECK(h.stored_cursor() == std::to_string(at_second(0)));
  CHECK(h.counted("taken") == 1);

  h.consumer->process(unrelated_post_message(at_second(1)));
  h.consumer->process(account_message(at_second(2)));
  h.consumer->process(R"({"kind":"heartbeat","payload":""})");
  CHECK(h.consumer->cursor() == at_second(2));
  CHECK(h.stored_cursor() == std::to_string(at_second(0)));  // read again after a crash: harmless
  CHECK(h.counted("skipped", "unwatched") == 1);
  CHECK(h.counted("skipped", "account") == 1);
  CHECK(h.counted("skipped", "kind") == 1);
  h.consumer->stop();
  CHECK(h.stored_cursor() == std::to_string(at_second(2)));
  h.reopen();
  CHECK(h.consumer->cursor() == at_second(2));
  CHECK(h.events().size() == 1);
}

TEST_CASE("replays after a rewound cursor store nothing twice", "[jetstream]") {
  Harness h;
  const std::vector<std::string> stream = {reply_message(at_second(0)),       like_message(at_second(1)),
                                           repost_message(at_second(2)),      follow_message(at_second(3)),
                                           identity_message(at_second(4)),    unrelated_post_message(at_second(5)),
                                           delete_reply_message(at_second(6)), account_message(at_second(7))};
  for (const auto& m : stream) CHECK(h.consumer->process(m) == JetstreamConsumer::Next::keep_reading);
  auto events = h.events();
  REQUIRE(events.size() == 5);
  CHECK(events[0].kind == EventKind::reply);
  CHECK(events[1].kind == EventKind::like);
  CHECK(events[2].kind == EventKind::repost);
  CHECK(events[3].kind == EventKind::follow);
  CHECK(events[4].kind == EventKind::remove);
  CHECK(events[4].subject->id == kBobReply);
  // The identity cache hears of the #identity and of the #account event (a deactivated or moved
  // account may have a new PDS).
  CHECK(h.identity_changes == std::vector<std::string>{kAlice, kCarol});
  CHECK(h.consumer->cursor() == at_second(7));

  // A restart rewinds five seconds: the overlap, and even the whole stream, comes again.
  h.consumer->stop();
  h.reopen();
  CHECK(param(h.consumer->subscribe_url().to_string(), "cursor") == std::to_string(at_second(2)));
  for (std::size_t i = 0; i < 3; ++i) h.consumer->process(stream[i]);
  CHECK(h.consumer->cursor() == at_second(7));  // older messages never move it back
  for (std::size_t i = 3; i < stream.size(); ++i) h.consumer->process(stream[i]);
  CHECK(h.events().size() == 5);  // the deleted reply is not brought back either
  CHECK(h.counted("skipped", "duplicate") == 5);
}

TEST_CASE("the subscribe URL asks for the carried collections and resumes before the cursor", "[jetstream]") {
  Harness h("ws://127.0.0.1:6008/");
  Url url = h.consumer->subscribe_url();
  CHECK(url.path == "/subscribe");
  std::vector<std::string> collections;
  for (const auto& [k, v] : query_of("/subscribe?" + url.query))
    if (k == "wantedCollections") collections.push_back(v);
  CHECK(collections == std::vector<std::string>{"app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.feed.repost",
                                                "app.bsky.graph.follow", "app.bsky.actor.profile"});
  CHECK(param("?" + url.query, "maxMessageSizeBytes") == "1048576");
  CHECK(!param("?" + url.query, "cursor"));  // live
  CHECK(!param("?" + url.query, "compress"));
  CHECK(!param("?" + url.query, "wantedDids"));
  h.consumer->process(unrelated_post_message(at_second(10)));
  CHECK(param("?" + h.consumer->subscribe_url().query, "cursor") == std::to_string(at_second(5)));
}

TEST_CASE("over a WebSocket: a reconnect and a restart resume before the cursor, nothing twice", "[jetstream]") {
  ScriptedJetstream server({
      // The first connection: live, then the server goes away.
      {{reply_message(at_second(0)), like_message(at_second(1)), unrelated_post_message(at_second(2))}, true},
      // The consumer's own reconnect, rewound: two messages again, two new.
      {{like_message(at_second(1)), unrelated_post_message(at_second(2)), follow_message(at_second(3)),
        identity_message(at_second(4))}},
      // A new consumer after stop(), from the stored cursor: one old, two new.
      {{identity_message(at_second(4)), delete_reply_message(at_second(5)), repost_message(at_second(6))}},
  });
  Harness h(server.url());
  h.consumer->start();
  REQUIRE(testing::eventually([&] { return h.consumer->cursor() == at_second(4); }, std::chrono::seconds(10),
                              std::chrono::milliseconds(20)));
  h.consumer->stop();
  CHECK(h.stored_cursor() == std::to_string(at_second(4)));

  h.reopen();
  h.consumer->start();
  REQUIRE(testing::eventually([&] { return h.consumer->cursor() == at_second(6); }, std::chrono::seconds(10),
                              std::chrono::milliseconds(20)));
  h.consumer->stop();

  auto targets = server.targets();
  REQUIRE(targets.size() == 3);
  for (const auto& t : targets) CHECK(t.substr(0, t.find('?')) == "/subscribe");
  CHECK(!param(targets[0], "cursor"));
  CHECK(param(targets[1], "cursor") == std::to_string(at_second(2) - 5'000'000));
  CHECK(param(targets[2], "cursor") == std::to_string(at_second(4) - 5'000'000));

  std::vector<std::string> taken;
  for (const auto& e : h.events()) taken.push_back(e.origin.activity_id + " " + std::to_string(int(e.kind)));
  CHECK(taken.size() == 5);  // reply, like, follow, delete, repost: each once
  CHECK(std::set<std::string>(taken.begin(), taken.end()).size() == taken.size());
  CHECK(h.counted("reconnect") == 1);
  CHECK(h.counted("skipped", "duplicate") == 1);  // the like read again
  CHECK(h.identity_changes == std::vector<std::string>{kAlice, kAlice});  // a replayed identity invalidates again
}
