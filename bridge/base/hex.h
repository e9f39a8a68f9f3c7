// Hexadecimal digits as causeway reads them: "%XX" escapes in URLs and the fixed-width hex fields
// of its own store keys (event ids, decision times). Pure, header-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace causeway {

// The value of one hexadecimal digit (either case), or -1.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The number `text` spells in hex (at most 16 digits), or nullopt when it is empty, too long or
// holds anything else.
inline std::optional<std::uint64_t> parse_hex_u64(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    int d = hex_digit_value(c);
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return v;
}

}  // namespace causeway
