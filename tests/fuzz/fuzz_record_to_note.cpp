// libFuzzer target: `causeway convert --to fediverse`'s path, a Bluesky post record (bare or
// wrapped as a post view) read into an Event and rendered as the Note and Create sent for it. The
// record is also read without the Lexicon check, as the firehose path would after it, so the
// reading of records the check would refuse is exercised too. Lookups answer, so every branch runs.
#include <cstdint>
#include <string_view>

#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/note_render.h"
#include "protocols/atproto/record_events.h"

namespace {

void render(const causeway::Event& event) {
  namespace ap = causeway::activitypub;
  ap::NoteContext c;
  c.actor_id = "https://causeway.example/ap/users/a";
  c.followers = c.actor_id + "/followers";
  c.note_id = ap::bridged_object_id(c.actor_id, event.origin.object.id);
  c.group = "https://groups.example/c/g";
  c.mentioned_actor = [](const std::string& did) -> std::optional<ap::MentionedActor> {
    if (did.size() % 2) return std::nullopt;
    return ap::MentionedActor{"https://causeway.example/ap/users/" + ap::bridged_object_id("x", did), did + "@causeway.example"};
  };
  c.fediverse_actor = [](const std::string& acct) -> std::optional<std::string> { return "https://remote.example/u/" + acct; };
  c.fediverse_id = [](const std::string& at_uri) -> std::optional<std::string> {
    if (at_uri.size() % 2) return std::nullopt;
    return "https://remote.example/notes/1";
  };
  c.blob_url = [](const std::string& did, const std::string& cid) { return "https://pds.example/blob/" + did + "/" + cid; };
  auto note = ap::render_note(event, c);
  if (note) (void)ap::render_update(note->note, "v2", "2024-01-01T00:00:00Z").dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = causeway::activitypub::parse_as2(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  if (auto event = causeway::atproto::event_from_post_json(*json)) render(*event);
  const nlohmann::json& record = json->contains("record") ? (*json)["record"] : *json;
  if (auto value = causeway::atproto::from_atproto_json(record); value.ok())
    if (auto event = causeway::atproto::event_from_post_record(
            *value, {"at://did:plc:fuzz/app.bsky.feed.post/3k", "", "did:plc:fuzz", ""}))
      render(*event);
  return 0;
}
