#include "protocols/activitypub/html_parse_budget.h"

namespace causeway::activitypub {
namespace {

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct TagShape {
  std::size_t attributes = 0;
  bool fits = true;  // ended ('>' or end of input) within the byte bound
};

// Follows the HTML tokenizer's tag states (tag name, attribute name and value, quoted values,
// self-closing) from the '<' at `start`, the way it reads a real start tag there.
TagShape measure_tag(std::string_view html, std::size_t start, std::size_t max_bytes) {
  enum class State { name, before_attr, attr, after_attr, before_value, double_quoted, single_quoted, unquoted,
                     after_quoted, self_closing };
  TagShape shape;
  State state = State::name;
  auto end = html.size() - start > max_bytes ? start + max_bytes : html.size();
  for (auto i = start + 1; i < end; ++i) {
    char c = html[i];
    bool space = is_html_space(c);
    switch (state) {
      case State::name:
        if (c == '>') return shape;
        if (space) state = State::before_attr;
        else if (c == '/') state = State::self_closing;
        break;
      case State::self_closing:
        if (c == '>') return shape;
        state = State::before_attr;  // anything else is read again as before an attribute
        [[fallthrough]];
      case State::before_attr:
        if (c == '>') return shape;
        if (c == '/') state = State::self_closing;
        else if (!space) {
          ++shape.attributes;
          state = State::attr;
        }
        break;
      case State::attr:
        if (c == '>') return shape;
        if (space) state = State::after_attr;
        else if (c == '/') state = State::self_closing;
        else if (c == '=') state = State::before_value;
        break;
      case State::after_attr:
        if (c == '>') return shape;
        if (c == '/') state = State::self_closing;
        else if (c == '=') state = State::before_value;
        else if (!space) {
          ++shape.attributes;
          state = State::attr;
        }
        break;
      case State::before_value:
        if (c == '>') return shape;
        if (c == '"') state = State::double_quoted;
        else if (c == '\'') state = State::single_quoted;
        else if (!space) state = State::unquoted;
        break;
      case State::double_quoted:
        if (c == '"') state = State::after_quoted;
        break;
      case State::single_quoted:
        if (c == '\'') state = State::after_quoted;
        break;
      case State::unquoted:
        if (c == '>') return shape;
        if (space) state = State::before_attr;
        break;
      case State::after_quoted:
        if (c == '>') return shape;
        if (space) state = State::before_attr;
        else if (c == '/') state = State::self_closing;
        else {
          ++shape.attributes;  // a missing space between attributes is an error the parser forgives
          state = State::attr;
        }
        break;
    }
  }
  shape.fits = end == html.size();
  return shape;
}

}  // namespace

std::size_t html_prefix_within(std::string_view html, const HtmlParseBudget& budget) {
  std::size_t start_tags = 0;
  for (auto i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    if (i + 1 >= html.size() || !is_ascii_alpha(html[i + 1])) continue;
    if (++start_tags > budget.max_start_tags) return i;
    auto shape = measure_tag(html, i, budget.max_tag_bytes);
    if (!shape.fits || shape.attributes > budget.max_attributes) return i;
  }
  return html.size();
}

}  // namespace causeway::activitypub
