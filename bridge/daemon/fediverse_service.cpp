#include "bridge/daemon/fediverse_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "bridge/base/url.h"
#include "bridge/base/utf8.h"
#include "bridge/daemon/remote_actor.h"
#include "bridge/daemon/remote_group_state.h"
#include "bridge/daemon/version.h"
#include "protocols/activitypub/actor_document.h"
#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/rfc9421_signature.h"
#include "protocols/activitypub/discovery.h"
#include "protocols/activitypub/html_text.h"
#include "protocols/activitypub/note_event.h"
#include "protocols/activitypub/public_key.h"
#include "protocols/activitypub/remote_group.h"
#include "protocols/activitypub/signature_verifier.h"
#include "protocols/activitypub/stable_id.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

constexpr const char* kApJson = "application/activity+json; charset=utf-8";

void send_discovery(ServerResponse& res, const ap::DiscoveryResponse& d) {
  res.status = d.status;
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_content(d.body, d.content_type);
}

int page_of(const ServerRequest& req) {
  if (!req.has_param("page")) return 0;
  try {
    return std::max(1, std::stoi(req.param("page")));
  } catch (...) {
    return 1;
  }
}

ap::SignatureScheme scheme_from(causeway::SignatureScheme s) {
  return s == causeway::SignatureScheme::rfc9421 ? ap::SignatureScheme::rfc9421 : ap::SignatureScheme::cavage;
}

}  // namespace

FediverseService::FediverseService(const Config& config, Store& store, EventLog& events, const SecretVault& vault,
                                   Metrics& metrics, std::function<std::int64_t()> clock)
    : config_(config),
      store_(store),
      metrics_(metrics),
      clock_(std::move(clock)),
      actors_(local_actors_from(config)),
      http_(OutboundPolicy{config.allow_private_addresses},
            std::string("causeway/") + kVersion + " (+" + config.server.public_url.to_string() + ")"),
      peer_software_(http_, clock_),
      keys_(store, vault,
            []() -> Result<ap::ActorKeyPair> {
              auto key = ap::PrivateKey::generate_rsa(2048);
              if (!key) return Error{key.error()};
              auto public_pem = key->public_pem();
              auto private_pem = key->to_pem();
              if (!public_pem || !private_pem) return make_error("cannot export the new key as PEM");
              return ap::ActorKeyPair{*public_pem, *private_pem};
            }),
      events_(events),
      queue_(store, clock_),
      social_(store),
      outbox_(store, queue_, actors_, clock_),
      remote_keys_(store, http_,
                   [this](HttpRequest& r, const Url& url) {
                     if (Status s = sign_request(r, url, "bridge", scheme_from(config_.signature_scheme)); !s.ok())
                       spdlog::warn("signing a key fetch: {}", s.error());
                   },
                   clock_, metrics),
      inbox_(ap::InboxDeps{store, events_, social_, outbox_, actors_, metrics,
                           [this](std::shared_ptr<const ap::InboxRequest> r, ap::AuthenticationDone done) {
                             authenticate(std::move(r), std::move(done));
                           },
                           clock_,
                           [this](const std::string& host) { return domain_blocked(host); },
                           [this](const std::string& actor_id) {
                             std::lock_guard lock(listener_mu_);
                             if (actor_updated_) actor_updated_(actor_id);
                           },
                           [this] { wake_group_loop(); }}),
      deliverer_(queue_, http_,
                 [this](HttpRequest& r, const Url& url, const std::string& actor_key, ap::SignatureScheme scheme) {
                   return sign_request(r, url, actor_key, scheme);
                 },
                 metrics, clock_, ap::DelivererOptions{2, 2, 5, std::chrono::seconds(600), scheme_from(config.signature_scheme)},
                 [this](const std::string& inbox) { return peer_software_.announce_style(inbox); }) {
  metrics.gauge("causeway_delivery_queue_jobs", "Jobs waiting in the delivery queue.", [this] {
    auto n = queue_.pending_count();
    return n.ok() ? static_cast<double>(*n) : -1.0;
  });
  register_group_metrics();
}

FediverseService::~FediverseService() { stop(); }

