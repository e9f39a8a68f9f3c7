#include "bridge/reply_controls.h"

#include <cstdio>

#include "bridge/decisions.h"
#include "bridge/id_map.h"

namespace causeway {

bool keeps_approved_list(const BridgeConfig& bridge) {
  return bridge.bluesky_threadgate && bridge.bluesky_posting == BlueskyPosting::approved;
}

Job reply_control_job(const BridgeConfig& bridge, JobOp op, const std::string& event_id, const std::string& subject,
                      std::int64_t now_us) {
  Job job;
  if (!event_id.empty()) {
    job.id = event_id + "." + bridge.name;
  } else {
    char at[20];
    std::snprintf(at, sizeof at, "%016llx", static_cast<unsigned long long>(now_us));
    job.id = std::string("verdict.") + at + "." + job_op_name(op) + "." + bridge.name + "." + subject;
  }
  job.kind = kToBlueskyJob;
  job.target = bridge.bluesky ? bridge.bluesky->pds.to_string() : "";
  job.payload = encode_bridge_job({event_id, bridge.name, op, subject});
  return job;
}

Result<VerdictControls> queue_verdict_controls(WriteBatch& batch, Store& store, DeliveryQueue& queue,
                                               const BridgeConfig& bridge, const std::string& did, Verdict verdict,
                                               std::int64_t now_us) {
  VerdictControls out;
  if (verdict == Verdict::none || !bridge.bluesky) return out;
  Decisions decisions(store);
  auto queued = [&](const std::string& subject, const std::string& reason) {
    decisions.record(batch, Decision{subject, bridge.name, Outcome::queued, reason, "", "", now_us});
  };
  bool approved = verdict == Verdict::approved;
  if (keeps_approved_list(bridge)) {
    JobOp op = approved ? JobOp::list_add : JobOp::list_remove;
    queue.enqueue(batch, reply_control_job(bridge, op, "", did, now_us));
    queued(did, approved ? "list_add (approved by an operator: may reply under the group's posts on Bluesky)"
                         : "list_remove (denied by an operator: may no longer reply under the group's posts on Bluesky)");
    out.listed = true;
  }
  if (approved) return out;
  auto replies = IdMap(store).replies_by(bridge.name, did, kMaxHiddenOnDeny + 1);
  if (!replies) return Error{replies.error()};
  out.more_left = replies->size() > kMaxHiddenOnDeny;
  if (out.more_left) replies->resize(kMaxHiddenOnDeny);
  for (const auto& reply : *replies) {
    queue.enqueue(batch, reply_control_job(bridge, JobOp::hide, "", reply, now_us));
    queued(reply, "hide (its author was denied by an operator)");
    ++out.hidden;
  }
  return out;
}

}  // namespace causeway
