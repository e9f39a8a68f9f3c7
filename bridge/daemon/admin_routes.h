// Operational endpoints served by every causeway: GET /healthz and GET /metrics.
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

void install_admin_routes(HttpServer& server, AdminContext context);

}  // namespace causeway
