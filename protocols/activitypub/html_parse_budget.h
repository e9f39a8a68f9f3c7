// How much of a remote HTML document is worth parsing. Gumbo's tree building is quadratic in some
// shapes of input: nesting (each start tag looks through the open elements), attributes of one tag
// (each is compared with those before it), text foster-parented out of tables. 256 KiB shaped like
// that takes seconds; within these bounds any input parses in milliseconds, and real posts stay far
// below them.
#pragma once

#include <cstddef>
#include <string_view>

namespace causeway::activitypub {

struct HtmlParseBudget {
  std::size_t max_start_tags = 4096;
  std::size_t max_attributes = 256;       // in one tag
  std::size_t max_tag_bytes = 16 * 1024;  // one tag, from '<' to its '>'
};

// The length of the longest prefix of `html` within the budget: it ends before the first start tag
// that goes over a bound. Every '<' followed by a letter counts as a start tag wherever it is (in
// text, comments or attribute values too) and each is measured as if it were one, so no input can
// hide a start tag from the count; the price is that odd but harmless input may be cut early.
// Each candidate is scanned for at most max_tag_bytes, so the cost is bounded whatever the input.
std::size_t html_prefix_within(std::string_view html, const HtmlParseBudget& budget = {});

}  // namespace causeway::activitypub
