// The stable serialisation of Events as stored in the `events` family: JSON with sorted keys, empty
// fields omitted, and a format version `v`. Decoding rejects unknown versions and malformed values
// with a message instead of guessing, so a damaged record is reported, not half-read.
#pragma once

#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "bridge/event.h"

namespace causeway {

inline constexpr int kEventFormatVersion = 1;

std::string encode_event(const Event& event);
Result<Event> decode_event(std::string_view bytes);

}  // namespace causeway
