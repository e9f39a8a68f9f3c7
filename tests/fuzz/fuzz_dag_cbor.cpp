// libFuzzer target: the strict DAG-CBOR decoder. Whatever it accepts must re-encode to the same
// bytes (the decoder accepts only canonical input) and convert to atproto JSON without failing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocols/atproto/dag_cbor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto value = causeway::atproto::decode_dag_cbor(input);
  if (!value) return 0;
  if (causeway::atproto::encode_dag_cbor(*value) != input) std::abort();
  causeway::atproto::to_atproto_json(*value).dump();
  return 0;
}
