// A bridge's configuration as the options of the pure Bluesky renderer: the writer and
// `causeway convert` build them here, so a preview applies exactly what the bridge applies.
#pragma once

#include "config/config.h"
#include "protocols/atproto/post_render.h"

namespace causeway::atproto {

PostOptions post_options_for(const BridgeConfig& bridge);

}  // namespace causeway::atproto
