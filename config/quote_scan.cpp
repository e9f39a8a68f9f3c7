#include "config/quote_scan.h"

#include <string>
#include <vector>

namespace causeway {
namespace {

bool opens_scalar(char previous_significant) {
  switch (previous_significant) {
    case '\0': case ':': case '-': case '[': case '{': case ',': case '?': return true;
    default: return false;
  }
}

int indent_of(std::string_view line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[n] == ' ') ++n;
  return n;
}

// True when the line (without comment) ends with a block scalar indicator: "key: |", "- >-", ...
bool starts_block_scalar(std::string_view line) {
  auto hash = line.find(" #");
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
  size_t i = line.size();
  while (i > 0 && (line[i - 1] == '-' || line[i - 1] == '+' || (line[i - 1] >= '0' && line[i - 1] <= '9'))) --i;
  if (i == 0 || (line[i - 1] != '|' && line[i - 1] != '>')) return false;
  --i;
  while (i > 0 && line[i - 1] == ' ') --i;
  return i == 0 || line[i - 1] == ':' || line[i - 1] == '-';
}

}  // namespace

std::optional<TextPosition> find_unterminated_quote(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  char quote = 0;  // the quote we are inside, or 0
  TextPosition opened{0, 0};
  int block_indent = -1;  // inside a block scalar deeper than this indent
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string_view line = lines[n];
    if (quote == 0 && block_indent >= 0) {
      bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
      if (blank || indent_of(line) > block_indent) continue;
      block_indent = -1;
    }
    char previous = 0;  // last significant character on this line outside quotes
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quote == '"') {
        if (c == '\\') ++i;
        else if (c == '"') quote = 0, previous = '"';
        continue;
      }
      if (quote == '\'') {
        if (c == '\'' && i + 1 < line.size() && line[i + 1] == '\'') ++i;
        else if (c == '\'') quote = 0, previous = '\'';
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) break;
      if ((c == '"' || c == '\'') && opens_scalar(previous)) {
        quote = c;
        opened = {static_cast<int>(n) + 1, static_cast<int>(i) + 1};
        continue;
      }
      if (c != ' ' && c != '\t' && c != '\r') previous = c;
    }
    if (quote == 0 && starts_block_scalar(line)) block_indent = indent_of(line);
  }
  if (quote != 0) return opened;
  return std::nullopt;
}

}  // namespace causeway
