// The jobs that carry a group's moderation onto Bluesky's own reply controls (the writer is
// protocols/atproto/reply_control_writer.h): an operator's verdict on a Bluesky account puts it on
// or takes it off the bridge's approved list (list_add, list_remove), and a deny hides the account's
// replies already brought over (hide, one per reply, in its thread's threadgate). A group's removal
// of such a reply hides it too (Router::route_group_removal builds that job here as well).
// Every function only adds to a batch, so the verdict and its jobs are one durable step; thread-safe
// as the store is.
#pragma once

#include <cstdint>
#include <string>

#include "bridge/base/result.h"
#include "bridge/bridge_job.h"
#include "bridge/delivery_queue.h"
#include "bridge/moderation.h"
#include "config/config.h"
#include "storage/store.h"

namespace causeway {

// At most this many replies of one account are hidden on one deny: the index scan stays bounded
// and a thread holds only 300 hidden replies anyway. What is left says so in the deny's answer.
inline constexpr std::size_t kMaxHiddenOnDeny = 1000;

// Whether the bridge keeps a list of its approved accounts on Bluesky for its threadgates to name
// (members.bluesky_posting: approved with members.bluesky_threadgate on).
bool keeps_approved_list(const BridgeConfig& bridge);

// A to_bluesky job of `op` about `subject`, for the bridge's mirror account. With an event, the
// job is that event's (id "<event>.<bridge>"); without (a verdict's), its id names the subject
// and the time.
Job reply_control_job(const BridgeConfig& bridge, JobOp op, const std::string& event_id, const std::string& subject,
                      std::int64_t now_us);

struct VerdictControls {
  bool listed = false;      // a list_add or list_remove job was queued
  std::size_t hidden = 0;   // hide jobs queued
  bool more_left = false;   // the account has more replies than kMaxHiddenOnDeny
};

// Queues what the operator's `verdict` on `did` sets going on the bridge (nothing for
// Verdict::none, nothing when the bridge has no Bluesky side), with a decision about each subject
// (`causeway why DID` or the reply's at-uri tells it).
Result<VerdictControls> queue_verdict_controls(WriteBatch& batch, Store& store, DeliveryQueue& queue,
                                               const BridgeConfig& bridge, const std::string& did, Verdict verdict,
                                               std::int64_t now_us);

}  // namespace causeway