void FediverseService::register_group_metrics() {
  for (const auto& bridge : config_.bridges) {
    if (!bridge.fediverse.group) continue;
    metrics_.gauge("causeway_group_follow_state",
                   "The bridge's follow of its remote group: 1 accepted, 0 pending, -1 rejected, -2 not resolved yet.",
                   [this, name = bridge.name] { return follow_state_value(remote_group_state(store_, name).follow); },
                   {{"bridge", bridge.name}});
  }
}

void FediverseService::start() {
  for (const auto* actor : actors_.all()) {
    if (auto key = keys_.get(actor->key); !key) spdlog::error("actor {}: {}", actor->username, key.error());
  }
  deliverer_.start();
  follow_remote_groups();
  if (!group_thread_.joinable()) group_thread_ = std::thread([this] { group_loop(); });
}

void FediverseService::stop() {
  {
    std::lock_guard lock(loop_mu_);
    loop_stopping_ = true;
  }
  loop_cv_.notify_all();
  if (group_thread_.joinable()) group_thread_.join();
  deliverer_.stop();
  remote_keys_.stop();
}

Result<json> FediverseService::fetch_actor(const std::string& actor_id) {
  return fetch_actor_document(http_, actor_id, [this](HttpRequest& req, const Url& url) {
    if (Status s = sign_request(req, url, "bridge", scheme_from(config_.signature_scheme)); !s.ok())
      spdlog::warn("signing a fetch of {}: {}", url.to_string(), s.error());
  });
}

bool FediverseService::domain_blocked(const std::string& host) const {
  return domain_in(host, config_.blocked_domains);
}

Result<ap::PrivateKey> FediverseService::private_key(const std::string& actor_key) {
  std::lock_guard lock(private_keys_mu_);
  if (auto it = private_keys_.find(actor_key); it != private_keys_.end()) return it->second;
  auto pair = keys_.get(actor_key);
  if (!pair) return Error{pair.error()};
  auto key = ap::PrivateKey::from_pem(pair->private_pem);
  if (!key) return make_error("key of " + actor_key + ": " + key.error());
  private_keys_.emplace(actor_key, *key);
  return *key;
}

Status FediverseService::sign_request(HttpRequest& request, const Url& url, const std::string& actor_key,
                                      ap::SignatureScheme scheme) {
  const ap::LocalActor* actor = actors_.by_key(actor_key);
  if (!actor) return make_error("no local actor " + actor_key);
  auto key = private_key(actor_key);
  if (!key) return Error{key.error()};
  ap::HttpRequestView view;
  view.method = request.method;
  view.target = url.path + (url.query.empty() ? "" : "?" + url.query);
  view.authority = url.authority();
  view.scheme = url.scheme;
  for (const auto& [k, v] : request.headers) view.add_header(k, v);
  view.body = request.body;
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Status s = scheme == ap::SignatureScheme::rfc9421 ? ap::sign_rfc9421(view, *key, actors_.key_id(*actor), now)
                                                    : ap::sign_cavage(view, *key, actors_.key_id(*actor), now);
  if (!s.ok()) return s;
  request.headers.clear();
  for (const auto& f : view.headers)
    if (!ap::equals_ignoring_case(f.name, "host")) request.headers.emplace_back(f.name, f.value);
  return {};
}

Result<ap::PublicKey> FediverseService::public_key(const ap::RemoteKey& key) {
  std::lock_guard lock(public_keys_mu_);
  auto it = public_keys_.find(key.key_id);
  if (it != public_keys_.end() && it->second.first == key.public_key_pem) return it->second.second;
  auto parsed = ap::PublicKey::from_pem(key.public_key_pem);
  if (parsed) public_keys_.insert_or_assign(key.key_id, std::pair{key.public_key_pem, *parsed});
  return parsed;
}

