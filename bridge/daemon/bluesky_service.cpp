#include "bridge/daemon/bluesky_service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bridge/daemon/fediverse_service.h"
#include "bridge/daemon/version.h"
#include "protocols/atproto/syntax.h"

namespace causeway {

BlueskyService::BlueskyService(const Config& config, Store& store, EventLog& events, Metrics& metrics)
    : config_(config),
      store_(store),
      metrics_(metrics),
      http_(OutboundPolicy{config.allow_private_addresses}, std::string("causeway/") + kVersion),
      events_(events) {}

BlueskyService::~BlueskyService() { stop(); }

std::unordered_set<std::string> BlueskyService::resolve_mirror_accounts() {
  std::unordered_set<std::string> dids;
  for (const auto& bridge : config_.bridges) {
    if (!bridge.bluesky) continue;
    HttpRequest request;
    request.url = bridge.bluesky->pds.scheme + "://" + bridge.bluesky->pds.authority() +
                  "/xrpc/com.atproto.identity.resolveHandle?handle=" + bridge.bluesky->handle;
    FetchResult r = http_.fetch(request);
    std::string did;
    if (r.ok() && r.response.status == 200) {
      auto j = nlohmann::json::parse(r.response.body, nullptr, false);
      if (j.is_object() && j.contains("did") && j["did"].is_string()) did = j["did"].get<std::string>();
    }
    if (did.empty() || !atproto::validate_did(did).ok()) {
      spdlog::error("bridge {}: cannot resolve the mirror account {}: {}", bridge.name, bridge.bluesky->handle,
                    r.ok() ? "HTTP " + std::to_string(r.response.status) + " " + r.response.body.substr(0, 200) : r.message);
      continue;
    }
    spdlog::info("bridge {}: mirror account {} is {}", bridge.name, bridge.bluesky->handle, did);
    dids.insert(did);
  }
  return dids;
}

void BlueskyService::start() {
  if (config_.atproto.stream.kind != StreamConfig::Kind::firehose) {
    if (config_.atproto.stream.kind == StreamConfig::Kind::jetstream)
      spdlog::warn("atproto.stream.kind jetstream is not implemented yet; not watching Bluesky");
    return;
  }
  auto watched = resolve_mirror_accounts();
  if (watched.empty()) {
    spdlog::warn("no mirror account resolved; not following the firehose");
    return;
  }
  filter_ = std::make_unique<atproto::WatchFilter>(std::move(watched), [this](std::string_view uri) {
    auto v = store_.get(Family::seen, "at/" + std::string(uri));
    return v.ok() && v->has_value();
  });
  atproto::FirehoseOptions options;
  options.service = *config_.atproto.stream.url;
  firehose_ = std::make_unique<atproto::FirehoseConsumer>(store_, events_, *filter_, metrics_,
                                                          OutboundPolicy{config_.allow_private_addresses}, options, now_us);
  firehose_->start();
}

void BlueskyService::stop() {
  if (firehose_) firehose_->stop();
}

}  // namespace causeway
