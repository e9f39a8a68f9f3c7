// Where tests find the built binary, the source tree and the shared fixtures.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace causeway::testing {

inline std::filesystem::path causeway_binary() { return CAUSEWAY_BINARY; }
inline std::filesystem::path source_dir() { return CAUSEWAY_SOURCE_DIR; }

// ../shared/fixtures from the project root, or $CAUSEWAY_FIXTURES; nullopt when absent.
inline std::optional<std::filesystem::path> fixtures_dir() {
  const char* env = std::getenv("CAUSEWAY_FIXTURES");
  std::filesystem::path p = env && *env ? std::filesystem::path(env) : source_dir() / ".." / "shared" / "fixtures";
  if (!std::filesystem::is_directory(p)) return std::nullopt;
  return std::filesystem::canonical(p);
}

}  // namespace causeway::testing
