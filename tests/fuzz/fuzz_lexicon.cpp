// libFuzzer target: a record checked against its Lexicon. The first byte picks the collection (the
// carried ones, then one that is not), the rest is the record's DAG-CBOR as a firehose block holds
// it. A violation must name its collection, and its metric label must hold no list index; a
// collection that is not carried has none. The seeds (seeds/lexicon/) are a valid record of each
// carried collection in that form.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/lexicon_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::array<std::string_view, 7> kCollections = {
      "app.bsky.feed.post",    "app.bsky.feed.like",   "app.bsky.feed.repost",   "app.bsky.graph.follow",
      "app.bsky.graph.block", "app.bsky.actor.profile", "app.bsky.feed.threadgate"};
  if (size == 0) return 0;
  std::string_view collection = kCollections[data[0] % kCollections.size()];
  auto record = causeway::atproto::decode_dag_cbor(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (!record) return 0;
  auto violation = causeway::atproto::lexicon_violation(collection, *record);
  if (!violation) return 0;
  if (collection == kCollections.back()) std::abort();  // not carried: never checked
  std::string prefix = std::string(collection) + ": ";
  std::string label = causeway::atproto::lexicon_violation_label(*violation);
  if (violation->rfind(prefix, 0) != 0 || label.rfind(prefix, 0) != 0 || label.find('[') != std::string::npos)
    std::abort();
  return 0;
}
