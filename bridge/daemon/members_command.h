// `causeway members`: the operator's approvals for hosted groups that vet their members, and the
// daemon's admin endpoints behind it.
#pragma once

#include <string>

#include "bridge/daemon/cli.h"
#include "bridge/daemon/members.h"
#include "protocols/net/http_server.h"

namespace causeway {

extern const char* const kMembersUsage;
inline const ArgSpec kMembersArgs{{"config", "data", "group", "bridge"}, {}, {"config"}, {"ACTION", "ACTOR..."}};

int run_members(const ParsedArgs& args);

// GET /admin/members?group=G, POST /admin/members/{approve,deny} (form: group, actor); loopback
// clients with `Authorization: Bearer <token>` only.
void install_member_routes(HttpServer& server, GroupMembers& members, std::string token);

}  // namespace causeway
