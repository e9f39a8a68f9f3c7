#include "bridge/daemon/members_command.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include "bridge/daemon/admin_client.h"
#include "bridge/daemon/admin_token.h"
#include "bridge/daemon/bridge_command.h"
#include "bridge/daemon/fediverse_service.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

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
  AdminReply reply = action == "pending" ? admin_call(config, "/admin/members?group=" + group)
                                         : admin_call(config, "/admin/members/" + action, {{"group", group}, {"actor", actor}});
  if (!reply.ok) {
    std::cerr << "causeway members: " << reply.error << '\n';
    return kExitFailed;
  }
  if (action == "pending") {
    for (const auto& r : reply.body) std::cout << r.value("actor", "") << '\n';
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
    "\n"
    "Usage: causeway members pending --config FILE --bridge NAME [--data DIR]\n"
    "       causeway members approve --config FILE --bridge NAME [--data DIR] DID...\n"
    "       causeway members deny    --config FILE --bridge NAME [--data DIR] DID...\n"
    "\n"
    "With members.bluesky_posting: approved, replies and mentions from Bluesky accounts the operator\n"
    "has not approved yet are held.\n"
    "  pending  lists the accounts waiting, with how many items each has held\n"
    "  approve  lets DID post into the group from now on; its held items are delivered, and with\n"
    "           members.bluesky_threadgate it is put on the mirror account's approved list (who may\n"
    "           reply under the group's posts on Bluesky)\n"
    "  deny     refuses DID from now on; its held items are dropped (`causeway why` says so), it is\n"
    "           taken off the approved list, and its replies already in the group are hidden under\n"
    "           the group's posts on Bluesky\n"
    "\n"
    "Exit codes: 0 done, 1 failed (no such group or request, daemon unreachable), 2 usage error.\n";

int run_members(const ParsedArgs& args) {
  const std::string& action = args.positional[0];
  if (action != "pending" && action != "approve" && action != "deny") {
    std::cerr << "causeway members: unknown ACTION \"" << action << "\"; one of pending, approve, deny\n\n" << kMembersUsage;
    return kExitUsage;
  }
  if ((args.option("group") != nullptr) == (args.option("bridge") != nullptr)) {
    std::cerr << "causeway members: give exactly one of --group (follow requests to a hosted group) or --bridge "
                 "(Bluesky accounts)\n\n"
              << kMembersUsage;
    return kExitUsage;
  }
  bool needs_actor = action != "pending";
  if (args.option("bridge")) {
    if (needs_actor == (args.positional.size() == 1)) {
      std::cerr << "causeway members " << action << ": " << (needs_actor ? "expected DIDs" : "takes no DID") << "\n\n"
                << kMembersUsage;
      return kExitUsage;
    }
    auto config = load_admin_config(args, "members");
    if (!config) return kExitUsage;
    return run_bluesky_members(args, *config);
  }
  if ((needs_actor && args.positional.size() != 2) || (!needs_actor && args.positional.size() != 1)) {
    std::cerr << "causeway members " << action << ": " << (needs_actor ? "expected one ACTOR" : "takes no ACTOR") << "\n\n"
              << kMembersUsage;
    return kExitUsage;
  }
  auto config = load_admin_config(args, "members");
  if (!config) return kExitUsage;
  std::string actor = needs_actor ? args.positional[1] : "";
  const std::string& group = *args.option("group");
  auto store = open_store_for_admin(*config);
  if (auto* open = std::get_if<std::unique_ptr<Store>>(&store)) return run_offline(*config, action, group, actor, **open);
  if (std::holds_alternative<DaemonRunning>(store)) return run_online(*config, action, group, actor);
  std::cerr << "causeway members: " << std::get<std::string>(store) << '\n';
  return kExitFailed;
}

void install_member_routes(HttpServer& server, GroupMembers& members, std::string token) {
  auto authorized = [token](const ServerRequest& req, ServerResponse& res) {
    return admin_request_allowed(req, res, token);
  };
  auto fail = [](ServerResponse& res, const std::string& error) {
    res.status = 400;
    res.set_content(json{{"error", error}}.dump(), "application/json");
  };
  server.get("/admin/members", [&members, authorized, fail](const ServerRequest& req, ServerResponse& res) {
    if (!authorized(req, res)) return;
    auto list = members.pending(req.param("group"));
    if (!list) return fail(res, list.error());
    res.set_content(pending_json(*list).dump(), "application/json");
  });
  server.post(R"(/admin/members/(approve|deny))",
                       [&members, authorized, fail](const ServerRequest& req, ServerResponse& res) {
                         if (!authorized(req, res)) return;
                         std::string group = req.param("group"), actor = req.param("actor");
                         Status s = req.matches[1] == "approve" ? members.approve(group, actor) : members.deny(group, actor);
                         if (!s.ok()) return fail(res, s.error());
                         res.set_content(R"({"ok":true})", "application/json");
                       });
}

}  // namespace causeway
