#include "protocols/activitypub/markdown_text.h"

#include <cstdlib>
#include <memory>

#include <cmark.h>

#include "bridge/base/utf8.h"

namespace causeway::activitypub {

std::string markdown_to_html(std::string_view markdown, std::size_t max_input) {
  markdown = utf8_prefix(markdown, max_input);
  // Soft line breaks are kept as <br>: plain-text habits in markdown fields (PeerTube descriptions
  // are written line by line) would otherwise run the lines together.
  std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_HARDBREAKS), &std::free);
  return html ? std::string(html.get()) : std::string();
}

}  // namespace causeway::activitypub
