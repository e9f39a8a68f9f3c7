// Small helpers integration tests share: free loopback ports, polling until something is true.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace causeway::testing {

// A port free right now, chosen by the kernel, so parallel test runs do not collide.
int free_port();

// Calls `condition` every `interval` until it returns true or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));

}  // namespace causeway::testing
