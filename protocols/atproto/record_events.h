// Turns one firehose op into the canonical Event: posts and replies with their text, facets
// (UTF-8 byte ranges), languages, self-labels and images; likes, reposts and follows with their
// subject; deletes with the record they remove.
#pragma once

#include <optional>
#include <string>

#include "bridge/event.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::atproto {

// nullopt for collections the bridge does not carry.
std::optional<Event> event_from_op(const std::string& repo, const RepoOp& op);

// Microseconds since the epoch of an atproto datetime, or 0 when it is not one.
std::int64_t parse_datetime_us(const std::string& text);

}  // namespace causeway::atproto
