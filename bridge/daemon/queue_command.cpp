#include "bridge/daemon/queue_command.h"

#include <nlohmann/json.hpp>

#include <iostream>

#include "bridge/daemon/admin_client.h"
#include "bridge/daemon/admin_token.h"
#include "bridge/daemon/fediverse_service.h"

namespace causeway {
namespace {

using nlohmann::json;

json dead_json(const std::vector<Job>& jobs) {
  json out = json::array();
  for (const auto& j : jobs)
    out.push_back({{"id", j.id}, {"kind", j.kind}, {"target", j.target}, {"attempts", j.attempt}, {"last_error", j.last_error}});
  return out;
}

void print_dead(const json& jobs) {
  for (const auto& j : jobs)
    std::cout << j.value("id", "") << "\t" << j.value("attempts", 0) << " tries\t" << j.value("last_error", "") << '\n';
}

}  // namespace

const char* const kQueueUsage =
    "Usage: causeway queue dead  --config FILE [--data DIR]\n"
    "       causeway queue retry --config FILE [--data DIR] JOB...\n"
    "\n"
    "Deliveries that failed for good (refused, or about 16 tries over two days) wait in the dead-letter\n"
    "list.\n"
    "  dead   lists them: job id, tries, last error (one per line)\n"
    "  retry  queues the named jobs again, due now, with their tries reset\n"
    "Works against a running daemon (through its admin endpoint) or directly on a stopped one's store.\n"
    "\n"
    "Exit codes: 0 done, 1 failed (no such job, daemon unreachable), 2 usage error.\n";

int run_queue(const ParsedArgs& args) {
  const std::string& action = args.positional[0];
  if (action != "dead" && action != "retry") {
    std::cerr << "causeway queue: unknown ACTION \"" << action << "\"; one of dead, retry\n\n" << kQueueUsage;
    return kExitUsage;
  }
  std::vector<std::string> ids(args.positional.begin() + 1, args.positional.end());
  if ((action == "retry") == ids.empty()) {
    std::cerr << "causeway queue " << action << ": " << (ids.empty() ? "expected JOB ids" : "takes no JOB") << "\n\n"
              << kQueueUsage;
    return kExitUsage;
  }
  auto config = load_admin_config(args, "queue");
  if (!config) return kExitUsage;
  auto store = open_store_for_admin(*config);
  if (auto* error = std::get_if<std::string>(&store)) {
    std::cerr << "causeway queue: " << *error << '\n';
    return kExitFailed;
  }
  auto* open = std::get_if<std::unique_ptr<Store>>(&store);
  std::optional<DeliveryQueue> queue;
  if (open) queue.emplace(**open, now_us);
  if (action == "dead") {
    if (queue) {
      auto jobs = queue->dead_jobs();
      if (!jobs) {
        std::cerr << "causeway queue: " << jobs.error() << '\n';
        return kExitFailed;
      }
      print_dead(dead_json(*jobs));
      return kExitOk;
    }
    AdminReply reply = admin_call(*config, "/admin/queue/dead");
    if (!reply.ok) {
      std::cerr << "causeway queue: " << reply.error << '\n';
      return kExitFailed;
    }
    print_dead(reply.body);
    return kExitOk;
  }
  int exit_code = kExitOk;
  for (const auto& id : ids) {
    std::string error;
    if (queue) {
      Status s = queue->revive(id);
      if (!s.ok()) error = s.error();
    } else if (AdminReply reply = admin_call(*config, "/admin/queue/retry", {{"id", id}}); !reply.ok) {
      error = reply.error;
    }
    if (error.empty()) {
      std::cout << "queued again: " << id << '\n';
    } else {
      std::cerr << "causeway queue: " << error << '\n';
      exit_code = kExitFailed;
    }
  }
  return exit_code;
}

void install_queue_routes(HttpServer& server, DeliveryQueue& queue, std::string token) {
  server.get("/admin/queue/dead", [&queue, token](const ServerRequest& req, ServerResponse& res) {
    if (!admin_request_allowed(req, res, token)) return;
    auto jobs = queue.dead_jobs();
    if (!jobs) {
      res.status = 500;
      res.set_content(json{{"error", jobs.error()}}.dump(), "application/json");
      return;
    }
    res.set_content(dead_json(*jobs).dump(), "application/json");
  });
  server.post("/admin/queue/retry", [&queue, token](const ServerRequest& req, ServerResponse& res) {
    if (!admin_request_allowed(req, res, token)) return;
    Status s = queue.revive(req.param("id"));
    if (!s.ok()) {
      res.status = 400;
      res.set_content(json{{"error", s.error()}}.dump(), "application/json");
      return;
    }
    res.set_content(R"({"ok":true})", "application/json");
  });
}

}  // namespace causeway
