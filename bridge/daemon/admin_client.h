// How admin commands (`causeway members`, `causeway queue`) reach the store: directly when no
// daemon holds it, otherwise through the running daemon's admin listener (server.admin_listen)
// with its admin token.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "bridge/daemon/cli.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

struct DaemonRunning {};  // the store is locked by a running daemon: use admin_call

// The store, or DaemonRunning, or an error message (printed by the caller).
std::variant<std::unique_ptr<Store>, DaemonRunning, std::string> open_store_for_admin(const Config& config);

struct AdminReply {
  bool ok = false;
  nlohmann::json body;  // the daemon's JSON answer
  std::string error;    // why it failed, for the operator
};

// GET (no params) or POST (form params) to the running daemon's admin endpoint `path`.
AdminReply admin_call(const Config& config, const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& post_params = {});

// Loads --config and applies --data, printing errors; nullopt means exit with kExitUsage.
std::optional<Config> load_admin_config(const ParsedArgs& args, const char* command);

}  // namespace causeway
