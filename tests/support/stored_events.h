// Every event an EventLog holds, in order: what the stream consumers' tests check against.
#pragma once

#include <vector>

#include <catch2/catch.hpp>

#include "bridge/event_log.h"

namespace causeway::testing {

inline std::vector<Event> stored_events(const EventLog& log) {
  std::vector<Event> out;
  REQUIRE(log.scan("", [&](const Event& e) {
    out.push_back(e);
    return true;
  }).ok());
  return out;
}

}  // namespace causeway::testing
