// libFuzzer target: ActivityPub -> Event as the inbox and `causeway convert` read it: any
// activity or bare object (Note, Page, Video, Question ...) through titles, link cards, HTML,
// markdown and plain text, tags, quotes and Bridgy Fed mentions. Must never crash, throw or leave
// a facet outside the text. Seeded from tests/data/activitypub.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/note_event.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = causeway::activitypub::parse_as2(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto event = causeway::activitypub::event_from_activity(*json);
  if (!event) return 0;
  for (const auto& f : event->content.facets)
    if (f.byte_start > f.byte_end || f.byte_end > event->content.text.size()) std::abort();
  if (event->media.size() > causeway::activitypub::kMaxAttachments) std::abort();
  return 0;
}
