// UTF-8 byte-level helpers for text that must stay valid when it is measured or cut: display
// names, summaries, quoted remote input. Pure functions on bytes; no allocation, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace causeway {

// True at 0, at the end, and before any byte that does not continue a UTF-8 sequence.
inline bool is_utf8_boundary(std::string_view text, std::size_t offset) {
  if (offset == 0 || offset == text.size()) return true;
  if (offset > text.size()) return false;
  return (static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80;
}

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence, so a cut for length never makes valid text invalid (a PDS refuses invalid UTF-8).
// It cuts between code points, not graphemes: a combining mark may be left off its base.
// Input that is already invalid UTF-8 is cut at `max_bytes` once no boundary is near.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // A sequence is at most 4 bytes, so a boundary is at most 3 bytes back in valid text.
  for (int back = 0; back < 3 && cut > 0 && !is_utf8_boundary(text, cut); ++back) --cut;
  if (!is_utf8_boundary(text, cut)) cut = max_bytes;
  return text.substr(0, cut);
}

}  // namespace causeway
