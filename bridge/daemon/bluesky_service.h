// Wires the AT Protocol adapter into the daemon: resolves the mirror accounts of the configured
// bridges and follows the network stream (atproto.stream) for everything that touches them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <unordered_set>

#include "bridge/base/metrics.h"
#include "bridge/event_log.h"
#include "config/config.h"
#include "protocols/atproto/firehose_consumer.h"
#include "protocols/atproto/identity_resolver.h"
#include "protocols/atproto/jetstream_consumer.h"
#include "protocols/atproto/watch_filter.h"
#include "protocols/net/http_client.h"
#include "storage/store.h"

namespace causeway {

class BlueskyService {
 public:
  BlueskyService(const Config& config, Store& store, EventLog& events, Metrics& metrics);
  ~BlueskyService();

  // Called for each bridge's mirror account once its DID is known, before the stream starts.
  void on_mirror_resolved(std::function<void(const std::string& bridge, const std::string& did)> f) {
    on_mirror_resolved_ = std::move(f);
  }
  void start();
  void stop();

  // Resolves any DID or handle (for bridged actors), through the first bridge's PDS for handles.
  atproto::IdentityResolver& identities();

 private:
  std::unordered_set<std::string> resolve_mirror_accounts();
  atproto::IdentityResolver& resolver_for(const BridgeConfig& bridge);

  const Config& config_;
  Store& store_;
  Metrics& metrics_;
  HttpClient http_;
  EventLog& events_;
  std::map<std::string, std::unique_ptr<atproto::IdentityResolver>> resolvers_;  // by PDS origin
  std::unique_ptr<atproto::WatchFilter> filter_;
  std::unique_ptr<atproto::FirehoseConsumer> firehose_;
  std::unique_ptr<atproto::JetstreamConsumer> jetstream_;
  std::unique_ptr<atproto::IdentityResolver> identities_;
  std::function<void(const std::string&, const std::string&)> on_mirror_resolved_;
};

}  // namespace causeway
