// Decoding of URL query strings and application/x-www-form-urlencoded bodies (`a=1&b=x%20y`).
// Pure functions; malformed escapes are kept as written rather than rejected.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace causeway {

// Percent-decodes `text`; with `plus_is_space` (form encoding) '+' becomes ' '.
std::string percent_decode(std::string_view text, bool plus_is_space);

// Appends each `name=value` pair of `text`, decoded, in order; a name without '=' gets "".
void append_query_params(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace causeway
