// The reply controls the mirror account writes: what Bluesky shows as "who can reply" under a
// group's post, the hidden replies of its thread, and the list of approved accounts.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "protocols/atproto/threadgate.h"
#include "protocols/atproto/tid.h"

using namespace causeway;
using namespace causeway::atproto;
using nlohmann::json;

namespace {

constexpr const char* kRoot = "at://did:plc:mirror/app.bsky.feed.post/3kroot222222a";
constexpr const char* kList = "at://did:plc:mirror/app.bsky.graph.list/3klist222222a";
constexpr std::int64_t kT = 1'790'000'000'000'000;  // 2026-09-21

BridgeConfig bridge_with(BlueskyPosting posting, bool gate = true) {
  BridgeConfig b;
  b.name = "townhall";
  b.bluesky_posting = posting;
  b.bluesky_threadgate = gate;
  return b;
}

std::string reply(int i) { return "at://did:plc:bob/app.bsky.feed.post/3kreply" + std::to_string(100000 + i); }

}  // namespace

TEST_CASE("the gate follows members.bluesky_posting, and nothing is gated when bluesky_threadgate is off", "[threadgate]") {
  CHECK(reply_gate(bridge_with(BlueskyPosting::open)) == ReplyGate::anyone);
  CHECK(reply_gate(bridge_with(BlueskyPosting::followers)) == ReplyGate::followers);
  CHECK(reply_gate(bridge_with(BlueskyPosting::approved)) == ReplyGate::approved_list);
  CHECK(reply_gate(bridge_with(BlueskyPosting::followers, false)) == ReplyGate::anyone);
  CHECK(reply_gate(bridge_with(BlueskyPosting::approved, false)) == ReplyGate::anyone);
}

TEST_CASE("a followers gate lets only the mirror account's followers reply", "[threadgate]") {
  json r = threadgate_record(kRoot, allow_rules(ReplyGate::followers), kT);
  CHECK(r == json{{"$type", "app.bsky.feed.threadgate"},
                  {"post", kRoot},
                  {"createdAt", "2026-09-21T14:13:20.000Z"},
                  {"allow", {{{"$type", "app.bsky.feed.threadgate#followerRule"}}}}});
}

TEST_CASE("an approved gate lets only the accounts on the approved list reply (no mentionRule)", "[threadgate]") {
  json allow = allow_rules(ReplyGate::approved_list, kList);
  CHECK(allow == json::array({{{"$type", "app.bsky.feed.threadgate#listRule"}, {"list", kList}}}));
  CHECK(threadgate_record(kRoot, allow, kT)["allow"] == allow);
  CHECK_FALSE(threadgate_record(kRoot, allow_rules(ReplyGate::anyone), kT).contains("allow"));  // anyone may reply
}

TEST_CASE("hiding a reply keeps the gate's rules, its other hidden replies and fields it does not know", "[threadgate]") {
  json existing = threadgate_record(kRoot, allow_rules(ReplyGate::followers), kT);
  existing["hiddenReplies"] = {reply(1)};
  existing["futureField"] = 7;
  auto hidden = with_hidden_reply(existing, kRoot, reply(2), kT + 5);
  REQUIRE(hidden.ok());
  CHECK(hidden->changed);
  CHECK(hidden->record["hiddenReplies"] == json{reply(1), reply(2)});
  CHECK(hidden->record["allow"] == existing["allow"]);
  CHECK(hidden->record["createdAt"] == existing["createdAt"]);
  CHECK(hidden->record["futureField"] == 7);

  auto again = with_hidden_reply(hidden->record, kRoot, reply(2), kT + 9);
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed);
  CHECK(again->record["hiddenReplies"].size() == 2);
}

TEST_CASE("hiding a reply in a thread without a gate hides it and still lets anyone reply", "[threadgate]") {
  auto hidden = with_hidden_reply(std::nullopt, kRoot, reply(1), kT);
  REQUIRE(hidden.ok());
  CHECK(hidden->record["$type"] == "app.bsky.feed.threadgate");
  CHECK(hidden->record["post"] == kRoot);
  CHECK_FALSE(hidden->record.contains("allow"));
  CHECK(hidden->record["hiddenReplies"] == json{reply(1)});
}

TEST_CASE("a thread hides at most the lexicon's 300 replies, the 301st is refused with the reason", "[threadgate]") {
  json gate = threadgate_record(kRoot, nullptr, kT);
  for (int i = 0; i < 300; ++i) {
    auto h = with_hidden_reply(gate, kRoot, reply(i), kT);
    REQUIRE(h.ok());
    gate = h->record;
  }
  auto full = with_hidden_reply(gate, kRoot, reply(300), kT);
  REQUIRE_FALSE(full.ok());
  CHECK(full.error() == std::string("the thread of ") + kRoot + " already hides 300 replies, as many as Bluesky allows");
  CHECK(with_hidden_reply(gate, kRoot, reply(299), kT).ok());  // one already hidden is still fine
}

TEST_CASE("the approved list is a curation list named for the bridge, within 64 bytes", "[threadgate]") {
  json l = approved_list_record("townhall", kT);
  CHECK(l["$type"] == "app.bsky.graph.list");
  CHECK(l["purpose"] == "app.bsky.graph.defs#curatelist");
  CHECK(l["name"] == "Approved members of townhall");
  std::string long_name = approved_list_record(std::string(41, 'x') + "\xc3\xa9\xc3\xa9\xc3\xa9", kT)["name"];
  CHECK(long_name.size() == 63);  // "Approved members of " (20) + 41 + one é: the next é would pass 64
  CHECK(long_name.substr(61) == "\xc3\xa9");
  CHECK(list_item_record(kList, "did:plc:bob", kT) ==
        json{{"$type", "app.bsky.graph.listitem"}, {"subject", "did:plc:bob"}, {"list", kList},
             {"createdAt", "2026-09-21T14:13:20.000Z"}});
}

TEST_CASE("list and list item keys are TIDs, the same each time, one per account", "[threadgate]") {
  std::string list = approved_list_rkey("townhall");
  CHECK(is_valid_tid(list));
  CHECK(list == approved_list_rkey("townhall"));
  CHECK(list != approved_list_rkey("townhall2"));
  std::set<std::string> items;
  for (int i = 0; i < 100; ++i) {
    std::string k = list_item_rkey(kList, "did:plc:account" + std::to_string(i));
    CHECK(is_valid_tid(k));
    items.insert(k);
  }
  CHECK(items.size() == 100);
  CHECK(list_item_rkey(kList, "did:plc:account1") == list_item_rkey(kList, "did:plc:account1"));
  CHECK(list_item_rkey(kList, "did:plc:account1") != list_item_rkey(std::string(kList) + "x", "did:plc:account1"));
}
