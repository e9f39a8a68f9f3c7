#include "config/config_loader.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/quote_scan.h"
#include "config/yaml_schema.h"

namespace causeway {
namespace {

namespace fs = std::filesystem;

fs::path resolve_path(const std::string& value, const fs::path& base_dir);

// "unix:PATH" (relative to the config's directory) or a loopback "HOST:PORT": the admin API must
// never be reachable from another machine.
Result<AdminListen> parse_admin_listen(const std::string& text, const fs::path& base_dir) {
  AdminListen out;
  if (text.rfind("unix:", 0) == 0) {
    if (text.size() == 5) return make_error("unix: needs a socket path (unix:/run/causeway/admin.sock)");
    out.unix_path = resolve_path(text.substr(5), base_dir);
    // sockaddr_un holds 107 bytes of path.
    if (out.unix_path.string().size() > 107) return make_error("socket path longer than 107 bytes: " + out.unix_path.string());
    return out;
  }
  auto hp = parse_host_port(text);
  if (!hp) return make_error(hp.error() + " (or unix:/path)");
  if (hp->host != "localhost" && hp->host != "::1" && hp->host.rfind("127.", 0) != 0)
    return make_error("must be a loopback address (127.0.0.1:PORT, [::1]:PORT) or unix:/path, not " + hp->host);
  out.tcp = *hp;
  return out;
}

fs::path resolve_path(const std::string& value, const fs::path& base_dir) {
  fs::path p(value);
  return (p.is_absolute() ? p : base_dir / p).lexically_normal();
}

std::optional<Url> read_url(const MapView& map, const std::string& key, const char* schemes, bool required,
                            SchemaReader& reader) {
  auto text = map.string(key, required);
  if (!text) return std::nullopt;
  auto url = parse_url(*text, schemes);
  if (!url) {
    reader.error(map.field(key)->mark, map.child_path(key), url.error());
    return std::nullopt;
  }
  return *url;
}

std::optional<SecretRef> read_secret(const MapView& parent, const std::string& key, const fs::path& base_dir,
                                     SchemaReader& reader) {
  auto f = parent.field(key);
  if (!f) {
    reader.error(parent.mark(), parent.child_path(key), "required key is missing");
    return std::nullopt;
  }
  if (f->node.IsScalar()) {
    reader.error(f->mark, f->path, "secrets are never written inline; use { env: NAME } or { file: PATH }");
    return std::nullopt;
  }
  auto m = reader.map(*f, {"env", "file"});
  if (!m) return std::nullopt;
  bool has_env = m->has("env"), has_file = m->has("file");
  if (has_env == has_file) {
    reader.error(f->mark, f->path, "give exactly one of { env: NAME } or { file: PATH }");
    return std::nullopt;
  }
  if (has_env) {
    auto name = m->string("env", true);
    if (!name) return std::nullopt;
    static const std::regex env_name("[A-Za-z_][A-Za-z0-9_]*");
    if (!std::regex_match(*name, env_name)) {
      reader.error(m->field("env")->mark, m->child_path("env"), "\"" + *name + "\" is not an environment variable name");
      return std::nullopt;
    }
    return SecretRef{SecretRef::Source::env, *name};
  }
  auto path = m->string("file", true);
  if (!path) return std::nullopt;
  return SecretRef{SecretRef::Source::file, resolve_path(*path, base_dir).string()};
}

MirrorDirection to_direction(const std::string& s) {
  if (s == "to_bluesky") return MirrorDirection::to_bluesky;
  if (s == "to_fediverse") return MirrorDirection::to_fediverse;
  if (s == "none") return MirrorDirection::none;
  return MirrorDirection::both;
}

std::vector<std::string> read_domains(MapView& m, const char* key, SchemaReader& reader) {
  std::vector<std::string> domains;
  for (const Located& item : m.list(key)) {
    std::string domain = item.node.IsScalar() ? item.node.Scalar() : "";
    std::transform(domain.begin(), domain.end(), domain.begin(), [](unsigned char c) { return std::tolower(c); });
    static const std::regex domain_re("([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?(:[0-9]{1,5})?");
    if (!std::regex_match(domain, domain_re)) {
      reader.error(item.mark, item.path, "expected a domain name like spam.example, got " + describe_node(item.node));
      continue;
    }
    domains.push_back(domain);
  }
  return domains;
}

// Bluesky accounts by DID ("did:plc:...") or handle ("name.bsky.social").
void read_accounts(MapView& m, const char* key, SchemaReader& reader, Blocklist& out) {
  for (const Located& item : m.list(key)) {
    std::string account = item.node.IsScalar() ? item.node.Scalar() : "";
    static const std::regex did_re("did:[a-z]+:[A-Za-z0-9._:%-]+");
    static const std::regex handle_re("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    if (std::regex_match(account, did_re)) {
      out.dids.push_back(account);
      continue;
    }
    std::transform(account.begin(), account.end(), account.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!account.empty() && account[0] == '@') account.erase(0, 1);
    if (std::regex_match(account, handle_re)) {
      out.handles.push_back(account);
      continue;
    }
    reader.error(item.mark, item.path,
                 "expected a Bluesky DID (did:plc:...) or handle (name.bsky.social), got " + describe_node(item.node));
  }
}

std::optional<BridgeConfig> read_bridge(const Located& at, const fs::path& base_dir, SchemaReader& reader) {
  if (!at.node.IsMap()) {
    reader.error(at.mark, at.path, "expected a map with name, fediverse, bluesky, ..., got " + describe_node(at.node));
    return std::nullopt;
  }
  auto m = reader.map(at, {"name", "fediverse", "bluesky", "mirror", "members", "blocked", "attribution"});
  if (!m) return std::nullopt;
  size_t errors_before = reader.error_count();
  BridgeConfig bridge;
  if (auto name = m->string("name", true)) {
    static const std::regex name_re("[a-z0-9][a-z0-9_-]{0,63}");
    if (!std::regex_match(*name, name_re))
      reader.error(m->field("name")->mark, m->child_path("name"),
                   "\"" + *name + "\" must be 1-64 lowercase letters, digits, '-' or '_'");
    bridge.name = *name;
  }
  if (auto fedi = m->map("fediverse", {"host", "group", "kind"}, true)) {
    if (fedi->has("kind") && !fedi->has("group"))
      reader.error(fedi->field("kind")->mark, fedi->child_path("kind"), "kind is for a followed group (group: ...)");
    if (auto kind = fedi->choice("kind", {"community", "forum", "boost"})) bridge.fediverse.group_kind = *kind;
    if (fedi->has("host") == fedi->has("group")) {
      reader.error(fedi->mark(), fedi->path(), "give exactly one of host (a group hosted here) or group (\"@name@host\")");
    } else if (auto group = fedi->string("group", false)) {
      // "!name@host" is how Lemmy and Friendica users write a community or forum.
      static const std::regex handle_re("[@!][A-Za-z0-9_.-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?");
      if (!std::regex_match(*group, handle_re))
        reader.error(fedi->field("group")->mark, fedi->child_path("group"),
                     "\"" + *group + "\" is not a fediverse handle like \"@name@host.example\" or \"!name@host.example\"");
      bridge.fediverse.group = *group;
    } else if (auto host = fedi->map("host", {"name", "display_name", "summary", "avatar", "manually_approves_members"}, true)) {
      HostedGroupConfig g;
      if (auto name = host->string("name", true)) {
        static const std::regex user_re("[A-Za-z0-9_]{1,64}");
        if (!std::regex_match(*name, user_re))
          reader.error(host->field("name")->mark, host->child_path("name"),
                       "\"" + *name + "\" must be 1-64 letters, digits or '_' (it becomes @name@host)");
        g.name = *name;
      }
      g.display_name = host->string("display_name", false).value_or(g.name);
      g.summary = host->string("summary", false).value_or("");
      if (host->has("avatar")) g.avatar = read_url(*host, "avatar", "http,https", true, reader);
      g.manually_approves_members = host->boolean("manually_approves_members").value_or(false);
      bridge.fediverse.host = g;
    }
  }
  if (m->has("bluesky")) {
    if (auto bsky = m->map("bluesky", {"pds", "handle", "app_password", "profile"}, true)) {
      BlueskySide side;
      if (auto pds = read_url(*bsky, "pds", "http,https", true, reader)) side.pds = *pds;
      if (auto handle = bsky->string("handle", true)) {
        static const std::regex handle_re("([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
        if (!std::regex_match(*handle, handle_re))
          reader.error(bsky->field("handle")->mark, bsky->child_path("handle"),
                       "\"" + *handle + "\" is not a Bluesky handle like \"name.bsky.social\" (no '@')");
        side.handle = *handle;
      }
      if (auto secret = read_secret(*bsky, "app_password", base_dir, reader)) side.app_password = *secret;
      if (auto profile = bsky->choice("profile", {"sync", "manual"}))
        side.profile = *profile == "manual" ? BlueskySide::Profile::manual : BlueskySide::Profile::sync;
      bridge.bluesky = side;
    }
  }
  if (auto mirror = m->map("mirror", {"replies", "likes", "reposts", "long_posts", "updates", "labels", "sensitive_media_label", "backfill", "max_posts_per_hour"}, false)) {
    if (auto n = mirror->integer("backfill", 0, kMaxBackfill)) bridge.mirror.backfill = static_cast<int>(*n);
    if (auto n = mirror->integer("max_posts_per_hour", 1, 100000)) bridge.mirror.max_posts_per_hour = static_cast<int>(*n);
    static const std::initializer_list<const char*> kSelfLabels = {"porn", "sexual", "nudity", "graphic-media"};
    if (mirror->has("labels")) {
      std::vector<LabelRuleConfig> rules;
      if (auto table = mirror->map("labels", kSelfLabels, false))
        for (const char* label : kSelfLabels) {
          if (!table->has(label)) continue;
          LabelRuleConfig rule{label, {}};
          for (const Located& item : table->list(label)) {
            if (!item.node.IsScalar() || item.node.Scalar().empty()) {
              reader.error(item.mark, item.path, "expected a word or hashtag (without '#'), got " + describe_node(item.node));
              continue;
            }
            rule.words.push_back(item.node.Scalar());
          }
          rules.push_back(std::move(rule));
        }
      bridge.mirror.labels = std::move(rules);
    }
    if (auto label = mirror->choice("sensitive_media_label", {"porn", "sexual", "nudity", "graphic-media", "none"}))
      bridge.mirror.sensitive_media_label = *label == "none" ? "" : *label;
    if (auto u = mirror->choice("updates", {"put", "recreate"}))
      bridge.mirror.updates = *u == "recreate" ? MirrorConfig::Updates::recreate : MirrorConfig::Updates::put;
    for (auto [key, slot] : {std::pair{"replies", &bridge.mirror.replies}, std::pair{"likes", &bridge.mirror.likes},
                             std::pair{"reposts", &bridge.mirror.reposts}})
      if (auto d = mirror->choice(key, {"both", "to_bluesky", "to_fediverse", "none"})) *slot = to_direction(*d);
    if (auto lp = mirror->choice("long_posts", {"thread", "truncate"}))
      bridge.mirror.long_posts = *lp == "truncate" ? LongPosts::truncate : LongPosts::thread;
  }
  if (auto members = m->map("members", {"bluesky_posting", "fediverse_replies", "bluesky_threadgate"}, false)) {
    if (auto p = members->choice("bluesky_posting", {"open", "followers", "approved"}))
      bridge.bluesky_posting = *p == "approved"    ? BlueskyPosting::approved
                               : *p == "followers" ? BlueskyPosting::followers
                                                   : BlueskyPosting::open;
    if (auto r = members->choice("fediverse_replies", {"via_group", "members", "anyone"}))
      bridge.fediverse_replies = *r == "anyone"    ? FediverseReplies::anyone
                                 : *r == "members" ? FediverseReplies::members
                                                   : FediverseReplies::via_group;
    if (auto gate = members->boolean("bluesky_threadgate")) bridge.bluesky_threadgate = *gate;
  }
  if (auto blocked = m->map("blocked", {"domains", "accounts"}, false)) {
    bridge.blocked.domains = read_domains(*blocked, "domains", reader);
    read_accounts(*blocked, "accounts", reader, bridge.blocked);
  }
  if (auto attribution = m->string("attribution", false)) bridge.attribution = *attribution;
  if (reader.error_count() != errors_before) return std::nullopt;
  return bridge;
}

void read_config(const YAML::Node& root, const fs::path& base_dir, SchemaReader& reader, Config& config) {
  auto top = reader.map(Located{root, root.Mark(), ""},
                        {"server", "storage", "secrets", "network", "atproto", "fediverse", "logging", "bridges"});
  if (!top) return;

  if (auto server = top->map("server", {"public_url", "listen", "admin_listen"}, true)) {
    if (auto url = read_url(*server, "public_url", "http,https", true, reader)) {
      if (url->path != "/" || !url->query.empty())
        reader.error(server->field("public_url")->mark, server->child_path("public_url"),
                     "must be the origin only (SCHEME://HOST[:PORT]), without a path or query");
      config.server.public_url = *url;
    }
    if (auto listen = server->string("listen", true)) {
      auto hp = parse_host_port(*listen);
      if (!hp) reader.error(server->field("listen")->mark, server->child_path("listen"), hp.error());
      else config.server.listen = *hp;
    }
    if (auto admin = server->string("admin_listen", false)) {
      auto parsed = parse_admin_listen(*admin, base_dir);
      if (!parsed) reader.error(server->field("admin_listen")->mark, server->child_path("admin_listen"), parsed.error());
      else config.server.admin_listen = *parsed;
    }
  }
  if (auto storage = top->map("storage", {"path", "retention"}, true)) {
    if (auto path = storage->string("path", true)) config.storage_path = resolve_path(*path, base_dir);
    if (auto retention = storage->map("retention", {"events", "seen", "decisions", "flags"}, false)) {
      constexpr std::int64_t kHour = 3600, kDay = 86400, kMax = 36500 * kDay;
      RetentionConfig& r = config.retention;
      r.events_seconds = retention->duration("events", kHour, kMax).value_or(r.events_seconds);
      // A retry that arrives after its id is forgotten would be taken in, and posted, again.
      r.seen_seconds = retention->duration("seen", 2 * kDay, kMax).value_or(r.seen_seconds);
      r.decisions_seconds = retention->duration("decisions", kHour, kMax).value_or(r.decisions_seconds);
      r.flags_seconds = retention->duration("flags", kHour, kMax).value_or(r.flags_seconds);
    }
  }
  if (auto secrets = top->map("secrets", {"master_key_file"}, true))
    if (auto path = secrets->string("master_key_file", true)) config.master_key_file = resolve_path(*path, base_dir);
  if (auto network = top->map("network", {"allow_private_addresses"}, false))
    config.allow_private_addresses = network->boolean("allow_private_addresses").value_or(false);

  if (auto atproto = top->map("atproto", {"plc_url", "stream", "blocked_accounts"}, false)) {
    Blocklist accounts;
    read_accounts(*atproto, "blocked_accounts", reader, accounts);
    config.blocked_accounts = accounts.dids;
    config.blocked_accounts.insert(config.blocked_accounts.end(), accounts.handles.begin(), accounts.handles.end());
    if (atproto->has("plc_url")) {
      if (auto url = read_url(*atproto, "plc_url", "http,https", true, reader)) config.atproto.plc_url = *url;
    } else {
      config.atproto.plc_url = *parse_url("https://plc.directory", "https");
    }
    if (auto stream = atproto->map("stream", {"kind", "url"}, false)) {
      auto kind = stream->choice("kind", {"firehose", "jetstream", "none"});
      // An invalid kind is already reported; whether a url belongs cannot be judged then.
      bool kind_known = kind || !stream->has("kind");
      config.atproto.stream.kind = kind == "firehose"    ? StreamConfig::Kind::firehose
                                   : kind == "jetstream" ? StreamConfig::Kind::jetstream
                                                         : StreamConfig::Kind::none;
      if (config.atproto.stream.kind != StreamConfig::Kind::none) {
        config.atproto.stream.url = read_url(*stream, "url", "ws,wss", true, reader);
      } else if (kind_known && stream->has("url")) {
        reader.error(stream->field("url")->mark, stream->child_path("url"), "only used with kind firehose or jetstream");
      }
    }
  }
  if (auto fedi = top->map("fediverse", {"signature_scheme", "signature_max_age_seconds",
                                         "signature_max_future_seconds", "blocked_domains"},
                            false)) {
    if (auto scheme = fedi->choice("signature_scheme", {"cavage", "rfc9421"}))
      config.signature_scheme = *scheme == "rfc9421" ? SignatureScheme::rfc9421 : SignatureScheme::cavage;
    config.signature_max_age_seconds =
        fedi->integer("signature_max_age_seconds", 60, 7 * 24 * 3600).value_or(config.signature_max_age_seconds);
    config.signature_max_future_seconds =
        fedi->integer("signature_max_future_seconds", 0, 24 * 3600).value_or(config.signature_max_future_seconds);
    config.blocked_domains = read_domains(*fedi, "blocked_domains", reader);
  }
  if (auto logging = top->map("logging", {"level", "format"}, false)) {
    config.log_level = logging->choice("level", {"trace", "debug", "info", "warn", "error"}).value_or("info");
    config.log_format = logging->choice("format", {"text", "json"}).value_or("text") == "json" ? LogFormat::json
                                                                                              : LogFormat::text;
  }

  std::set<std::string> names, hosted;
  for (const Located& item : top->list("bridges")) {
    auto bridge = read_bridge(item, base_dir, reader);
    if (!bridge) continue;
    if (!names.insert(bridge->name).second)
      reader.error(item.mark, item.path + ".name", "another bridge is already named \"" + bridge->name + "\"");
    if (bridge->fediverse.host && !hosted.insert(bridge->fediverse.host->name).second)
      reader.error(item.mark, item.path + ".fediverse.host.name",
                   "another bridge already hosts a group named \"" + bridge->fediverse.host->name + "\"");
    config.bridges.push_back(std::move(*bridge));
  }
}

}  // namespace

std::string AdminListen::to_string() const { return tcp ? tcp->to_string() : "unix:" + unix_path.string(); }

AdminListen admin_listen_of(const Config& config) {
  if (config.server.admin_listen) return *config.server.admin_listen;
  AdminListen out;
  out.unix_path = config.storage_path / "admin.sock";
  return out;
}

ConfigLoadResult load_config_text(const std::string& text, const std::string& file_label, const fs::path& base_dir) {
  ConfigLoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    result.errors.push_back(file_label + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                            ": YAML syntax error: " + e.msg);
    return result;
  }
  if (auto open_quote = find_unterminated_quote(text)) {
    result.errors.push_back(file_label + ":" + std::to_string(open_quote->line) + ":" +
                            std::to_string(open_quote->column) +
                            ": YAML syntax error: quoted string is never closed");
    return result;
  }
  if (!root.IsDefined() || root.IsNull()) {
    result.errors.push_back(file_label + ":1:1: the file is empty; see config/examples/ for a starting point");
    return result;
  }
  Config config;
  config.source_file = file_label;
  SchemaReader reader(file_label);
  read_config(root, base_dir, reader, config);
  result.errors = reader.errors();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

ConfigLoadResult load_config(const fs::path& file, const fs::path& base_dir) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::error_code ec;
    bool exists = fs::exists(file, ec);
    return {std::nullopt, {file.string() + ": cannot read config file: " +
                           (exists ? std::string("permission denied or not a regular file")
                                   : std::string("no such file"))}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad() || fs::is_directory(file))
    return {std::nullopt, {file.string() + ": cannot read config file: it is a directory or unreadable"}};
  return load_config_text(text.str(), file.string(), base_dir);
}

}  // namespace causeway
