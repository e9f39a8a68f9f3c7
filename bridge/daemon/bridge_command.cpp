#include "bridge/daemon/bridge_command.h"

#include <httplib.h>

#include <iostream>
#include <map>

#include "bridge/base/clock.h"
#include "bridge/daemon/admin_client.h"
#include "bridge/daemon/admin_token.h"
#include "bridge/daemon/remote_group_state.h"
#include "bridge/decisions.h"
#include "bridge/event_log.h"
#include "bridge/moderation.h"
#include "bridge/reply_controls.h"

namespace causeway {
namespace {

using nlohmann::json;

json decisions_json(const std::vector<Decision>& list) {
  json out = json::array();
  for (const auto& d : list)
    out.push_back({{"bridge", d.bridge},
                   {"outcome", to_string(d.outcome)},
                   {"reason", d.reason},
                   {"copy", d.copy},
                   {"event", d.event_id},
                   {"at_us", d.at_us},
                   {"text", d.describe()}});
  return out;
}

json status_json(const Config& config, Store& store, DeliveryQueue& queue,
                 const std::function<bool(const std::string&)>& failing,
                 const std::function<std::optional<std::string>(const std::string&)>& mirror_did) {
  std::map<std::string, std::pair<int, int>> jobs;  // bridge -> (waiting, retrying)
  std::map<std::string, int> held;                  // bridge -> jobs whose item waits (e.g. for a group's Accept)
  int total = 0;
  EventLog events(store);
  Decisions decisions(store);
  (void)store.scan(Family::queue, "", [&](std::string_view, std::string_view value) {
    ++total;
    if (auto job = decode_job(value); job && job->kind.rfind("bridge.", 0) == 0)
      if (auto bj = decode_bridge_job(job->payload)) {
        auto& [waiting, retrying] = jobs[bj->bridge];
        ++waiting;
        if (job->attempt > 0) ++retrying;
        if (auto e = events.get(bj->event_id); e.ok() && e->has_value())
          if (auto about = decisions.about((*e)->origin.activity_id); about.ok() && !about->empty() &&
                                                                        about->back().outcome == Outcome::held)
            ++held[bj->bridge];
      }
    return true;
  });
  std::map<std::string, int> dead;
  int dead_total = 0;
  if (auto list = queue.dead_jobs(100000))
    for (const auto& job : *list) {
      ++dead_total;
      if (auto bj = decode_bridge_job(job.payload)) ++dead[bj->bridge];
    }
  json bridges = json::array();
  for (const auto& b : config.bridges) {
    json j{{"name", b.name},
           {"fediverse", b.fediverse.host ? "hosted group @" + b.fediverse.host->name : *b.fediverse.group},
           {"bluesky", b.bluesky ? b.bluesky->handle : ""},
           {"queued", jobs[b.name].first},
           {"retrying", jobs[b.name].second},
           {"dead", dead[b.name]},
           {"held", held[b.name]}};
    if (b.fediverse.group) {
      RemoteGroupState g = remote_group_state(store, b.name);
      j["group"] = {{"id", g.id}, {"kind", g.kind}, {"locked", g.locked}, {"follow", g.follow}};
    }
    if (failing) j["failing"] = failing(b.name);
    if (mirror_did)
      if (auto did = mirror_did(b.name)) j["mirror_did"] = *did;
    if (auto last = store.get(Family::meta, "bridge-last/" + b.name); last.ok() && last->has_value()) {
      auto l = json::parse(**last, nullptr, false);
      if (l.is_object()) j["last_event"] = l;
    }
    bridges.push_back(j);
  }
  return {{"bridges", bridges}, {"queue", total}, {"dead", dead_total}};
}

void print_status(const json& s) {
  std::cout << "queue: " << s.value("queue", 0) << " job(s) waiting, " << s.value("dead", 0) << " dead\n";
  for (const auto& b : s["bridges"]) {
    std::string state = !b.contains("failing") ? "store only (daemon not running)"
                        : b["failing"].get<bool>() ? "FAILING (the mirror account cannot log in)"
                                                   : "ok";
    std::cout << "bridge " << b.value("name", "") << ": " << state << "\n"
              << "  fediverse: " << b.value("fediverse", "") << "\n"
              << "  bluesky:   " << b.value("bluesky", "") << (b.contains("mirror_did") ? " (" + b["mirror_did"].get<std::string>() + ")" : "")
              << "\n"
              << "  jobs:      " << b.value("queued", 0) << " queued (" << b.value("retrying", 0) << " retrying), "
              << b.value("dead", 0) << " dead" << (b.value("held", 0) ? ", " + std::to_string(b.value("held", 0)) + " waiting (causeway why)" : "")
              << "\n";
    if (b.contains("group")) {
      const json& g = b["group"];
      std::string follow = g.value("follow", "");
      std::cout << "  group:     " << (g.value("id", "").empty() ? "not resolved yet" : g.value("id", "") + " (" + g.value("kind", "") +
                                                                                       (g.value("locked", false) ? ", locked" : "") + ")")
                << ", follow " << (follow == "pending" ? "PENDING (waiting for the group's moderators to approve)"
                                   : follow == "rejected" ? "REJECTED by the group"
                                                          : follow)
                << "\n";
    }
    if (b.contains("last_event")) {
      const json& l = b["last_event"];
      std::cout << "  last:      " << iso8601_utc(l.value("at_us", std::int64_t{0})) << " " << l.value("from", "") << " "
                << l.value("kind", "") << " " << l.value("id", "") << " (" << l.value("outcome", "") << ")\n";
    } else {
      std::cout << "  last:      no event yet\n";
    }
  }
}

// Leaves the operator's verdict on each held item, so `why` tells it.
void record_verdict(Store& store, WriteBatch& batch, const std::string& bridge, const std::vector<std::string>& event_ids,
                    bool approved) {
  EventLog events(store);
  Decisions decisions(store);
  for (const auto& id : event_ids) {
    auto e = events.get(id);
    if (!e.ok() || !e->has_value()) continue;
    decisions.record(batch, Decision{(*e)->origin.activity_id, bridge, approved ? Outcome::queued : Outcome::not_bridged,
                                     approved ? "approved by an operator" : "the author was denied by an operator", "",
                                     id, now_us()});
  }
}

const BridgeConfig* bridge_named(const Config& config, const std::string& name) {
  for (const auto& b : config.bridges)
    if (b.name == name) return &b;
  return nullptr;
}

struct VerdictApplied {
  std::vector<std::string> held_events;  // queued (approved) or dropped (denied)
  VerdictControls controls;              // what it set going on Bluesky (the list, hidden replies)
};

// The operator's verdict on `did` and everything it sets going, in one batch: the held items
// queued or dropped (each with its decision), and the account put on or taken off the approved
// list on Bluesky, its replies brought over hidden when denied.
Result<VerdictApplied> apply_verdict(Store& store, DeliveryQueue& queue, const Moderation& moderation,
                                     const BridgeConfig& bridge, const std::string& did, bool approve) {
  WriteBatch batch = store.batch();
  auto events = approve ? moderation.approve(batch, queue, bridge.name, did) : moderation.deny(batch, bridge.name, did);
  if (!events) return Error{events.error()};
  record_verdict(store, batch, bridge.name, *events, approve);
  auto controls = queue_verdict_controls(batch, store, queue, bridge, did, approve ? Verdict::approved : Verdict::denied,
                                         now_us());
  if (!controls) return Error{controls.error()};
  if (Status s = store.write(batch); !s.ok()) return Error{s.error()};
  return VerdictApplied{std::move(*events), *controls};
}

json verdict_json(const VerdictApplied& v) {
  return {{"ok", true},
          {"items", v.held_events.size()},
          {"listed", v.controls.listed},
          {"hidden", v.controls.hidden},
          {"more_left", v.controls.more_left}};
}

// "approved did:plc:x (2 held items queued; put on the approved list)".
std::string verdict_line(bool approve, const std::string& did, const json& v) {
  std::size_t n = v.value("items", std::size_t{0}), hidden = v.value("hidden", std::size_t{0});
  std::string line = std::string(approve ? "approved " : "denied ") + did + " (" + std::to_string(n) + " held item" +
                     (n == 1 ? "" : "s") + (approve ? " queued" : " dropped");
  if (v.value("listed", false)) line += approve ? "; put on the approved list" : "; taken off the approved list";
  if (hidden > 0)
    line += "; " + std::to_string(hidden) + " repl" + (hidden == 1 ? "y" : "ies") + " already brought over to be hidden on Bluesky";
  if (v.value("more_left", false)) line += " (more are left: run deny again to hide the next ones)";
  return line + ")";
}

int fail(const char* command, const std::string& error) {
  std::cerr << "causeway " << command << ": " << error << '\n';
  return kExitFailed;
}

}  // namespace

const char* const kWhyUsage =
    "Usage: causeway why --config FILE [--data DIR] [--json] ID\n"
    "\n"
    "Says what the bridge did with a native id and why: an ActivityPub activity or object id, or an\n"
    "at:// URI. One line per decision, oldest first, e.g.\n"
    "  2026-11-22T05:05:16Z townhall: queued for delivery: post\n"
    "  2026-11-22T05:05:16Z townhall: bridged as at://did:plc:.../app.bsky.feed.post/3k...\n"
    "  2026-11-22T05:06:02Z townhall: not bridged: followers-only\n"
    "Works against a running daemon (through its admin endpoint) or directly on a stopped one's store.\n"
    "\n"
    "Exit codes: 0 found, 1 nothing known about ID (or the daemon is unreachable), 2 usage error.\n";

int run_why(const ParsedArgs& args) {
  auto config = load_admin_config(args, "why");
  if (!config) return kExitUsage;
  const std::string& id = args.positional[0];
  json list;
  auto store = open_store_for_admin(*config);
  if (auto* open = std::get_if<std::unique_ptr<Store>>(&store)) {
    auto found = Decisions(**open).about(id);
    if (!found) return fail("why", found.error());
    list = decisions_json(*found);
  } else if (std::holds_alternative<DaemonRunning>(store)) {
    AdminReply reply = admin_call(*config, "/admin/why?id=" + httplib::detail::encode_query_param(id));
    if (!reply.ok) return fail("why", reply.error);
    list = reply.body;
  } else {
    return fail("why", std::get<std::string>(store));
  }
  if (args.option("json")) {
    std::cout << list.dump(2) << '\n';
    return list.empty() ? kExitFailed : kExitOk;
  }
  if (list.empty()) {
    std::cout << id << ": nothing known (never received, or not about any bridge)\n";
    return kExitFailed;
  }
  for (const auto& d : list)
    std::cout << iso8601_utc(d.value("at_us", std::int64_t{0})) << " " << (d.value("bridge", "").empty() ? "-" : d.value("bridge", ""))
              << ": " << d.value("text", "") << '\n';
  return kExitOk;
}

const char* const kStatusUsage =
    "Usage: causeway status --config FILE [--data DIR] [--json]\n"
    "\n"
    "Shows each bridge: its two sides, whether its mirror account is failing to log in, its jobs\n"
    "(queued, retrying, dead) and the last event routed for it; and the whole queue's depth.\n"
    "Works against a running daemon (through its admin endpoint) or directly on a stopped one's store\n"
    "(then without the live failing state).\n"
    "\n"
    "Exit codes: 0 done, 1 failed (daemon unreachable), 2 usage error.\n";

int run_status(const ParsedArgs& args) {
  auto config = load_admin_config(args, "status");
  if (!config) return kExitUsage;
  json s;
  auto store = open_store_for_admin(*config);
  if (auto* open = std::get_if<std::unique_ptr<Store>>(&store)) {
    DeliveryQueue queue(**open, now_us);
    s = status_json(*config, **open, queue, nullptr, nullptr);
  } else if (std::holds_alternative<DaemonRunning>(store)) {
    AdminReply reply = admin_call(*config, "/admin/status");
    if (!reply.ok) return fail("status", reply.error);
    s = reply.body;
  } else {
    return fail("status", std::get<std::string>(store));
  }
  if (args.option("json")) std::cout << s.dump(2) << '\n';
  else print_status(s);
  return kExitOk;
}

int run_bluesky_members(const ParsedArgs& args, const Config& config) {
  const std::string& action = args.positional[0];
  const std::string& bridge = *args.option("bridge");
  const BridgeConfig* configured = bridge_named(config, bridge);
  if (!configured) return fail("members", "no bridge named \"" + bridge + "\" in the config");
  std::vector<std::string> dids(args.positional.begin() + 1, args.positional.end());
  auto store = open_store_for_admin(config);
  if (auto* open = std::get_if<std::unique_ptr<Store>>(&store)) {
    Moderation moderation(**open);
    if (action == "pending") {
      auto held = moderation.held(bridge);
      if (!held) return fail("members", held.error());
      for (const auto& h : *held) std::cout << h.did << "\t" << h.event_ids.size() << " held\n";
      return kExitOk;
    }
    DeliveryQueue queue(**open, now_us);
    for (const auto& did : dids) {
      auto applied = apply_verdict(**open, queue, moderation, *configured, did, action == "approve");
      if (!applied) return fail("members", applied.error());
      std::cout << verdict_line(action == "approve", did, verdict_json(*applied)) << '\n';
    }
    return kExitOk;
  }
  if (!std::holds_alternative<DaemonRunning>(store)) return fail("members", std::get<std::string>(store));
  if (action == "pending") {
    AdminReply reply = admin_call(config, "/admin/bluesky-members?bridge=" + bridge);
    if (!reply.ok) return fail("members", reply.error);
    for (const auto& h : reply.body) std::cout << h.value("did", "") << "\t" << h.value("held", 0) << " held\n";
    return kExitOk;
  }
  for (const auto& did : dids) {
    AdminReply reply = admin_call(config, "/admin/bluesky-members/" + action, {{"bridge", bridge}, {"did", did}});
    if (!reply.ok) return fail("members", reply.error);
    std::cout << verdict_line(action == "approve", did, reply.body) << '\n';
  }
  return kExitOk;
}

void install_bridge_routes(HttpServer& server, const Config& config, Router& router, DeliveryQueue& queue, Store& store,
                           std::string token) {
  auto error = [](ServerResponse& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(json{{"error", message}}.dump(), "application/json");
  };
  server.get("/admin/why", [&router, token, error](const ServerRequest& req, ServerResponse& res) {
    if (!admin_request_allowed(req, res, token)) return;
    auto found = router.decisions().about(req.param("id"));
    if (!found) return error(res, 500, found.error());
    res.set_content(decisions_json(*found).dump(), "application/json");
  });
  server.get("/admin/bluesky-members", [&router, token, error](const ServerRequest& req, ServerResponse& res) {
    if (!admin_request_allowed(req, res, token)) return;
    auto held = router.moderation().held(req.param("bridge"));
    if (!held) return error(res, 500, held.error());
    json out = json::array();
    for (const auto& h : *held) out.push_back({{"did", h.did}, {"held", h.event_ids.size()}});
    res.set_content(out.dump(), "application/json");
  });
  server.post(R"(/admin/bluesky-members/(approve|deny))",
                       [&config, &router, &queue, &store, token, error](const ServerRequest& req, ServerResponse& res) {
                         if (!admin_request_allowed(req, res, token)) return;
                         const BridgeConfig* bridge = bridge_named(config, req.param("bridge"));
                         if (!bridge) return error(res, 400, "no bridge named \"" + req.param("bridge") + "\"");
                         auto applied = apply_verdict(store, queue, router.moderation(), *bridge, req.param("did"),
                                                      req.matches[1] == "approve");
                         if (!applied) return error(res, 400, applied.error());
                         res.set_content(verdict_json(*applied).dump(), "application/json");
                       });
}

void install_status_routes(HttpServer& server, StatusContext c) {
  server.get("/admin/status", [c](const ServerRequest& req, ServerResponse& res) {
    if (!admin_request_allowed(req, res, c.token)) return;
    json s = status_json(c.config, c.store, c.queue, c.failing,
                         [&router = c.router](const std::string& b) { return router.mirror_did(b); });
    res.set_content(s.dump(), "application/json");
  });
}

}  // namespace causeway
