// libFuzzer target: `causeway convert` in both directions, exactly as the command runs it. The
// first byte picks the direction; the rest is the input (an AS2 activity or object, or a Bluesky
// post record). Whatever comes in, a conversion either succeeds or refuses with a reason. The
// input, when it is JSON, is also printed both by the preview's printer and by nlohmann's
// dump(2), which must agree byte for byte (or both refuse).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/daemon/convert.h"
#include "bridge/daemon/json_text.h"

namespace {

void printers_agree(const std::string& input) {
  auto doc = nlohmann::json::parse(input, nullptr, false);
  if (doc.is_discarded()) return;
  std::string ours, theirs;
  bool ours_threw = false, theirs_threw = false;
  try {
    ours = causeway::pretty_json(doc);
  } catch (const nlohmann::json::type_error&) {
    ours_threw = true;
  }
  try {
    theirs = doc.dump(2);
  } catch (const nlohmann::json::type_error&) {
    theirs_threw = true;
  }
  if (ours_threw != theirs_threw || ours != theirs) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  causeway::ConvertSetup setup;
  std::string out, reason;
  int code = (data[0] & 1) ? causeway::convert_to_fediverse(input, setup, out, reason)
                           : causeway::convert_to_bluesky(input, setup, out, reason);
  if (code == causeway::kConvertRefused && reason.empty()) std::abort();  // a refusal always says why
  if (code == causeway::kConvertOk && out.empty()) std::abort();
  printers_agree(input);
  return 0;
}
