#include "protocols/atproto/commit_verifier.h"

#include <algorithm>

#include "protocols/atproto/commit.h"
#include "protocols/atproto/did_key.h"
#include "protocols/atproto/mst.h"

namespace causeway::atproto {
namespace {

CommitVerifier::Verdict rejected(CommitVerifier::Reason reason, std::string detail, bool refreshed = false) {
  return {reason, std::move(detail), refreshed};
}

std::int64_t micros(std::chrono::seconds s) { return static_cast<std::int64_t>(s.count()) * 1'000'000; }

}  // namespace

std::string_view reason_label(CommitVerifier::Reason reason) {
  switch (reason) {
    case CommitVerifier::Reason::missing_commit: return "missing_commit";
    case CommitVerifier::Reason::malformed_commit: return "malformed_commit";
    case CommitVerifier::Reason::commit_mismatch: return "commit_mismatch";
    case CommitVerifier::Reason::op_not_in_commit: return "op_not_in_commit";
    case CommitVerifier::Reason::key_unavailable: return "key_unavailable";
    case CommitVerifier::Reason::key_rate_limited: return "key_rate_limited";
    case CommitVerifier::Reason::bad_signature: return "bad_signature";
  }
  return "unknown";
}

const CommitVerifier::CachedKey& CommitVerifier::key_of(const std::string& did, bool refresh, bool& looked_up) {
  std::int64_t now = clock_();
  auto it = keys_.find(did);
  if (it != keys_.end()) {
    const CachedKey& entry = it->second;
    // A key whose last re-resolve failed is tried again after failure_ttl, not key_ttl.
    bool sound = entry.key && entry.failure.empty();
    if (!refresh && now - entry.fetched_us < micros(sound ? options_.key_ttl : options_.failure_ttl)) return entry;
    if (refresh && entry.refreshed_us != 0 && now - entry.refreshed_us < micros(options_.refresh_interval))
      return entry;
  } else if (keys_.size() >= options_.max_keys) {
    keys_.erase(keys_.begin());
  }
  looked_up = true;
  auto found = lookup_(did, refresh);
  CachedKey& entry = keys_[did];
  entry.fetched_us = now;
  if (refresh) entry.refreshed_us = now;
  if (found) {
    entry.key = *found;
    entry.failure.clear();
  } else {
    // Stale while error: a failed re-resolve (expiry or refresh) keeps the key in hand; the
    // directory being down, or answering garbage, must not cut a repo off.
    entry.failure = found.error();
  }
  return entry;
}

bool CommitVerifier::admit_new_lookup(std::int64_t now_us) {
  while (!new_lookups_.empty() && now_us - new_lookups_.front().started_us >= micros(std::chrono::minutes(1)))
    new_lookups_.pop_front();
  if (new_lookups_.size() >= options_.max_new_keys_per_minute) return false;
  std::int64_t spent = 0;
  for (const auto& lookup : new_lookups_) spent += lookup.took_us;
  return spent < micros(options_.new_key_time_per_minute);
}

CommitVerifier::Verdict CommitVerifier::check(const CommitEvent& event, const std::vector<const RepoOp*>& ops) {
  const std::string name = "commit " + event.commit.to_string();
  std::optional<std::string_view> block = event.blocks ? event.blocks->block(event.commit) : std::nullopt;
  if (!block) return rejected(Reason::missing_commit, name + " is not among the message's blocks");
  auto commit = decode_commit(*block);
  if (!commit) return rejected(Reason::malformed_commit, name + ": " + commit.error());
  if (commit->did != event.repo) return rejected(Reason::commit_mismatch, name + " is of " + commit->did);
  if (commit->rev != event.rev)
    return rejected(Reason::commit_mismatch, name + " has rev " + commit->rev + ", the message says " + event.rev);
  auto block_of = [&event](const Cid& cid) { return event.blocks->block(cid); };
  for (const RepoOp* op : ops) {
    auto found = mst_lookup(commit->data, op->path, block_of);
    std::string what = name + ": " + op->action + " of " + op->path;
    if (!found) return rejected(Reason::op_not_in_commit, what + " is not provable from the message: " + found.error());
    if (op->action == "delete" ? found->has_value() : !(*found && op->cid && **found == *op->cid))
      return rejected(Reason::op_not_in_commit,
                      what + " is not what the commit's tree holds (" + (*found ? (*found)->to_string() : "no entry") + ")");
  }

  // A DID with no key in hand costs a lookup on this thread (unless its failure is still remembered):
  // those lookups are capped per minute. Nothing is cached, so it is tried once the window has room.
  std::int64_t now = clock_();
  auto known = keys_.find(event.repo);
  bool no_key = known == keys_.end() || !known->second.key;
  bool would_look_up = known == keys_.end() || now - known->second.fetched_us >= micros(options_.failure_ttl);
  if (no_key && would_look_up && !admit_new_lookup(now))
    return rejected(Reason::key_rate_limited,
                    "no key for " + event.repo +
                        " in hand, and looking up DIDs without one has used its budget for the last minute (" +
                        std::to_string(options_.max_new_keys_per_minute) + " DIDs or " +
                        std::to_string(options_.new_key_time_per_minute.count()) + " s)");
  bool looked_up = false;
  const CachedKey* entry = &key_of(event.repo, false, looked_up);
  if (no_key && looked_up) new_lookups_.push_back({now, std::max<std::int64_t>(0, clock_() - now)});
  if (!entry->key) return rejected(Reason::key_unavailable, "no key for " + event.repo + ": " + entry->failure);
  PublicKey tried = *entry->key;
  Status verified = verify_commit_signature(*commit, tried);
  if (verified.ok()) return {};

  // The key in hand may be stale (rotated since it was cached): look it up afresh, once.
  bool refreshed = false;
  entry = &key_of(event.repo, true, refreshed);
  if (entry->key && *entry->key != tried) {
    if (verify_commit_signature(*commit, *entry->key).ok()) return {std::nullopt, "", refreshed};
    tried = *entry->key;
  }
  std::string detail = name + ": the signature does not verify with " + to_did_key(tried) + ": " + verified.error();
  if (refreshed && !entry->failure.empty()) detail += "; looking the key up afresh failed: " + entry->failure;
  return rejected(Reason::bad_signature, detail, refreshed);
}

}  // namespace causeway::atproto
