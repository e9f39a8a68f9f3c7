#include "tests/support/fixtures.h"

#include <cstdlib>
#include <iostream>

#include "tests/support/paths.h"

namespace causeway::testing {

std::filesystem::path fixture_path(const std::string& relative) {
  auto dir = fixtures_dir();
  if (dir && std::filesystem::exists(*dir / relative)) return *dir / relative;
  std::cerr << "SKIPPED: fixture " << relative << " not found (looked in "
            << (dir ? dir->string() : (source_dir() / ".." / "shared" / "fixtures").string())
            << "; set CAUSEWAY_FIXTURES to the shared fixtures folder)\n";
  std::exit(77);
}

}  // namespace causeway::testing
