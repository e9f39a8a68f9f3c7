// libFuzzer target: one Jetstream message (JSON envelope, bounds, the record into the data model).
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocols/atproto/jetstream_event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto event = causeway::atproto::parse_jetstream_event(std::string_view(reinterpret_cast<const char*>(data), size));
  if (event && event->kind == causeway::atproto::JetstreamEvent::Kind::commit) {
    auto op = causeway::atproto::jetstream_repo_op(std::move(*event));
    if (op.record) causeway::atproto::to_atproto_json(*op.record).dump();
  }
  return 0;
}
