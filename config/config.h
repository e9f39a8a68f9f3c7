// The daemon's configuration as typed values. Produced only by load_config (config_loader.h), so a
// Config in hand has passed every schema check; paths are absolute.
#pragma once

#include <filesystem>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/log.h"
#include "bridge/base/url.h"

namespace causeway {

// Where a secret comes from. Secrets are never written inline in the YAML file.
struct SecretRef {
  enum class Source { env, file };
  Source source = Source::env;
  std::string name;  // environment variable name, or absolute file path
};

// Where the admin API, /metrics and the detailed /healthz listen, apart from the public port:
// a loopback TCP address or a unix socket. Exactly one of the two is set.
struct AdminListen {
  std::optional<HostPort> tcp;       // "127.0.0.1:PORT" (loopback only)
  std::filesystem::path unix_path;   // "unix:/path", absolute
  std::string to_string() const;     // as written in the config
};

struct ServerConfig {
  Url public_url;
  HostPort listen;
  // Unset: a unix socket `admin.sock` in the storage directory (see admin_listen_of).
  std::optional<AdminListen> admin_listen;
};

struct StreamConfig {
  enum class Kind { none, firehose, jetstream };
  Kind kind = Kind::none;
  std::optional<Url> url;  // required for firehose and jetstream: the service's base URL
};

struct AtprotoConfig {
  Url plc_url;
  StreamConfig stream;
};

enum class SignatureScheme { cavage, rfc9421 };

struct HostedGroupConfig {
  std::string name;  // preferredUsername of the Group actor
  std::string display_name;
  std::string summary;
  bool manually_approves_members = false;
  // The group's picture (an http(s) URL of a PNG or JPEG): the Group actor's icon and the mirror
  // account's avatar. Unset: none.
  std::optional<Url> avatar;
};

struct FediverseSide {
  std::optional<HostedGroupConfig> host;  // exactly one of host and group is set
  std::optional<std::string> group;       // "@name@host" (or "!name@host") of a remote group to follow
  // What kind of group it is (community, forum, boost; see protocols/activitypub/remote_group.h);
  // unset: told from its actor document and its server's software.
  std::optional<std::string> group_kind;
};

struct BlueskySide {
  Url pds;
  std::string handle;
  SecretRef app_password;
  // sync: the account's profile (name, description, avatar) is written from the group's, at start
  // and when the group's changes; manual: causeway never writes it (the operator manages it).
  enum class Profile { sync, manual } profile = Profile::sync;
};

enum class MirrorDirection { both, to_bluesky, to_fediverse, none };
enum class LongPosts { thread, truncate };
enum class BlueskyPosting { open, followers, approved };
// For a bridge that follows a remote group: which fediverse posts in its mirrored threads the
// mirror account may post. via_group: only what the group announced; members: also replies sent
// straight to causeway by actors the group has announced before; anyone: every public reply.
enum class FediverseReplies { via_group, members, anyone };

// A row of the content-warning -> Bluesky self-label table (mirror.labels).
struct LabelRuleConfig {
  std::string label;
  std::vector<std::string> words;
};

struct MirrorConfig {
  MirrorDirection replies = MirrorDirection::both;
  MirrorDirection likes = MirrorDirection::both;
  MirrorDirection reposts = MirrorDirection::both;
  LongPosts long_posts = LongPosts::thread;
  // An edited fediverse post: putRecord in place (Bluesky's app does not show edits), or delete
  // the copy and post it again (it then loses its likes and replies).
  enum class Updates { put, recreate } updates = Updates::put;
  // Which content warnings and hashtags give a post which self-label on Bluesky; unset: the
  // built-in table (see protocols/atproto/post_render.h).
  std::optional<std::vector<LabelRuleConfig>> labels;
  // The self-label for media marked sensitive that no rule labelled; "" for none.
  std::string sensitive_media_label = "graphic-media";
  // For a followed group: how many of its recent posts (from its outbox) are mirrored when it
  // accepts the bridge's follow, or the bridge starts for the first time; each once, oldest first.
  int backfill = 0;
  // For a followed group: at most this many of its posts an hour reach the mirror account (a burst
  // of a quarter of it at once): a flooding group's posts wait their turn, and none is lost.
  int max_posts_per_hour = 300;
};
inline constexpr int kMaxBackfill = 100;

// Who is never bridged: fediverse domains (subdomains included) and Bluesky accounts by DID or
// handle.
struct Blocklist {
  std::vector<std::string> domains;  // lowercase
  std::vector<std::string> dids;
  std::vector<std::string> handles;  // lowercase, no '@'
};

struct BridgeConfig {
  std::string name;
  FediverseSide fediverse;
  std::optional<BlueskySide> bluesky;
  MirrorConfig mirror;
  BlueskyPosting bluesky_posting = BlueskyPosting::open;
  FediverseReplies fediverse_replies = FediverseReplies::via_group;
  // With bluesky_posting followers or approved: the mirror account's own posts carry a threadgate
  // (Bluesky's reply controls) saying the same, so who may reply on Bluesky is who may reply in the
  // group; with approved, the approved accounts are kept on a list of the mirror account's.
  bool bluesky_threadgate = true;
  Blocklist blocked;
  // The line put before a member's post on Bluesky; {name} and {handle} ("user@host") are
  // replaced. Empty: no attribution.
  std::string attribution = "{name} (@{handle}):";
};

// How long the store keeps each kind of record (storage.retention), in seconds. Records an item
// still in the queue or held for approval needs are kept whatever their age.
struct RetentionConfig {
  std::int64_t events_seconds = 30 * 86400;
  std::int64_t seen_seconds = 7 * 86400;  // at least two days: senders retry for about that long
  std::int64_t decisions_seconds = 90 * 86400;
  std::int64_t flags_seconds = 180 * 86400;
};

struct Config {
  std::filesystem::path source_file;
  ServerConfig server;
  std::filesystem::path storage_path;
  RetentionConfig retention;
  std::filesystem::path master_key_file;
  bool allow_private_addresses = false;
  AtprotoConfig atproto;
  SignatureScheme signature_scheme = SignatureScheme::cavage;
  std::int64_t signature_max_age_seconds = 12 * 3600;  // Mastodon's window
  std::int64_t signature_max_future_seconds = 3600;
  std::vector<std::string> blocked_domains;  // lowercase; subdomains are blocked too
  std::vector<std::string> blocked_accounts;  // Bluesky DIDs or handles, every bridge
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  std::vector<BridgeConfig> bridges;
};

// server.admin_listen, or its default: unix:<storage path>/admin.sock. The default is a socket in
// the 0700 store directory because behind a same-host reverse proxy every public client is
// 127.0.0.1, so a loopback port proves nothing about who calls; only the daemon's own user can
// reach that socket, and no port has to be chosen or can collide.
AdminListen admin_listen_of(const Config& config);

}  // namespace causeway
