// yaml-cpp 0.7 accepts a quoted string left open at the end of the file (it silently takes the rest
// of the file as the value). This scan finds such a string so the loader can reject it.
#pragma once

#include <optional>
#include <string_view>

namespace causeway {

struct TextPosition {
  int line;    // 1-based
  int column;  // 1-based
};

// Position of the opening quote of a quoted scalar that is never closed, if any. Understands
// comments, plain scalars with quotes inside (it's) and literal/folded block scalars.
std::optional<TextPosition> find_unterminated_quote(std::string_view text);

}  // namespace causeway
