// CommonMark (AS2 `mediaType: text/markdown`: Lemmy's and PeerTube's sources) rendered to HTML
// with Debian's libcmark, so that markdown posts go through the one HTML -> text reading
// (html_text.h) and show the same structure as HTML posts. Raw HTML inside the markdown is not
// passed through (cmark's safe mode). Pure and thread-safe; never fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace causeway::activitypub {

inline constexpr std::size_t kMaxMarkdownInput = 256 * 1024;

// HTML for `markdown`; input over `max_input` bytes is cut there first (at a UTF-8 boundary).
std::string markdown_to_html(std::string_view markdown, std::size_t max_input = kMaxMarkdownInput);

}  // namespace causeway::activitypub
