// libFuzzer target: a whole subscribeRepos message (header, body, CAR, records).
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocols/atproto/firehose_frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = causeway::atproto::decode_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (message) causeway::atproto::frame_to_json(*message).dump();
  return 0;
}
