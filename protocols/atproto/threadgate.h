// Bluesky's own reply controls as the mirror account uses them, so that who may reply under a
// group's post on Bluesky is who may post into the group from there: threadgates
// (app.bsky.feed.threadgate: `allow` rules and `hiddenReplies`) and the list of approved accounts
// (app.bsky.graph.list with purpose curatelist, one app.bsky.graph.listitem per account).
// Limits are the installed lexicons' (allow at most 5 rules, hiddenReplies at most 300, a list
// name at most 64 bytes). Pure functions: no network, store or clock; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/base/result.h"
#include "config/config.h"

namespace causeway::atproto {

inline constexpr const char* kThreadgateCollection = "app.bsky.feed.threadgate";
inline constexpr const char* kListCollection = "app.bsky.graph.list";
inline constexpr const char* kListItemCollection = "app.bsky.graph.listitem";
inline constexpr std::size_t kMaxHiddenReplies = 300;
inline constexpr std::size_t kMaxListNameBytes = 64;

// Who may reply on Bluesky to the mirror account's root posts of a bridge.
enum class ReplyGate { anyone, followers, approved_list };
// followers / approved_list for members.bluesky_posting followers / approved when
// members.bluesky_threadgate is on; anyone otherwise (no threadgate is written).
ReplyGate reply_gate(const BridgeConfig& bridge);

// The `allow` rules of a gate: [followerRule] or [listRule of `list_uri`]. No mentionRule: an
// account the group's post mentions may not post into the group either unless it follows (or is
// approved), and a reply the group would refuse should not show under the group's post; such an
// account still reaches the group by mentioning the mirror account, which starts a thread there
// (held for the operator under `approved`). Null for `anyone` (no allow field: anyone may reply).
nlohmann::json allow_rules(ReplyGate gate, const std::string& list_uri = "");

// A threadgate for the root post `post_uri` (its rkey must be the post's rkey), with `allow`
// (null: no allow field) and no hidden replies.
nlohmann::json threadgate_record(const std::string& post_uri, const nlohmann::json& allow, std::int64_t created_at_us);

struct HiddenReply {
  nlohmann::json record;
  bool changed = false;  // false when `reply_uri` was hidden already (a retried job)
};
// The threadgate of `post_uri` with `reply_uri` among its hiddenReplies: `existing` (the record on
// the PDS; nullopt when there is none, then anyone may still reply) keeps its rules, its entries
// and any other field. An error when hiddenReplies is full.
Result<HiddenReply> with_hidden_reply(const std::optional<nlohmann::json>& existing, const std::string& post_uri,
                                      const std::string& reply_uri, std::int64_t now_us);

// The mirror account's list of a bridge's approved accounts: named "Approved members of <bridge>"
// (cut to the lexicon's 64 bytes), saying what it is for.
nlohmann::json approved_list_record(const std::string& bridge, std::int64_t created_at_us);
nlohmann::json list_item_record(const std::string& list_uri, const std::string& did, std::int64_t created_at_us);

// Record keys (TIDs, as the lexicons require) that are the same each time for the same input, so a
// retried create collides instead of making a second list or listing an account twice.
std::string approved_list_rkey(const std::string& bridge);
std::string list_item_rkey(const std::string& list_uri, const std::string& did);

}  // namespace causeway::atproto
