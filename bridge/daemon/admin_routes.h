// Operational endpoints. The public port answers only GET /healthz ("up", nothing about the host);
// the admin listener (server.admin_listen) answers GET /healthz with details and GET /metrics.
#pragma once

#include <chrono>

#include "bridge/base/metrics.h"
#include "protocols/net/http_server.h"
#include "storage/store.h"

namespace causeway {

struct AdminContext {
  Metrics& metrics;
  const Store& store;
  std::chrono::steady_clock::time_point started;
};

// GET /healthz on the public port, and request counting there.
void install_public_routes(HttpServer& server, Metrics& metrics);
// GET /healthz (version, uptime, store) and GET /metrics on the admin listener, with request
// counting; registers the daemon-wide gauges.
void install_admin_routes(HttpServer& server, AdminContext context);

}  // namespace causeway
