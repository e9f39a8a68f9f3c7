// Logging setup. Everything logs through spdlog to stderr, one line per event, either as text or as
// JSON lines (for log shippers). Call init_logging once at start; before that spdlog's default
// logger (text, info) is used.
#pragma once

#include <string>

namespace causeway {

enum class LogFormat { text, json };

// `level` is one of trace, debug, info, warn, error; unknown values are rejected by config first.
void init_logging(const std::string& level, LogFormat format);

}  // namespace causeway
