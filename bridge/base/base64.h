// Base64 (standard alphabet) through libsodium, for atproto's `$bytes` and HTTP signature headers.
#pragma once

#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway {

std::string base64_encode(std::string_view bytes, bool padded);
// Accepts input with or without '=' padding. Rejects any other character.
Result<std::string> base64_decode(std::string_view text);

}  // namespace causeway
