// `causeway queue`: the delivery jobs that gave up (the `dead` family), and sending them again.
#pragma once

#include <string>

#include "bridge/daemon/cli.h"
#include "bridge/delivery_queue.h"
#include "protocols/net/http_server.h"

namespace causeway {

extern const char* const kQueueUsage;
inline const ArgSpec kQueueArgs{{"config", "data"}, {}, {"config"}, {"ACTION", "JOB..."}};

int run_queue(const ParsedArgs& args);

// GET /admin/queue/dead, POST /admin/queue/retry (form: id); loopback with the admin token only.
void install_queue_routes(HttpServer& server, DeliveryQueue& queue, std::string token);

}  // namespace causeway
