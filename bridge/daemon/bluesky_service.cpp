#include "bridge/daemon/bluesky_service.h"

#include <spdlog/spdlog.h>

#include "bridge/base/clock.h"
#include "bridge/daemon/version.h"
#include "bridge/id_map.h"
#include "bridge/seen_ids.h"

namespace causeway {

BlueskyService::BlueskyService(const Config& config, Store& store, EventLog& events, Metrics& metrics)
    : config_(config),
      store_(store),
      metrics_(metrics),
      http_(OutboundPolicy{config.allow_private_addresses}, std::string("causeway/") + kVersion),
      events_(events) {}

BlueskyService::~BlueskyService() { stop(); }

atproto::IdentityResolver& BlueskyService::resolver_for(const BridgeConfig& bridge) {
  std::string origin = bridge.bluesky->pds.scheme + "://" + bridge.bluesky->pds.authority();
  auto& slot = resolvers_[origin];
  if (!slot) {
    atproto::IdentityOptions options;
    options.plc_url = config_.atproto.plc_url.scheme + "://" + config_.atproto.plc_url.authority();
    options.handle_service_url = origin;
    slot = std::make_unique<atproto::IdentityResolver>(store_, http_, OutboundPolicy{config_.allow_private_addresses},
                                                       now_us, options);
  }
  return *slot;
}

std::unordered_set<std::string> BlueskyService::resolve_mirror_accounts() {
  std::unordered_set<std::string> dids;
  for (const auto& bridge : config_.bridges) {
    if (!bridge.bluesky) continue;
    auto identity = resolver_for(bridge).resolve(bridge.bluesky->handle);
    if (!identity) {
      spdlog::error("bridge {}: cannot resolve the mirror account {}: {}", bridge.name, bridge.bluesky->handle,
                    identity.error());
      continue;
    }
    if (!identity->handle_verified)
      spdlog::warn("bridge {}: the DID document of {} does not confirm the handle: {}", bridge.name,
                   bridge.bluesky->handle, identity->unverified_reason);
    spdlog::info("bridge {}: mirror account {} is {}", bridge.name, bridge.bluesky->handle, identity->did);
    if (on_mirror_resolved_) on_mirror_resolved_(bridge.name, identity->did);
    dids.insert(identity->did);
  }
  return dids;
}

atproto::IdentityResolver& BlueskyService::identities() {
  for (const auto& bridge : config_.bridges)
    if (bridge.bluesky) return resolver_for(bridge);
  if (!identities_) {
    atproto::IdentityOptions options;
    options.plc_url = config_.atproto.plc_url.scheme + "://" + config_.atproto.plc_url.authority();
    identities_ = std::make_unique<atproto::IdentityResolver>(store_, http_, OutboundPolicy{config_.allow_private_addresses},
                                                              now_us, options);
  }
  return *identities_;
}

void BlueskyService::start() {
  auto watched = resolve_mirror_accounts();
  if (config_.atproto.stream.kind == StreamConfig::Kind::none) return;
  if (watched.empty()) {
    spdlog::warn("no mirror account resolved; not following the network stream");
    return;
  }
  // A record is tracked while its seen mark lasts (retention prunes those) and, after that, as
  // long as it has a copy on the fediverse, so a late delete still reaches the copy.
  filter_ = std::make_unique<atproto::WatchFilter>(std::move(watched), [this](std::string_view uri) {
    if (SeenIds(store_).contains(SeenIds::bluesky_key(uri))) return true;
    auto copy = IdMap(store_).ap_id(std::string(uri));
    return copy.ok() && copy->has_value();
  });
  // A changed handle or key must not be served from the cache for another day.
  auto identity_changed = [this](const std::string& did) {
    for (auto& [origin, resolver] : resolvers_)
      if (Status s = resolver->invalidate(did); !s.ok()) spdlog::warn("identity cache: {}", s.error());
  };
  OutboundPolicy policy{config_.allow_private_addresses};
  if (config_.atproto.stream.kind == StreamConfig::Kind::jetstream) {
    atproto::JetstreamOptions options;
    options.service = *config_.atproto.stream.url;
    options.identity_changed = identity_changed;
    jetstream_ = std::make_unique<atproto::JetstreamConsumer>(store_, events_, *filter_, metrics_, policy, options, now_us);
    jetstream_->start();
    return;
  }
  atproto::FirehoseOptions options;
  options.service = *config_.atproto.stream.url;
  options.identity_changed = identity_changed;
  // Commits are checked against the repo's DID document; `refresh` goes past the stored copy too.
  options.signing_key = [&resolver = identities()](const std::string& did, bool refresh) -> Result<atproto::PublicKey> {
    if (refresh)
      if (Status s = resolver.invalidate(did); !s.ok()) return make_error(s.error());
    // A short limit: this runs on the firehose's one thread (the resolver's own is 10 s).
    auto document = resolver.resolve_did(did, atproto::kStreamKeyLookupTimeout);
    if (!document) return make_error(document.error());
    if (!document->signing_key) return make_error("the DID document of " + did + " names no #atproto key");
    return *document->signing_key;
  };
  firehose_ = std::make_unique<atproto::FirehoseConsumer>(store_, events_, *filter_, metrics_, policy, options, now_us);
  firehose_->start();
}

void BlueskyService::stop() {
  if (firehose_) firehose_->stop();
  if (jetstream_) jetstream_->stop();
}

}  // namespace causeway
