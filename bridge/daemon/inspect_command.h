// `causeway inspect`: an operator's look at AT Protocol data, in the spirit of Bluesky's `goat`.
#pragma once

#include "bridge/daemon/cli.h"

namespace causeway {

extern const char* const kInspectUsage;
inline const ArgSpec kInspectArgs{{"key", "did-doc"}, {"json"}, {}, {"WHAT", "ARGS..."}};

int run_inspect(const ParsedArgs& args);

}  // namespace causeway