void FediverseService::authenticate(std::shared_ptr<const ap::InboxRequest> request, ap::AuthenticationDone done,
                                    bool fetched) {
  std::optional<ap::RemoteKey> used;
  bool not_cached = false;
  auto cached_only = [&](const std::string& key_id) -> Result<ap::PublicKey> {
    used = remote_keys_.cached(key_id);
    if (!used) {
      not_cached = true;
      return make_error("not known yet");
    }
    return public_key(*used);
  };
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ap::SignatureWindow window{std::chrono::seconds(config_.signature_max_age_seconds),
                             std::chrono::seconds(config_.signature_max_future_seconds)};
  ap::SignatureVerdict verdict =
      ap::HttpSignatureVerifier(cached_only, window, config_.server.public_url.authority()).verify(request->http, now);
  if (verdict.ok()) return done(ap::Signer{used->owner, used->owner_inbox, used->owner_shared_inbox});
  // Unknown key: fetch it, off this thread. Known key that fails: the actor may have rotated it
  // since we cached it; fetch it again, once.
  bool fetch = !fetched && verdict.failure == ap::SignatureFailure::key_unavailable && not_cached;
  bool refresh = !fetched && verdict.failure == ap::SignatureFailure::invalid_signature;
  if (fetch || refresh) {
    remote_keys_.get_async(verdict.key_id, refresh,
                           [this, request, done = std::move(done)](Result<ap::RemoteKey> key) mutable {
                             if (!key) return done(make_error("key_unavailable: " + key.error()));
                             authenticate(request, std::move(done), true);
                           });
    return;
  }
  done(make_error(std::string(ap::to_string(verdict.failure)) + ": " + verdict.message));
}

Result<std::string> FediverseService::webfinger_actor(const std::string& acct) {
  // Kept an hour (a miss five minutes): a Bluesky thread mentioning the same bridged fediverse
  // accounts must not cost a WebFinger request per reply, nor a silent host a timeout each time.
  constexpr std::int64_t kFoundUs = 3'600'000'000, kMissUs = 300'000'000;
  constexpr std::size_t kMaxEntries = 4096;
  // The host is case-insensitive; the user part is the server's to compare.
  std::string key = acct;
  auto at = key.rfind('@');
  std::transform(key.begin() + (at == std::string::npos ? 0 : at), key.end(), key.begin() + (at == std::string::npos ? 0 : at),
                 [](unsigned char c) { return std::tolower(c); });
  std::int64_t now = clock_();
  {
    std::lock_guard lock(webfinger_mu_);
    if (auto it = webfinger_.find(key); it != webfinger_.end()) {
      const auto& [at_us, actor] = it->second;
      if (now - at_us < (actor.empty() ? kMissUs : kFoundUs)) {
        if (actor.empty()) return make_error("WebFinger of " + acct + " failed a moment ago");
        return actor;
      }
    }
  }
  auto answer = webfinger_uncached(acct);
  std::lock_guard lock(webfinger_mu_);
  if (webfinger_.size() >= kMaxEntries) webfinger_.clear();  // bounded; refilled from use
  webfinger_[key] = {now, answer ? *answer : std::string()};
  return answer;
}

Result<std::string> FediverseService::webfinger_uncached(const std::string& acct) {
  return causeway::webfinger_actor(http_, acct, config_.allow_private_addresses);
}

void FediverseService::follow_remote_groups(bool only_unresolved) {
  const ap::LocalActor& service = actors_.service();
  for (const auto& bridge : config_.bridges) {
    if (!bridge.fediverse.group) continue;
    if (only_unresolved) {
      std::lock_guard lock(groups_mu_);
      if (remote_groups_.count(bridge.name)) continue;
    }
    const std::string& handle = *bridge.fediverse.group;  // "@name@host" or "!name@host"
    auto resolved = webfinger_uncached(handle.substr(1));  // asked again on every try, never cached
    if (!resolved) {
      spdlog::warn("bridge {}: cannot resolve the group {}: {}", bridge.name, handle, resolved.error());
      continue;
    }
    const std::string& group_id = *resolved;
    auto group = fetch_actor(group_id);
    if (!group) {
      spdlog::warn("bridge {}: cannot fetch the group {}: {}", bridge.name, group_id, group.error());
      continue;
    }
    // Its server's own word on what it runs (NodeInfo), then the actor's shape.
    ap::RemoteGroup info = ap::classify_remote_group(*group, handle.substr(1), peer_software_.software(group_id));
    if (bridge.fediverse.group_kind)
      if (auto kind = ap::parse_remote_group_kind(*bridge.fediverse.group_kind)) info.kind = *kind;
    std::function<void(const std::string&, const std::string&)> tell;
    {
      std::lock_guard lock(groups_mu_);
      remote_groups_[bridge.name] = group_id;
      remote_group_info_[bridge.name] = info;
      tell = group_resolved_;
    }
    if (tell) tell(bridge.name, group_id);
    // Kept, so the next start routes the group's announces before WebFinger has answered again.
    WriteBatch kept = store_.batch();
    kept.put(Family::meta, "remote-group/" + bridge.name, group_id);
    kept.put(Family::meta, "remote-group-info/" + bridge.name,
             json{{"id", group_id}, {"handle", info.handle}, {"kind", ap::to_string(info.kind)}, {"locked", info.locked}}.dump());
    if (Status s = store_.write(kept); !s.ok()) spdlog::warn("bridge {}: {}", bridge.name, s.error());
    spdlog::info("bridge {}: the group {} ({}) is a {}{}", bridge.name, handle, group_id, ap::to_string(info.kind),
                 info.locked ? ", locked (its moderators approve follows)" : "");
    auto existing = social_.following(service.key, group_id);
    if (existing.ok() && existing->has_value() && (*existing)->state != "rejected") continue;
    std::string follow_id = actors_.id(service) + "/follow/" + ap::stable_id(group_id);
    json follow = {{"@context", "https://www.w3.org/ns/activitystreams"},
                   {"id", follow_id},
                   {"type", "Follow"},
                   {"actor", actors_.id(service)},
                   {"object", group_id},
                   {"to", {group_id}}};
    ap::Follower target{group_id, ap::string_member(*group, "inbox"), "", "", clock_()};
    WriteBatch batch = store_.batch();
    social_.set_following(batch, service.key, {group_id, follow_id, "pending", clock_()});
    outbox_.publish(batch, service, follow, {target});
    if (Status s = store_.write(batch); !s.ok()) spdlog::error("bridge {}: {}", bridge.name, s.error());
    else spdlog::info("bridge {}: following the group {} ({})", bridge.name, handle, group_id);
  }
}

