// The operator's view of the bridges: `causeway why ID` (every decision about a native id),
// `causeway status` (bridges, queue, failures, last event), and the Bluesky side of
// `causeway members --bridge` (accounts held under members.bluesky_posting: approved). Each works
// on a stopped store directly or through the running daemon's loopback admin endpoints.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/daemon/cli.h"
#include "bridge/delivery_queue.h"
#include "bridge/router.h"
#include "config/config.h"
#include "protocols/net/http_server.h"
#include "storage/store.h"

namespace causeway {

extern const char* const kWhyUsage;
inline const ArgSpec kWhyArgs{{"config", "data"}, {"json"}, {"config"}, {"ID"}};
int run_why(const ParsedArgs& args);

extern const char* const kStatusUsage;
inline const ArgSpec kStatusArgs{{"config", "data"}, {"json"}, {"config"}, {}};
int run_status(const ParsedArgs& args);

// `causeway members pending|approve|deny --bridge NAME [DID]`.
int run_bluesky_members(const ParsedArgs& args, const Config& config);

// GET /admin/why?id=, GET /admin/bluesky-members?bridge=, POST /admin/bluesky-members/{approve,deny}.
void install_bridge_routes(HttpServer& server, const Config& config, Router& router, DeliveryQueue& queue, Store& store,
                           std::string token);

struct StatusContext {
  const Config& config;
  Store& store;
  DeliveryQueue& queue;
  Router& router;
  std::function<bool(const std::string& bridge)> failing;
  std::string token;
};
// GET /admin/status.
void install_status_routes(HttpServer& server, StatusContext context);

}  // namespace causeway
