// Access to the shared test data in ../shared/fixtures (or $CAUSEWAY_FIXTURES). When it is absent,
// a test that needs it stops with a visible SKIPPED message and exit code 77, which CTest reports
// as "Skipped" (tests are registered with SKIP_RETURN_CODE 77).
#pragma once

#include <filesystem>
#include <string>

namespace causeway::testing {

// The path of `relative` inside the fixtures folder; skips the running test when it is missing.
std::filesystem::path fixture_path(const std::string& relative);

}  // namespace causeway::testing
