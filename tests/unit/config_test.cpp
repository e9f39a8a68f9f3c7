#include <catch2/catch.hpp>

#include "config/config_loader.h"
#include "config/quote_scan.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

using namespace causeway;

namespace {

const std::string kValid = R"(server:
  public_url: https://bridge.example.org
  listen: 127.0.0.1:8480
storage:
  path: ./var/causeway
secrets:
  master_key_file: /etc/causeway/master.key
)";

std::vector<std::string> errors_of(const std::string& yaml) {
  return load_config_text(yaml, "bad.yaml", "/srv").errors;
}

}  // namespace

TEST_CASE("a minimal config loads with the documented defaults", "[config]") {
  auto loaded = load_config_text(kValid, "good.yaml", "/srv");
  REQUIRE(loaded.errors.empty());
  const Config& c = *loaded.config;
  CHECK(c.server.public_url.to_string() == "https://bridge.example.org/");
  CHECK(c.server.listen.to_string() == "127.0.0.1:8480");
  CHECK(c.storage_path == "/srv/var/causeway");  // relative paths resolve against the start directory
  CHECK(c.master_key_file == "/etc/causeway/master.key");
  CHECK_FALSE(c.allow_private_addresses);
  CHECK(c.atproto.plc_url.to_string() == "https://plc.directory/");
  CHECK(c.atproto.stream.kind == StreamConfig::Kind::none);
  CHECK(c.signature_scheme == SignatureScheme::cavage);
  CHECK(c.log_level == "info");
  CHECK(c.log_format == LogFormat::text);
  CHECK(c.bridges.empty());
}

TEST_CASE("every example config is accepted", "[config]") {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::source_dir() / "config" / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    auto loaded = load_config(entry.path(), "/srv");
    INFO(entry.path().string());
    for (const auto& e : loaded.errors) UNSCOPED_INFO(e);
    CHECK(loaded.errors.empty());
  }
  CHECK(seen >= 2);
}

