#include "bridge/daemon/members_command.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "bridge/daemon/admin_token.h"
#include "bridge/daemon/fediverse_service.h"
#include "config/config_loader.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

bool loopback(const std::string& address) { return address == "127.0.0.1" || address == "::1" || address.rfind("::ffff:127.", 0) == 0; }

json pending_json(const std::vector<ap::Follower>& requests) {
  json out = json::array();
  for (const auto& r : requests) out.push_back({{"actor", r.actor}, {"follow", r.follow_id}, {"since_us", r.since_us}});
  return out;
}

// Runs the action on the store directly (no daemon holds it).
int run_offline(const Config& config, const std::string& action, const std::string& group, const std::string& actor,
                Store& store) {
  ap::LocalActors actors = local_actors_from(config);
  DeliveryQueue queue(store, now_us);
  ap::SocialGraph social(store);
  ap::Outbox outbox(store, queue, actors, now_us);
  GroupMembers members(store, social, outbox, actors);
  if (action == "pending") {
    auto list = members.pending(group);
    if (!list) {
      std::cerr << "causeway members: " << list.error() << '\n';
      return kExitFailed;
    }
    for (const auto& r : *list) std::cout << r.actor << '\n';
    return kExitOk;
  }
  Status s = action == "approve" ? members.approve(group, actor) : members.deny(group, actor);
  if (!s.ok()) {
    std::cerr << "causeway members: " << s.error() << '\n';
    return kExitFailed;
  }
  std::cout << (action == "approve" ? "approved " : "denied ") << actor << " (the answer is sent when causeway runs)\n";
  return kExitOk;
}

int run_online(const Config& config, const std::string& action, const std::string& group, const std::string& actor) {
  auto token = read_admin_token(config.storage_path);
  if (!token) {
    std::cerr << "causeway members: " << token.error() << '\n';
    return kExitFailed;
  }
  httplib::Client client(config.server.listen.host, config.server.listen.port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Headers headers = {{"Authorization", "Bearer " + *token}};
  httplib::Result res = action == "pending"
                            ? client.Get(("/admin/members?group=" + group).c_str(), headers)
                            : client.Post(("/admin/members/" + action).c_str(), headers,
                                          httplib::Params{{"group", group}, {"actor", actor}});
  if (!res) {
    std::cerr << "causeway members: the store is in use but causeway does not answer at " << config.server.listen.to_string()
              << ": " << httplib::to_string(res.error()) << '\n';
    return kExitFailed;
  }
  json body = json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    std::cerr << "causeway members: " << (body.is_object() ? body.value("error", res->body) : res->body) << '\n';
    return kExitFailed;
  }
  if (action == "pending") {
    for (const auto& r : body) std::cout << r.value("actor", "") << '\n';
  } else {
    std::cout << (action == "approve" ? "approved " : "denied ") << actor << '\n';
  }
  return kExitOk;
}

}  // namespace

const char* const kMembersUsage =
    "Usage: causeway members pending --config FILE --group NAME [--data DIR]\n"
    "       causeway members approve --config FILE --group NAME [--data DIR] ACTOR\n"
    "       causeway members deny    --config FILE --group NAME [--data DIR] ACTOR\n"
    "\n"
    "Follow requests to a hosted group with manually_approves_members: true wait for the operator.\n"
    "  pending  lists the actors waiting (one actor id per line)\n"
    "  approve  makes ACTOR a member and sends them an Accept\n"
    "  deny     refuses ACTOR and sends them a Reject\n"
    "Works against a running daemon (through its admin endpoint) or directly on a stopped one's store.\n"
    "\n"
    "Exit codes: 0 done, 1 failed (no such group or request, daemon unreachable), 2 usage error.\n";

int run_members(const ParsedArgs& args) {
  const std::string& action = args.positional[0];
  if (action != "pending" && action != "approve" && action != "deny") {
    std::cerr << "causeway members: unknown ACTION \"" << action << "\"; one of pending, approve, deny\n\n" << kMembersUsage;
    return kExitUsage;
  }
  bool needs_actor = action != "pending";
  if ((needs_actor && args.positional.size() != 2) || (!needs_actor && args.positional.size() != 1)) {
    std::cerr << "causeway members " << action << ": " << (needs_actor ? "expected one ACTOR" : "takes no ACTOR") << "\n\n"
              << kMembersUsage;
    return kExitUsage;
  }
  auto loaded = load_config(*args.option("config"), std::filesystem::current_path());
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    return kExitUsage;
  }
  Config& config = *loaded.config;
  if (const auto* data = args.option("data")) config.storage_path = std::filesystem::absolute(*data).lexically_normal();
  std::string actor = needs_actor ? args.positional[1] : "";
  const std::string& group = *args.option("group");
  auto store = Store::open(config.storage_path);
  if (store) return run_offline(config, action, group, actor, **store);
  if (store.error().find("is locked") == std::string::npos) {
    std::cerr << "causeway members: " << store.error() << '\n';
    return kExitFailed;
  }
  return run_online(config, action, group, actor);
}

void install_member_routes(HttpServer& server, GroupMembers& members, std::string token) {
  auto authorized = [token](const httplib::Request& req, httplib::Response& res) {
    if (loopback(req.remote_addr) && req.get_header_value("Authorization") == "Bearer " + token) return true;
    res.status = 403;
    res.set_content(R"({"error":"admin endpoints are for local clients with the admin token"})", "application/json");
    return false;
  };
  auto fail = [](httplib::Response& res, const std::string& error) {
    res.status = 400;
    res.set_content(json{{"error", error}}.dump(), "application/json");
  };
  server.routes().Get("/admin/members", [&members, authorized, fail](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(req, res)) return;
    auto list = members.pending(req.get_param_value("group"));
    if (!list) return fail(res, list.error());
    res.set_content(pending_json(*list).dump(), "application/json");
  });
  server.routes().Post(R"(/admin/members/(approve|deny))",
                       [&members, authorized, fail](const httplib::Request& req, httplib::Response& res) {
                         if (!authorized(req, res)) return;
                         std::string group = req.get_param_value("group"), actor = req.get_param_value("actor");
                         Status s = req.matches[1] == "approve" ? members.approve(group, actor) : members.deny(group, actor);
                         if (!s.ok()) return fail(res, s.error());
                         res.set_content(R"({"ok":true})", "application/json");
                       });
}

}  // namespace causeway
