// Loads and validates a YAML config file against causeway's schema. Every problem becomes one line
// "FILE:LINE:COL: key.path: message" (line and column 1-based), all of them reported together.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"

namespace causeway {

struct ConfigLoadResult {
  std::optional<Config> config;  // set when `errors` is empty
  std::vector<std::string> errors;
};

// Relative paths in the file (storage.path, secrets.*, { file: PATH }) are resolved against
// `base_dir` (the daemon passes its working directory).
ConfigLoadResult load_config(const std::filesystem::path& file, const std::filesystem::path& base_dir);

// The same, from text already in memory; `file_label` is the name used in messages.
ConfigLoadResult load_config_text(const std::string& text, const std::string& file_label,
                                  const std::filesystem::path& base_dir);

}  // namespace causeway
