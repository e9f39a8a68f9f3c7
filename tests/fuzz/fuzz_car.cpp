// libFuzzer target: the CAR reader and the repository check built on it (commit decode, MST walk).
#include <cstdint>
#include <string>

#include "protocols/atproto/car.h"
#include "protocols/atproto/repo_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto car = causeway::atproto::CarFile::parse(std::string(reinterpret_cast<const char*>(data), size));
  if (!car) return 0;
  causeway::atproto::check_repo(*car, std::nullopt);
  return 0;
}
