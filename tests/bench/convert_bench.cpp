// Conversions per second, each direction, over the collected corpus of real payloads
// (tests/data/activitypub/**.json to Bluesky, tests/data/atproto/posts/*.json to the fediverse),
// on one thread, exactly as `causeway convert` runs them. Prints figures; asserts nothing.
//   build/tests/bench/convert_bench [SECONDS_PER_DIRECTION]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bridge/daemon/convert.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> load(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

using Convert = int (*)(const std::string&, const causeway::ConvertSetup&, std::string&, std::string&);
using ConvertJson = int (*)(const std::string&, const causeway::ConvertSetup&, nlohmann::json&, std::string&);

template <typename Out, typename Fn>
void run(const char* name, const std::vector<std::string>& inputs, Fn convert, double seconds) {
  if (inputs.empty()) {
    std::printf("%-22s no inputs found, skipped\n", name);
    return;
  }
  causeway::ConvertSetup setup;
  std::size_t done = 0, refused = 0;
  for (const auto& in : inputs) {  // how many of the corpus convert, once
    Out out;
    std::string reason;
    if (convert(in, setup, out, reason) != causeway::kConvertOk) ++refused;
  }
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const auto& in : inputs) {
      Out out;
      std::string reason;
      (void)convert(in, setup, out, reason);
    }
    done += inputs.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("%-22s %zu inputs (%zu refused)  %10.0f conversions/s on one thread  (%.1f us each)\n", name,
              inputs.size(), refused, done / elapsed, elapsed * 1e6 / done);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  fs::path data = fs::path(CAUSEWAY_SOURCE_DIR) / "tests" / "data";
  auto activities = load(data / "activitypub");
  auto records = load(data / "atproto" / "posts");
  // The conversion (parse, read, render, records or Note as JSON), as the writers run it ...
  run<nlohmann::json>("activitypub->bluesky", activities, static_cast<ConvertJson>(causeway::convert_to_bluesky_json), seconds);
  run<nlohmann::json>("bluesky->fediverse", records, static_cast<ConvertJson>(causeway::convert_to_fediverse_json), seconds);
  // ... and `causeway convert` whole, the preview printed as indented JSON.
  run<std::string>("  printed (convert)", activities, static_cast<Convert>(causeway::convert_to_bluesky), seconds);
  run<std::string>("  printed (convert)", records, static_cast<Convert>(causeway::convert_to_fediverse), seconds);
  return 0;
}
