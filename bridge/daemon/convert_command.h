// `causeway convert`: what the bridge would write for a post, without writing it. Reads an
// ActivityPub activity or object (--to bluesky) or an app.bsky.feed.post record (--to fediverse)
// and prints, as JSON, the records or the Note and activity the bridge would send, with the
// reasons for anything it leaves out. It runs the same pure converters the writers run, with the
// options of a configured bridge (--bridge NAME --config FILE) or the defaults. No network unless
// --fetch: then the author's profile, the images and a followed group's id are looked up through
// the outbound guard, as the daemon looks them up.
#pragma once

#include "bridge/daemon/cli.h"

namespace causeway {

extern const char* const kConvertUsage;
inline const ArgSpec kConvertArgs{{"to", "bridge", "config"}, {"fetch"}, {"to"}, {"FILE"}};

int run_convert(const ParsedArgs& args);

}  // namespace causeway
