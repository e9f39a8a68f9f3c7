// Reads a secret named by the config (an environment variable or a file) when it is needed, so
// it never sits in the Config itself nor in any log line.
#pragma once

#include <string>

#include "bridge/base/result.h"
#include "config/config.h"

namespace causeway {

// The secret's value with surrounding whitespace trimmed, or an error naming where it was looked
// for (never the value).
Result<std::string> read_secret(const SecretRef& ref);

}  // namespace causeway