std::optional<ap::RemoteGroup> FediverseService::remote_group(const std::string& bridge) const {
  {
    std::lock_guard lock(groups_mu_);
    if (auto it = remote_group_info_.find(bridge); it != remote_group_info_.end()) return it->second;
  }
  auto kept = store_.get(Family::meta, "remote-group-info/" + bridge);  // told by an earlier run
  if (!kept.ok() || !kept->has_value()) return std::nullopt;
  json j = json::parse(**kept, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ap::RemoteGroup g;
  g.id = j.value("id", "");
  g.handle = j.value("handle", "");
  g.kind = ap::parse_remote_group_kind(j.value("kind", "")).value_or(ap::RemoteGroupKind::boost);
  g.locked = j.value("locked", false);
  return g;
}

std::map<std::string, std::string> FediverseService::remote_group_ids() const {
  std::lock_guard lock(groups_mu_);
  std::map<std::string, std::string> ids = remote_groups_;
  for (const auto& bridge : config_.bridges) {
    if (!bridge.fediverse.group || ids.count(bridge.name)) continue;
    if (auto kept = store_.get(Family::meta, "remote-group/" + bridge.name); kept.ok() && kept->has_value())
      ids[bridge.name] = **kept;  // resolved by an earlier run
  }
  return ids;
}

void FediverseService::on_actor_updated(std::function<void(const std::string&)> listener) {
  std::lock_guard lock(listener_mu_);
  actor_updated_ = std::move(listener);
}

Result<GroupProfile> FediverseService::group_profile(const BridgeConfig& bridge) {
  if (bridge.fediverse.host) {
    const ap::LocalActor* group = actors_.by_key(hosted_group_key(bridge));
    if (!group) return make_error("no hosted group " + bridge.fediverse.host->name);
    std::string id = actors_.id(*group);
    return GroupProfile{id, group->display_name, group->summary, id, group->icon_url};
  }
  auto ids = remote_group_ids();
  auto it = ids.find(bridge.name);
  if (it == ids.end()) return make_error("the group " + bridge.fediverse.group.value_or("") + " is not resolved yet");
  auto doc = fetch_actor(it->second);
  if (!doc) return Error{doc.error()};
  GroupProfile p;
  p.id = it->second;
  p.name = ap::string_member(*doc, "name");
  if (p.name.empty()) p.name = ap::string_member(*doc, "preferredUsername");
  p.summary = ap::html_to_text(ap::string_member(*doc, "summary"), {}).text;
  // The page people read the group on; an id that is not one is still a working link.
  p.url = ap::string_member(*doc, "url");
  if (p.url.rfind("https://", 0) != 0 && p.url.rfind("http://", 0) != 0) p.url = p.id;
  if (auto icon = doc->find("icon"); icon != doc->end()) {
    const json& first = icon->is_array() && !icon->empty() ? (*icon)[0] : *icon;
    p.avatar_url = first.is_string() ? first.get<std::string>() : first.is_object() ? ap::string_member(first, "url") : "";
  }
  return p;
}

bool FediverseService::is_member(const std::string& group_id, const std::string& actor) const {
  const ap::LocalActor* group = actors_.by_url(group_id);
  return group && actors_.id(*group) == group_id && social_.is_follower(group->key, actor);
}

Result<json> FediverseService::actor_document(const std::string& actor_id) {
  constexpr std::int64_t kFreshUs = 3600LL * 1'000'000;
  {
    std::lock_guard lock(actor_docs_mu_);
    if (auto it = actor_docs_.find(actor_id); it != actor_docs_.end() && clock_() - it->second.first < kFreshUs)
      return it->second.second;
  }
  auto doc = fetch_actor(actor_id);
  if (!doc) return doc;
  std::lock_guard lock(actor_docs_mu_);
  actor_docs_[actor_id] = {clock_(), *doc};
  return doc;
}

Result<ap::Follower> FediverseService::recipient(const std::string& actor_id) {
  auto doc = actor_document(actor_id);
  if (!doc) return Error{doc.error()};
  ap::Follower f{actor_id, ap::string_member(*doc, "inbox"), "", "", clock_()};
  if (auto endpoints = doc->find("endpoints"); endpoints != doc->end() && endpoints->is_object())
    f.shared_inbox = ap::string_member(*endpoints, "sharedInbox");
  if (f.inbox.empty()) return make_error(actor_id + " has no inbox");
  return f;
}

Result<MemberProfile> FediverseService::member_profile(const std::string& actor_id) {
  auto doc = actor_document(actor_id);
  if (!doc) return Error{doc.error()};
  return member_profile_of(*doc, actor_id);
}

Result<json, FetchFailure> FediverseService::fetch_document(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"Accept", "application/activity+json"}};
  FetchResult r = http_.fetch(request, {}, [this](HttpRequest& req, const Url& target) {
    if (Status s = sign_request(req, target, "bridge", scheme_from(config_.signature_scheme)); !s.ok())
      spdlog::warn("signing a fetch of {}: {}", target.to_string(), s.error());
  });
  if (!r.ok()) return FetchFailure{false, r.message};
  if (r.response.status == 404 || r.response.status == 410)
    return FetchFailure{true, "gone from its server (HTTP " + std::to_string(r.response.status) + ")"};
  if (r.response.status != 200) return FetchFailure{false, url + ": HTTP " + std::to_string(r.response.status)};
  // Trusted only as its origin's word: a redirect to another host could put words in its mouth.
  if (host_of_url(r.response.final_url) != host_of_url(url))
    return FetchFailure{true, url + ": served from another host (" + host_of_url(r.response.final_url) + ")"};
  auto doc = ap::parse_as2(r.response.body);
  if (!doc) return FetchFailure{true, url + ": " + doc.error()};
  return *doc;
}

