// Logging setup. Everything logs through spdlog to stderr, one line per event, either as text or as
// JSON lines (for log shippers). Call init_logging once at start; before that spdlog's default
// logger (text, info) is used.
//
// Messages carry remote input (activity ids, handles, error texts), so neither format lets a
// message break its line: the text format writes control characters (C0 and DEL) as \n, \r, \t or
// \xNN, the JSON format as JSON string escapes. A forged "\nFAKE LINE" stays inside its own line.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class formatter;
}

namespace causeway {

enum class LogFormat { text, json };

// `level` is one of trace, debug, info, warn, error; unknown values are rejected by config first.
void init_logging(const std::string& level, LogFormat format);

// The formatter init_logging installs, for sinks of its own (tests, other outputs).
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

}  // namespace causeway
