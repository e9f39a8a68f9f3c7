// JSON as `causeway convert` prints it: exactly the text nlohmann::json::dump(2) gives (keys in
// order, two-space indents, the same escapes, non-ASCII written as UTF-8), written straight into
// one string. nlohmann's serializer goes through a virtual output adapter byte by byte, which made
// printing a preview cost as much as converting it. Throws what dump(2) throws (a string that is
// not UTF-8: nlohmann::json::type_error 316). Thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace causeway {

std::string pretty_json(const nlohmann::json& value);

}  // namespace causeway
