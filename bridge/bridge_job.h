// What a bridge job carries through the durable queue: which stored event, for which bridge, and
// what to do with it on the other side. The router builds them (one owner of the payload format);
// the bridge worker reads them back. The payload is JSON so that jobs queued by an older causeway
// are still understood after an upgrade (the operation travels under its wire name).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace causeway {

// The two queue kinds bridge jobs go under, one per direction.
inline constexpr const char* kToBlueskyJob = "bridge.to_bluesky";
inline constexpr const char* kToFediverseJob = "bridge.to_fediverse";

enum class JobOp {
  // to Bluesky
  post,        // a group's post: write its copy
  fetch_post,  // a followed group's Announce: fetch the announced post from its origin, then post it
  update,      // an edit of a post already copied (both ways: a Bluesky edit updates its Note)
  fetch_update,  // an edit a followed group relayed: fetch the post from its origin, then update the copy
  hide,         // a Bluesky reply (the subject) put in its mirrored thread's hiddenReplies
  list_add,     // an approved account (the subject) put on the bridge's approved list
  list_remove,  // a denied account (the subject) taken off it
  remove_author,  // an account deleted on the fediverse (the subject): every copy of its posts deleted
  // to the fediverse
  reply,   // a Bluesky reply or mention, brought into the group
  like,
  repost,
  // both ways
  remove,  // a delete (wire name "delete")
};

// The wire name ("post", "fetch_post", "update", "fetch_update", "hide", "list_add", "list_remove",
// "delete_author", "reply", "like", "repost", "delete").
const char* job_op_name(JobOp op);
std::optional<JobOp> parse_job_op(std::string_view name);

struct BridgeJob {
  std::string event_id;  // empty for a job about its subject alone (an operator's verdict)
  std::string bridge;
  JobOp op = JobOp::post;
  // What hide, list_add and list_remove act on when it is not the event's object: the at-uri of
  // the reply to hide, the DID to list or unlist. Empty otherwise.
  std::string subject;
};

std::string encode_bridge_job(const BridgeJob& job);
// nullopt when the payload is damaged, names neither an event nor a subject, or names an operation
// this version does not know.
std::optional<BridgeJob> decode_bridge_job(std::string_view payload);

}  // namespace causeway