Result<Event, FetchFailure> FediverseService::fetch_post(const std::string& object_id, const std::string& group_id, int depth) {
  auto doc = fetch_document(object_id);
  if (!doc) return doc.error();
  // A Mastodon boost may name a status by its web URL (/@user/1), which serves the document whose
  // id is /users/user/statuses/1: still that server's word about its own post.
  std::string doc_id = ap::id_of(*doc).value_or("");
  if (doc_id.empty() || host_of_url(doc_id) != host_of_url(object_id))
    return FetchFailure{true, object_id + ": the document has another id, on another host (" + doc_id + ")"};
  std::string type = ap::string_member(*doc, "type");
  // FEP-1b12 groups announce their members' activities: a Create carries the post itself.
  if (type == "Create" && depth == 0) {
    auto inner = doc->contains("object") ? ap::id_of((*doc)["object"]) : std::nullopt;
    if (!inner) return FetchFailure{true, "the announced Create has no object"};
    return fetch_post(*inner, group_id, depth + 1);
  }
  if (type != "Note" && type != "Article" && type != "Page" && type != "Question")
    return FetchFailure{true, "the group announced a " + (type.empty() ? std::string("document without a type") : type) +
                                  ", not a post"};
  std::string author = ap::object_author(*doc).value_or("");
  // Trusted because it came from its origin, and only when its author lives there too.
  if (author.empty() || host_of_url(author) != host_of_url(doc_id))
    return FetchFailure{true, object_id + ": its author is not on its host"};
  Event e;
  e.origin.network = Network::activitypub;
  e.origin.object = {Network::activitypub, doc_id, ""};
  e.actor.id = author;
  ap::read_object(*doc, e);
  e.kind = e.thread.parent ? EventKind::reply : EventKind::post;
  e.audience.visibility = ap::visibility_of(*doc);
  e.audience.group = group_id;
  return e;
}

