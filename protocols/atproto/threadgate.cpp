#include "protocols/atproto/threadgate.h"

#include <algorithm>
#include <cstring>

#include "bridge/base/utf8.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/post_record.h"
#include "protocols/atproto/tid.h"

namespace causeway::atproto {
namespace {

using nlohmann::json;

// A TID from the first 63 bits of SHA-256 of `input` (the top bit stays 0, as TIDs require).
std::string hashed_tid(const std::string& input) {
  std::uint8_t digest[32];
  sha256(input, digest);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return Tid{v & ~(1ull << 63)}.to_string();
}

}  // namespace

ReplyGate reply_gate(const BridgeConfig& bridge) {
  if (!bridge.bluesky_threadgate) return ReplyGate::anyone;
  switch (bridge.bluesky_posting) {
    case BlueskyPosting::followers: return ReplyGate::followers;
    case BlueskyPosting::approved: return ReplyGate::approved_list;
    case BlueskyPosting::open: break;
  }
  return ReplyGate::anyone;
}

json allow_rules(ReplyGate gate, const std::string& list_uri) {
  switch (gate) {
    case ReplyGate::followers: return json::array({{{"$type", "app.bsky.feed.threadgate#followerRule"}}});
    case ReplyGate::approved_list:
      return json::array({{{"$type", "app.bsky.feed.threadgate#listRule"}, {"list", list_uri}}});
    case ReplyGate::anyone: break;
  }
  return nullptr;
}

json threadgate_record(const std::string& post_uri, const json& allow, std::int64_t created_at_us) {
  json record{{"$type", kThreadgateCollection}, {"post", post_uri}, {"createdAt", atproto_datetime(created_at_us)}};
  if (!allow.is_null()) record["allow"] = allow;
  return record;
}

Result<HiddenReply> with_hidden_reply(const std::optional<json>& existing, const std::string& post_uri,
                                      const std::string& reply_uri, std::int64_t now_us) {
  json record = existing && existing->is_object() ? *existing : threadgate_record(post_uri, nullptr, now_us);
  record["$type"] = kThreadgateCollection;
  record["post"] = post_uri;
  if (!record.contains("createdAt") || !record["createdAt"].is_string()) record["createdAt"] = atproto_datetime(now_us);
  json& hidden = record["hiddenReplies"];
  if (!hidden.is_array()) hidden = json::array();
  if (std::find(hidden.begin(), hidden.end(), json(reply_uri)) != hidden.end()) return HiddenReply{record, false};
  if (hidden.size() >= kMaxHiddenReplies)
    return make_error("the thread of " + post_uri + " already hides " + std::to_string(kMaxHiddenReplies) +
                      " replies, as many as Bluesky allows");
  hidden.push_back(reply_uri);
  return HiddenReply{record, true};
}

json approved_list_record(const std::string& bridge, std::int64_t created_at_us) {
  std::string name(utf8_prefix("Approved members of " + bridge, kMaxListNameBytes));
  return {{"$type", kListCollection},
          {"purpose", "app.bsky.graph.defs#curatelist"},
          {"name", name},
          {"description", "The Bluesky accounts the group's operators let reply to its posts here. Kept by causeway."},
          {"createdAt", atproto_datetime(created_at_us)}};
}

json list_item_record(const std::string& list_uri, const std::string& did, std::int64_t created_at_us) {
  return {{"$type", kListItemCollection}, {"subject", did}, {"list", list_uri}, {"createdAt", atproto_datetime(created_at_us)}};
}

std::string approved_list_rkey(const std::string& bridge) { return hashed_tid("approved-list\n" + bridge); }

std::string list_item_rkey(const std::string& list_uri, const std::string& did) {
  return hashed_tid("list-item\n" + list_uri + "\n" + did);
}

}  // namespace causeway::atproto
