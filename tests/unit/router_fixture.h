// The router in-process with a real store and stand-ins for the adapters' answers, shared by the
// router's tests: two bridges ("townhall" hosts a group here, "news" follows one elsewhere).
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

#include "bridge/event_log.h"
#include "bridge/id_map.h"
#include "bridge/router.h"
#include "tests/support/temp_dir.h"

namespace causeway::testing::routing {

constexpr const char* kGroup = "https://bridge.example/ap/group/townhall";
constexpr const char* kMirror = "did:plc:mirror";
constexpr const char* kFollowedGroup = "https://groups.example/g/news";  // followed by the bridge "news"
constexpr const char* kAlice = "https://social.example/users/alice";
constexpr const char* kMallory = "https://evil.example/users/mallory";

// "townhall": a group hosted here; "news": a group on another server, followed.
inline Config two_bridges(BlueskyPosting posting) {
  Config config;
  BridgeConfig b;
  b.name = "townhall";
  b.fediverse.host = HostedGroupConfig{"townhall", "Town Hall", "", false};
  b.bluesky = BlueskySide{*parse_url("https://pds.example", "https"), "townhall.example", {}};
  b.bluesky_posting = posting;
  b.blocked.domains = {"spam.example"};
  b.blocked.dids = {"did:plc:troll"};
  config.bridges.push_back(b);
  BridgeConfig news;
  news.name = "news";
  news.fediverse.group = "@news@groups.example";
  news.bluesky = BlueskySide{*parse_url("https://pds.example", "https"), "news.example", {}};
  config.bridges.push_back(news);
  return config;
}

struct Fixture {
  explicit Fixture(BlueskyPosting posting = BlueskyPosting::open) : config(two_bridges(posting)) {
    router.set_group_id("townhall", kGroup);
    router.set_group_id("news", kFollowedGroup);
    router.set_mirror_did("townhall", kMirror);
    log.set_observer([this](WriteBatch& batch, const Event& e) { router.route(batch, e); });
  }

  // Stores the event as an adapter would; the router decides in the same batch.
  Event store(Event e) {
    WriteBatch batch = db->batch();
    log.append(batch, e, now_us);
    REQUIRE(db->write(batch).ok());
    return e;
  }
  std::vector<Job> jobs(const std::string& kind) {
    auto claimed = queue.claim_due(100, kind);
    REQUIRE(claimed.ok());
    return *claimed;
  }
  std::string last(const std::string& id) {
    auto d = router.decisions().about(id);
    REQUIRE(d.ok());
    return d->empty() ? "" : d->back().describe();
  }
  // A post of `author` already mirrored by `bridge`.
  void mirrored(const std::string& ap_id, const std::string& bridge, const std::string& author) {
    BlueskyCopy copy;
    copy.bridge = bridge;
    copy.kind = CopyKind::post;
    copy.author = author;
    copy.records = {{"at://did:plc:mirror/app.bsky.feed.post/3k" + std::to_string(ap_id.size()), "bafycopy"}};
    WriteBatch batch = db->batch();
    IdMap(*db).link(batch, ap_id, copy);
    REQUIRE(db->write(batch).ok());
  }

  testing::TempDir dir;
  std::unique_ptr<Store> db = std::move(Store::open(dir / "db")).value();
  std::int64_t now_us = 1'700'000'000'000'000;
  Config config;  // before the router, which reads its bridges once
  DeliveryQueue queue{*db, [this] { return now_us; }};
  Metrics metrics;
  std::set<std::string> members = {"https://social.example/users/alice"};
  Router router{config, *db, queue, metrics,
                RouterHooks{[this](const std::string& group, const std::string& actor) {
                              return group == kGroup && members.count(actor) > 0;
                            },
                            [](const std::string& id) { return id.rfind("https://bridge.example/ap/", 0) == 0; }},
                [this] { return now_us; }};
  EventLog log{*db};
};

inline Event member_post(const std::string& id, const std::string& actor = kAlice) {
  Event e;
  e.kind = EventKind::post;
  e.origin = {Network::activitypub, id + "/activity", {Network::activitypub, id, ""}, "Note", actor};
  e.actor.id = actor;
  e.audience = {Visibility::public_, kGroup};
  return e;
}

inline Event bluesky_reply(const std::string& author, const std::string& rkey) {
  Event e;
  e.kind = EventKind::reply;
  std::string uri = "at://" + author + "/app.bsky.feed.post/" + rkey;
  e.origin = {Network::atproto, uri, {Network::atproto, uri, "bafyreply"}, "app.bsky.feed.post"};
  e.actor.id = author;
  NativeRef root{Network::atproto, std::string("at://") + kMirror + "/app.bsky.feed.post/3kroot", "bafyroot"};
  e.thread = {root, root};
  return e;
}


}  // namespace causeway::testing::routing
