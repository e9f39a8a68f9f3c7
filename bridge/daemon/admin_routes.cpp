#include "bridge/daemon/admin_routes.h"

#include <nlohmann/json.hpp>

#include "bridge/daemon/version.h"

namespace causeway {
namespace {

// Count every answered request by route and status; unknown paths share one label so the number
// of series stays bounded whatever clients send.
void count_requests(HttpServer& server, Metrics& metrics) {
  server.set_logger([&metrics](const ServerRequest& req, const ServerResponse& res) {
    std::string route = (req.path == "/healthz" || req.path == "/metrics") ? req.path : "other";
    metrics
        .counter("causeway_http_requests_total", "HTTP requests answered, by route and status.",
                 {{"route", route}, {"status", std::to_string(res.status)}})
        .inc();
  });
}

}  // namespace

void install_public_routes(HttpServer& server, Metrics& metrics) {
  // Behind a reverse proxy this port is the world's: it says that causeway is up, nothing more.
  server.get("/healthz", [](const ServerRequest&, ServerResponse& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  count_requests(server, metrics);
}

void install_admin_routes(HttpServer& server, AdminContext ctx) {
  ctx.metrics.gauge("causeway_build_info", "Version and commit of this causeway build.", [] { return 1.0; },
                    {{"version", kVersion}, {"commit", kGitCommit}});
  ctx.metrics.gauge("causeway_uptime_seconds", "Seconds since the daemon started.", [started = ctx.started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
  ctx.metrics.gauge("causeway_events_stored", "Events in the store (RocksDB estimate).",
                    [&store = ctx.store] { return static_cast<double>(store.estimate_keys(Family::events)); });

  server.get("/healthz", [ctx](const ServerRequest&, ServerResponse& res) {
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - ctx.started);
    nlohmann::json body = {{"status", "ok"},
                           {"version", kVersion},
                           {"uptime_seconds", uptime.count()},
                           {"store", {{"path", ctx.store.path().string()}, {"schema_version", ctx.store.schema_version()}}}};
    res.set_content(body.dump(), "application/json");
  });
  server.get("/metrics", [ctx](const ServerRequest&, ServerResponse& res) {
    res.set_content(ctx.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  count_requests(server, ctx.metrics);
}

}  // namespace causeway