TEST_CASE("a bridge with both sides is read completely", "[config]") {
  auto loaded = load_config_text(kValid + R"(atproto:
  plc_url: http://localhost:2582
  stream: { kind: firehose, url: ws://127.0.0.1:2583 }
bridges:
  - name: townhall
    fediverse:
      host: { name: townhall, display_name: "Town Hall", avatar: "https://img.example/th.png", manually_approves_members: true }
    bluesky:
      pds: http://localhost:2583
      handle: townhall.test
      app_password: { env: TOWNHALL_APP_PASSWORD }
      profile: manual
    mirror: { replies: both, likes: to_fediverse, reposts: none, long_posts: truncate }
    members: { bluesky_posting: approved, bluesky_threadgate: false }
  - name: remote
    fediverse: { group: "@news@social.example" }
    bluesky: { pds: https://bsky.social, handle: news.bsky.social, app_password: { file: secrets/news.pass } }
    members: { fediverse_replies: members }
)",
                                   "good.yaml", "/srv");
  for (const auto& e : loaded.errors) UNSCOPED_INFO(e);
  REQUIRE(loaded.errors.empty());
  const Config& c = *loaded.config;
  CHECK(c.atproto.stream.kind == StreamConfig::Kind::firehose);
  CHECK(c.atproto.stream.url->to_string() == "ws://127.0.0.1:2583/");
  REQUIRE(c.bridges.size() == 2);
  const BridgeConfig& t = c.bridges[0];
  CHECK(t.fediverse.host->display_name == "Town Hall");
  CHECK(t.fediverse.host->manually_approves_members);
  CHECK(t.fediverse.host->avatar->to_string() == "https://img.example/th.png");
  CHECK(t.bluesky->profile == BlueskySide::Profile::manual);
  CHECK(t.bluesky->handle == "townhall.test");
  CHECK(t.bluesky->app_password.source == SecretRef::Source::env);
  CHECK(t.bluesky->app_password.name == "TOWNHALL_APP_PASSWORD");
  CHECK(t.mirror.likes == MirrorDirection::to_fediverse);
  CHECK(t.mirror.reposts == MirrorDirection::none);
  CHECK(t.mirror.long_posts == LongPosts::truncate);
  CHECK(t.bluesky_posting == BlueskyPosting::approved);
  const BridgeConfig& r = c.bridges[1];
  CHECK(*r.fediverse.group == "@news@social.example");
  CHECK(r.bluesky->app_password.source == SecretRef::Source::file);
  CHECK(r.bluesky->app_password.name == "/srv/secrets/news.pass");
  CHECK(r.mirror.replies == MirrorDirection::both);  // defaults
  CHECK(r.bluesky_posting == BlueskyPosting::open);
  CHECK(r.bluesky->profile == BlueskySide::Profile::sync);  // the default: the profile shows the group
  CHECK(r.fediverse_replies == FediverseReplies::members);
  CHECK(t.fediverse_replies == FediverseReplies::via_group);  // the default
  CHECK_FALSE(t.bluesky_threadgate);
  CHECK(r.bluesky_threadgate);  // the default: Bluesky's reply controls say what the group says
}

TEST_CASE("bad config files get one exact FILE:LINE:COL: key.path: message per problem", "[config]") {
  struct Case {
    const char* what;
    std::string yaml;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"YAML syntax error", "server: [127.0.0.1\nstorage: {}\n",
       {"bad.yaml:2:8: YAML syntax error: end of sequence flow not found"}},
      {"unterminated quoted string at end of file", kValid + "logging:\n  level: \"info\n",
       {"bad.yaml:9:10: YAML syntax error: quoted string is never closed"}},
      {"unknown key with a close match", kValid + "loging: { level: info }\n",
       {"bad.yaml:8:1: loging: unknown key (did you mean \"logging\"?)"}},
      {"unknown key without a close match", kValid + "frobnicate: 1\n",
       {"bad.yaml:8:1: frobnicate: unknown key; known keys here: server, storage, secrets, network, atproto, "
        "fediverse, logging, bridges"}},
      {"nested unknown key", kValid + "network: { allow_privat_addresses: true }\n",
       {"bad.yaml:8:12: network.allow_privat_addresses: unknown key (did you mean \"allow_private_addresses\"?)"}},
      {"missing required key",
       "server:\n  public_url: https://b.example\nstorage: { path: /x }\nsecrets: { master_key_file: /k }\n",
       {"bad.yaml:2:3: server.listen: required key is missing"}},
      {"missing required section", "storage: { path: /x }\nsecrets: { master_key_file: /k }\n",
       {"bad.yaml:1:1: server: required key is missing"}},
      {"wrong type: map where a string belongs",
       "server:\n  public_url: { url: x }\n  listen: 127.0.0.1:8480\nstorage: { path: /x }\nsecrets: { "
       "master_key_file: /k }\n",
       {"bad.yaml:2:15: server.public_url: expected a string, got a map"}},
      {"wrong type: not a boolean", kValid + "network:\n  allow_private_addresses: yes\n",
       {"bad.yaml:9:28: network.allow_private_addresses: expected true or false, got \"yes\""}},
      {"wrong type: section is a list", kValid + "logging: [info]\n",
       {"bad.yaml:8:10: logging: expected a map, got a list"}},
      {"malformed URL scheme",
       "server:\n  public_url: ftp://b.example\n  listen: 127.0.0.1:8480\nstorage: { path: /x }\nsecrets: { "
       "master_key_file: /k }\n",
       {"bad.yaml:2:15: server.public_url: \"ftp://b.example\" is not a valid URL: scheme must be one of "
        "http,https"}},
      {"URL with a path where an origin belongs",
       "server:\n  public_url: https://b.example/bridge\n  listen: 127.0.0.1:8480\nstorage: { path: /x "
       "}\nsecrets: { master_key_file: /k }\n",
       {"bad.yaml:2:15: server.public_url: must be the origin only (SCHEME://HOST[:PORT]), without a path or "
        "query"}},
      {"host:port without a port",
       "server:\n  public_url: https://b.example\n  listen: 127.0.0.1\nstorage: { path: /x }\nsecrets: { "
       "master_key_file: /k }\n",
       {"bad.yaml:3:11: server.listen: \"127.0.0.1\" has no port; expected HOST:PORT"}},
      {"host:port with a port out of range",
       "server:\n  public_url: https://b.example\n  listen: 127.0.0.1:70000\nstorage: { path: /x }\nsecrets: { "
       "master_key_file: /k }\n",
       {"bad.yaml:3:11: server.listen: \"127.0.0.1:70000\": port 70000 is out of range (1-65535)"}},
      {"enum typo", kValid + "atproto:\n  stream: { kind: firehouse, url: wss://bsky.network }\n",
       {"bad.yaml:9:19: atproto.stream.kind: must be one of firehose, jetstream, none, got \"firehouse\" (did "
        "you mean \"firehose\"?)"}},
      {"stream without url", kValid + "atproto:\n  stream: { kind: jetstream }\n",
       {"bad.yaml:9:11: atproto.stream.url: required key is missing"}},
      {"duplicate key", kValid + "logging: { level: info }\nlogging: { level: warn }\n",
       {"bad.yaml:9:1: logging: duplicate key (it is already set above)"}},
      {"inline secret",
       kValid + "bridges:\n  - name: t\n    fediverse: { group: \"@t@example.org\" }\n    bluesky: { pds: "
                "https://bsky.social, handle: t.bsky.social, app_password: hunter2 }\n",
       {"bad.yaml:11:79: bridges[0].bluesky.app_password: secrets are never written inline; use { env: NAME } "
        "or { file: PATH }"}},
      {"bridge with both group kinds and a bad handle",
       kValid + "bridges:\n  - name: t\n    fediverse: { group: \"@t@example.org\", host: { name: t } }\n    "
                "bluesky: { pds: https://bsky.social, handle: \"@t.bsky.social\", app_password: { env: P } }\n",
       {"bad.yaml:10:16: bridges[0].fediverse: give exactly one of host (a group hosted here) or group "
        "(\"@name@host\")",
        "bad.yaml:11:50: bridges[0].bluesky.handle: \"@t.bsky.social\" is not a Bluesky handle like "
        "\"name.bsky.social\" (no '@')"}},
      {"profile setting typo and an avatar that is not a URL",
       kValid + "bridges:\n  - name: t\n    fediverse: { host: { name: t, avatar: th.png } }\n    "
                "bluesky: { pds: https://bsky.social, handle: t.bsky.social, app_password: { env: P }, profile: manuel }\n",
       {"bad.yaml:10:43: bridges[0].fediverse.host.avatar: \"th.png\" is not a valid URL: expected SCHEME://HOST",
        "bad.yaml:11:100: bridges[0].bluesky.profile: must be one of sync, manual, got \"manuel\" (did you mean "
        "\"manual\"?)"}},
      {"bluesky_threadgate not a boolean",
       kValid + "bridges:\n  - name: t\n    fediverse: { host: { name: t } }\n    members: { bluesky_threadgate: on }\n",
       {"bad.yaml:11:36: bridges[0].members.bluesky_threadgate: expected true or false, got \"on\""}},
      {"two bridges with one name",
       kValid + "bridges:\n  - name: t\n    fediverse: { group: \"@a@example.org\" }\n  - name: t\n    "
                "fediverse: { group: \"@b@example.org\" }\n",
       {"bad.yaml:11:5: bridges[1].name: another bridge is already named \"t\""}},
      {"empty file", "", {"bad.yaml:1:1: the file is empty; see config/examples/ for a starting point"}},
      {"number out of range", kValid + "fediverse: { signature_max_age_seconds: 5 }\n",
       {"bad.yaml:8:41: fediverse.signature_max_age_seconds: must be between 60 and 604800, got 5"}},
      {"not a number", kValid + "fediverse: { signature_max_future_seconds: soon }\n",
       {"bad.yaml:8:44: fediverse.signature_max_future_seconds: expected a whole number, got \"soon\""}},
      {"malformed blocked domain", kValid + "fediverse: { blocked_domains: [ok.example, \"bad domain\"] }\n",
       {"bad.yaml:8:44: fediverse.blocked_domains[1]: expected a domain name like spam.example, got \"bad domain\""}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(errors_of(c.yaml) == c.expected);
  }
}

TEST_CASE("storage.retention takes durations like 36h or 7d, and names a bad one with FILE:LINE:COL", "[config][retention]") {
  auto defaults = load_config_text(kValid, "good.yaml", "/srv");
  REQUIRE(defaults.errors.empty());
  CHECK(defaults.config->retention.events_seconds == 30 * 86400);
  CHECK(defaults.config->retention.seen_seconds == 7 * 86400);
  CHECK(defaults.config->retention.decisions_seconds == 90 * 86400);
  CHECK(defaults.config->retention.flags_seconds == 180 * 86400);

  auto with_retention = [](const std::string& line) {
    std::string yaml = kValid;
    std::string path = "  path: ./var/causeway\n";
    return yaml.replace(yaml.find(path), path.size(), path + line + "\n");
  };
  auto set = load_config_text(with_retention("  retention: { events: 36h, seen: 2d, decisions: 90m, flags: 3600s }"),
                              "good.yaml", "/srv");
  REQUIRE(set.errors.empty());
  CHECK(set.config->retention.events_seconds == 36 * 3600);
  CHECK(set.config->retention.seen_seconds == 2 * 86400);
  CHECK(set.config->retention.decisions_seconds == 90 * 60);
  CHECK(set.config->retention.flags_seconds == 3600);

  CHECK(errors_of(with_retention("  retention: { events: 36h, seen: 1d, decisions: 7 days, flags: 0d, event: 1d }")) ==
        std::vector<std::string>{
            "bad.yaml:6:35: storage.retention.seen: must be between 2d and 36500d, got 1d",
            "bad.yaml:6:50: storage.retention.decisions: expected a duration like 30m, 36h or 7d (a whole number and "
            "s, m, h or d), got \"7 days\"",
            "bad.yaml:6:65: storage.retention.flags: must be between 1h and 36500d, got 0d",
            "bad.yaml:6:69: storage.retention.event: unknown key (did you mean \"events\"?)",
        });
}

TEST_CASE("every problem in a file is reported, in file order", "[config]") {
  auto errors = errors_of("server:\n  public_url: http://b.example\n  lisen: 1\nstorage: {}\nsecrets: { master_key_file: /k }\n");
  CHECK(errors == std::vector<std::string>{
                      "bad.yaml:2:3: server.listen: required key is missing",
                      "bad.yaml:3:3: server.lisen: unknown key (did you mean \"listen\"?)",
                      "bad.yaml:4:10: storage.path: required key is missing",
                  });
}

TEST_CASE("an unreadable config file is named with the reason", "[config]") {
  testing::TempDir dir;
  auto missing = load_config(dir / "nope.yaml", dir.path());
  CHECK(missing.errors == std::vector<std::string>{(dir / "nope.yaml").string() + ": cannot read config file: no such file"});
  auto directory = load_config(dir.path(), dir.path());
  REQUIRE(directory.errors.size() == 1);
  CHECK(directory.errors[0].find("cannot read config file") != std::string::npos);
}

TEST_CASE("open quotes are found, closed and embedded ones are not", "[config]") {
  CHECK_FALSE(find_unterminated_quote("a: \"x\"\nb: 'it''s'\nc: it's fine\nd: \"multi\n  line\"\n"));
  CHECK_FALSE(find_unterminated_quote("summary: |\n  'tis the season\n  and \"so\" on\nnext: 1\n"));
  CHECK_FALSE(find_unterminated_quote("a: x # don't worry\n"));
  auto open = find_unterminated_quote("a: 1\nb: [x, 'y\n");
  REQUIRE(open);
  CHECK(open->line == 2);
  CHECK(open->column == 8);
}

TEST_CASE("server.admin_listen is a unix socket or a loopback address and defaults to admin.sock in the store", "[config]") {
  auto defaulted = load_config_text(kValid, "good.yaml", "/srv");
  REQUIRE(defaulted.config);
  CHECK(admin_listen_of(*defaulted.config).to_string() == "unix:/srv/var/causeway/admin.sock");

  auto with = [](const std::string& value) {
    std::string yaml = kValid;
    yaml.insert(yaml.find("storage:"), "  admin_listen: " + value + "\n");
    return load_config_text(yaml, "bad.yaml", "/srv");
  };
  auto tcp = with("127.0.0.1:8481");
  REQUIRE(tcp.config);
  CHECK(admin_listen_of(*tcp.config).to_string() == "127.0.0.1:8481");
  auto sock = with("unix:run/admin.sock");
  REQUIRE(sock.config);
  CHECK(admin_listen_of(*sock.config).unix_path == "/srv/run/admin.sock");
  auto public_address = with("0.0.0.0:8481");
  REQUIRE(public_address.errors.size() == 1);
  CHECK(public_address.errors[0] ==
        "bad.yaml:4:17: server.admin_listen: must be a loopback address (127.0.0.1:PORT, [::1]:PORT) or unix:/path, not 0.0.0.0");
}

TEST_CASE("mirror.labels is the bridge's own table of words per Bluesky label, an unknown label is named", "[config]") {
  const std::string bridge = R"(bridges:
  - name: townhall
    fediverse: { host: { name: townhall } }
    mirror:
      labels: { nudity: [nudity, nsfw], graphic-media: [gore] }
      sensitive_media_label: none
)";
  auto loaded = load_config_text(kValid + bridge, "good.yaml", "/srv");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const MirrorConfig& mirror = loaded.config->bridges.at(0).mirror;
  REQUIRE(mirror.labels);
  REQUIRE(mirror.labels->size() == 2);
  CHECK((*mirror.labels)[0].label == "nudity");
  CHECK((*mirror.labels)[0].words == std::vector<std::string>{"nudity", "nsfw"});
  CHECK((*mirror.labels)[1].label == "graphic-media");
  CHECK(mirror.sensitive_media_label.empty());
  // Without the key, the built-in table applies (nullopt), not an empty one.
  auto plain = load_config_text(kValid + "bridges:\n  - name: townhall\n    fediverse: { host: { name: townhall } }\n",
                                "good.yaml", "/srv");
  REQUIRE(plain.config);
  CHECK_FALSE(plain.config->bridges.at(0).mirror.labels);

  auto bad = errors_of(kValid + R"(bridges:
  - name: townhall
    fediverse: { host: { name: townhall } }
    mirror: { labels: { gore: [blood] } }
)");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].find("gore") != std::string::npos);
}

