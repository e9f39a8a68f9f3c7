#include "protocols/atproto/op_intake.h"

#include <spdlog/spdlog.h>

#include "bridge/seen_ids.h"
#include "protocols/atproto/lexicon_check.h"
#include "protocols/atproto/record_events.h"

namespace causeway::atproto {

std::optional<OpIntake::Admitted> OpIntake::admit(const std::string& repo, const RepoOp& op, Outcome& outcome) {
  std::string why = filter_.why(repo, op);
  if (why.empty()) {
    outcome = Outcome::unwatched;
    return std::nullopt;
  }
  if (op.record) {
    std::string_view collection = std::string_view(op.path).substr(0, op.path.find('/'));
    if (auto violation = lexicon_violation(collection, *op.record)) {
      spdlog::warn("{}: {} at://{}/{} ({}) skipped: {}", source_, op.action, repo, op.path, why, *violation);
      metrics_
          .counter("causeway_" + source_ + "_invalid_records_total",
                   "Records of watched ops skipped for not fitting their Lexicon, by collection and field.",
                   {{"reason", lexicon_violation_label(*violation)}})
          .inc();
      outcome = Outcome::invalid;
      return std::nullopt;
    }
  }
  auto event = event_from_op(repo, op);
  if (!event) {
    outcome = Outcome::not_carried;
    return std::nullopt;
  }
  outcome = Outcome::taken;
  return Admitted{&op, std::move(why), std::move(*event)};
}

OpIntake::Outcome OpIntake::store(WriteBatch& batch, BatchSeen& seen, Admitted& admitted) {
  Event& event = admitted.event;
  const std::string& action = admitted.op->action;
  // Creates are remembered by at-uri (deletes of them are matched on that); deletes apart; an
  // update by the version it makes (the at-uri and the new CID), so each edit is taken in once.
  // Only a post's edit is an update downstream; a rewritten like or repost is the same like
  // (taken in once), and a version without a CID cannot be told apart from the last.
  bool post_edit = action == "update" && event.kind == EventKind::update && !event.origin.object.cid.empty();
  std::string seen_key = action == "delete" ? SeenIds::bluesky_delete_key(event.origin.activity_id)
                         : post_edit        ? SeenIds::bluesky_key(event.origin.activity_id + "#" + event.origin.object.cid)
                                            : SeenIds::bluesky_key(event.origin.activity_id);
  if (seen.count(seen_key) || SeenIds(store_).contains(seen_key)) return Outcome::duplicate;
  seen.insert(seen_key);
  events_.append(batch, event, clock_());
  SeenIds::mark_event(batch, seen_key, event.id);
  spdlog::info("{}: {} {} ({}) stored as event {}", source_, action, event.origin.activity_id, admitted.why, event.id);
  return Outcome::taken;
}

OpIntake::Outcome OpIntake::take(WriteBatch& batch, BatchSeen& seen, const std::string& repo, const RepoOp& op) {
  Outcome outcome;
  auto admitted = admit(repo, op, outcome);
  return admitted ? store(batch, seen, *admitted) : outcome;
}

}  // namespace causeway::atproto
