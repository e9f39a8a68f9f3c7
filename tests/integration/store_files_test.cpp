// Data at rest, against a real daemon: the store directory and everything in it, the master key
// and the admin token are for the daemon's user alone, whatever umask it was started with.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "tests/support/causeway_daemon.h"

using namespace causeway::testing;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return 07777;
  return st.st_mode & 0777;
}

// Every path under `dir` that group or others may read, write or enter, with its mode.
std::vector<std::string> open_to_others(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (mode_of(entry.path()) & 077)
      found.push_back(entry.path().filename().string() + " " + std::to_string(mode_of(entry.path())));
  return found;
}

const char* kHostedGroup = R"(
  - name: townhall
    fediverse: { host: { name: townhall, display_name: "Town Hall" } }
)";

}  // namespace

TEST_CASE("the store directory is 0700 and no file in it, nor the master key, is readable by others", "[store]") {
  mode_t old_mask = ::umask(022);  // the daemon inherits a permissive umask, as from many service managers
  CausewayDaemon causeway(kHostedGroup);
  ::umask(old_mask);
  fs::path data = causeway.dir() / "data";
  REQUIRE(causeway.stop() == 0);  // closed, so RocksDB's files are all written

  CHECK(mode_of(data) == 0700);
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data)) files += entry.is_regular_file();
  CHECK(files >= 5);  // CURRENT, MANIFEST-*, OPTIONS-*, LOG, the WAL, admin.token ...
  CHECK(open_to_others(data).empty());
  CHECK(mode_of(data / "admin.token") == 0600);
  CHECK(mode_of(causeway.dir() / "master.key") == 0600);

  // A store found open to others (restored from a backup, an old version) is closed up, with a warning.
  ::chmod(data.c_str(), 0755);
  for (const auto& entry : fs::directory_iterator(data))
    if (entry.is_regular_file()) ::chmod(entry.path().c_str(), 0644);
  REQUIRE_FALSE(open_to_others(data).empty());
  causeway.start();
  INFO("causeway log:\n" << causeway.log());
  CHECK(mode_of(data) == 0700);
  CHECK(open_to_others(data).empty());
  CHECK(causeway.log().find("was open to other users (mode 755); restricted it to 0700") != std::string::npos);
}
