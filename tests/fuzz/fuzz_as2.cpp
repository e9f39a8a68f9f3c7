// libFuzzer target: the ActivityPub body parser, the activity view the inbox builds from it, and
// the reading of an object (HTML, tags, attachments, dates) into an Event, which the inbox does for
// members' posts and the bridge for posts fetched from followed groups.
#include <cstdint>
#include <string_view>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/note_event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = causeway::activitypub::parse_as2(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto view = causeway::activitypub::view_activity(*json);
  if (view) view->is_public();
  causeway::Event event;
  causeway::activitypub::read_object(*json, event);
  if (auto object = json->find("object"); object != json->end()) causeway::activitypub::read_object(*object, event);
  (void)causeway::activitypub::visibility_of(*json);
  return 0;
}
