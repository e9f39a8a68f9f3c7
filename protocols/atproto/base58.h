// Base58btc (the bitcoin alphabet), the encoding behind multibase 'z' in did:key and
// publicKeyMultibase. Both directions are quadratic in the length, which is why decoding refuses
// text longer than any key atproto uses (kBase58MaxTextLength).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway::atproto {

// An uncompressed key with its multicodec prefix (67 bytes) is about 92 characters.
inline constexpr std::size_t kBase58MaxTextLength = 256;

// Each leading zero byte becomes a '1'.
std::string base58_encode(std::string_view bytes);
// Rejects characters outside the alphabet (0, O, I, l, whitespace, ...) and text longer than
// kBase58MaxTextLength; the message names the offending character and its offset.
Result<std::string> base58_decode(std::string_view text);

}  // namespace causeway::atproto
