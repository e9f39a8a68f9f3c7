#include "protocols/atproto/xrpc_error.h"

namespace causeway::atproto {

const char* to_string(XrpcError::Kind kind) {
  switch (kind) {
    case XrpcError::Kind::transport: return "transport";
    case XrpcError::Kind::timeout: return "timeout";
    case XrpcError::Kind::rate_limited: return "rate_limited";
    case XrpcError::Kind::auth: return "auth";
    case XrpcError::Kind::not_found: return "not_found";
    case XrpcError::Kind::invalid: return "invalid";
    case XrpcError::Kind::conflict: return "conflict";
    case XrpcError::Kind::server: return "server";
  }
  return "server";
}

std::string XrpcError::describe() const {
  std::string out = nsid;
  if (!detail.empty()) out += ": " + detail;
  if (http_status != 0) out += ": HTTP " + std::to_string(http_status);
  if (!error.empty()) out += (http_status != 0 ? " " : ": ") + error;
  if (!message.empty()) out += ": " + message;
  if (kind == Kind::rate_limited) out += " (retry in " + std::to_string(retry_after.count()) + " s)";
  return out;
}

}  // namespace causeway::atproto
