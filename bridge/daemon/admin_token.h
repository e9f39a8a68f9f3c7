// The admin API of a running daemon (used by `causeway members`) is served on its own listener
// (server.admin_listen: loopback or a unix socket) and open only to clients holding the token the
// daemon writes, mode 0600, into its storage directory at start.
#pragma once

#include <filesystem>
#include <string>

#include "bridge/base/result.h"
#include "protocols/net/http_server.h"

namespace causeway {

std::filesystem::path admin_token_path(const std::filesystem::path& storage_path);
// Creates a fresh random token file (replacing an old one) and returns the token.
Result<std::string> create_admin_token(const std::filesystem::path& storage_path);
Result<std::string> read_admin_token(const std::filesystem::path& storage_path);

// For admin route handlers: true when the request comes from loopback or the unix socket with the
// token (compared in constant time); otherwise answers 403 and returns false.
bool admin_request_allowed(const ServerRequest& request, ServerResponse& response, const std::string& token);

}  // namespace causeway
