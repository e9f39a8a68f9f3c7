// libFuzzer target: `causeway convert` in both directions, exactly as the command runs it. The
// first byte picks the direction; the rest is the input (an AS2 activity or object, or a Bluesky
// post record). Whatever comes in, a conversion either succeeds or refuses with a reason.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/daemon/convert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  causeway::ConvertSetup setup;
  std::string out, reason;
  int code = (data[0] & 1) ? causeway::convert_to_fediverse(input, setup, out, reason)
                           : causeway::convert_to_bluesky(input, setup, out, reason);
  if (code == causeway::kConvertRefused && reason.empty()) std::abort();  // a refusal always says why
  if (code == causeway::kConvertOk && out.empty()) std::abort();
  return 0;
}