TEST_CASE("a followed group may be written !name@host, with its kind, a backfill and a posting pace", "[config]") {
  auto loaded = load_config_text(kValid + R"(bridges:
  - name: community
    fediverse: { group: "!townhall@lemmy.example", kind: community }
    mirror: { backfill: 20, max_posts_per_hour: 60 }
  - name: channel
    fediverse: { group: "@harrisnews@newsmast.community" }
)",
                                 "good.yaml", "/srv");
  for (const auto& e : loaded.errors) UNSCOPED_INFO(e);
  REQUIRE(loaded.errors.empty());
  const BridgeConfig& community = loaded.config->bridges[0];
  CHECK(community.fediverse.group == "!townhall@lemmy.example");
  CHECK(community.fediverse.group_kind == "community");
  CHECK(community.mirror.backfill == 20);
  CHECK(community.mirror.max_posts_per_hour == 60);
  const BridgeConfig& channel = loaded.config->bridges[1];
  CHECK_FALSE(channel.fediverse.group_kind);
  CHECK(channel.mirror.backfill == 0);
  CHECK(channel.mirror.max_posts_per_hour == 300);

  auto errors = errors_of(kValid + R"(bridges:
  - name: a
    fediverse: { group: "#townhall@lemmy.example", kind: subreddit }
    mirror: { backfill: 1000 }
  - name: b
    fediverse: { host: { name: b }, kind: forum }
)");
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  INFO(all);
  CHECK(all.find("is not a fediverse handle like \"@name@host.example\" or \"!name@host.example\"") != std::string::npos);
  CHECK(all.find("bridges[0].fediverse.kind") != std::string::npos);
  CHECK(all.find("bridges[0].mirror.backfill") != std::string::npos);
  CHECK(all.find("kind is for a followed group") != std::string::npos);
}
