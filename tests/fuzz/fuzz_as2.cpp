// libFuzzer target: the ActivityPub body parser and the activity view the inbox builds from it.
#include <cstdint>
#include <string_view>

#include "protocols/activitypub/as2.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = causeway::activitypub::parse_as2(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto view = causeway::activitypub::view_activity(*json);
  if (view) view->is_public();
  return 0;
}