void FediverseService::install_routes(HttpServer& server) {
  server.get("/.well-known/webfinger", [this](const ServerRequest& req, ServerResponse& res) {
    send_discovery(res, ap::webfinger(actors_, req.param("resource")));
  });
  server.get("/.well-known/nodeinfo", [this](const ServerRequest&, ServerResponse& res) {
    send_discovery(res, ap::nodeinfo_links(actors_));
  });
  server.get(R"(/nodeinfo/(2\.[01]))", [this](const ServerRequest& req, ServerResponse& res) {
    send_discovery(res, ap::nodeinfo(req.matches[1], {actors_.all().size(), 0}));
  });
  server.get("/.well-known/host-meta", [this](const ServerRequest&, ServerResponse& res) {
    send_discovery(res, ap::host_meta(actors_));
  });

  server.get(R"(/ap/(.+))", [this](const ServerRequest& req, ServerResponse& res) {
    std::string url = actors_.origin() + req.path;
    const ap::LocalActor* actor = actors_.by_url(url);
    json body;
    if (actor && url == actors_.id(*actor)) {
      auto key = keys_.get(actor->key);
      if (!key) {
        res.status = 503;
        return;
      }
      body = ap::actor_document(actors_, *actor, key->public_pem);
    } else if (actor && url == actors_.followers(*actor)) {
      std::vector<std::string> ids;
      if (auto f = social_.followers(actor->key)) for (const auto& x : *f) ids.push_back(x.actor);
      body = ap::ordered_collection(url, ids, page_of(req));
    } else if (actor && url == actors_.following(*actor)) {
      std::vector<std::string> ids;
      if (auto f = social_.all_following(actor->key))
        for (const auto& x : *f)
          if (x.state == "accepted") ids.push_back(x.target);
      body = ap::ordered_collection(url, ids, page_of(req));
    } else if (actor && url == actors_.outbox(*actor)) {
      auto ids = outbox_.activity_ids(*actor);
      body = ap::ordered_collection(url, ids ? *ids : std::vector<std::string>{}, page_of(req));
    } else {
      auto stored = outbox_.object(url);
      if (!stored || !stored->has_value()) {
        res.status = 404;
        res.set_content(R"({"error":"not found"})", "application/json");
        return;
      }
      body = **stored;
    }
    res.set_content(body.dump(), kApJson);
  });

  // Asynchronous: when the signing key must be fetched, the answer comes from the key fetch's
  // thread and no serving thread waits for the remote server.
  auto inbox = [this](std::shared_ptr<const ServerRequest> req, Responder respond) {
    const ap::LocalActor* target = actors_.by_url(actors_.origin() + req->path);
    if (req->path != "/ap/inbox" && (!target || actors_.origin() + req->path != actors_.inbox(*target))) {
      ServerResponse res;
      res.status = 404;
      return respond.send(std::move(res));
    }
    auto request = std::make_shared<ap::InboxRequest>();
    request->http.method = req->method;
    request->http.target = req->target;
    request->http.authority = req->header("Host").value_or("");
    request->http.scheme = config_.server.public_url.scheme;
    for (const auto& [k, v] : req->headers) request->http.add_header(k, v);
    request->http.body = req->body;
    request->remote_address = req->remote_address;
    inbox_.receive(std::move(request), [respond](ap::InboxResponse out) {
      ServerResponse res;
      res.status = out.status;
      if (out.status >= 400) res.set_content(json{{"error", out.reason}}.dump(), "application/json");
      respond.send(std::move(res));
    });
  };
  server.post_async("/ap/inbox", inbox);
  server.post_async(R"(/ap/(.+)/inbox)", inbox);
}

}  // namespace causeway
