#include "bridge/moderation.h"

namespace causeway {
namespace {

std::string follower_key(const std::string& bridge, const std::string& did) {
  return "bsky/follower/" + bridge + "/" + did;
}
std::string verdict_key(const std::string& bridge, const std::string& did) {
  return "bsky/verdict/" + bridge + "/" + did;
}
std::string held_prefix(const std::string& bridge) { return "bsky/held/" + bridge + "/"; }
// A newline never occurs in a bridge name or an actor id: one bridge's entries never mix with another's.
std::string announced_key(const std::string& bridge, const std::string& actor) {
  return "fedi/announced/" + bridge + "\n" + actor;
}

}  // namespace

void Moderation::add_follower(WriteBatch& batch, const std::string& bridge, const std::string& did,
                              const std::string& follow_uri) const {
  batch.put(Family::social, follower_key(bridge, did), follow_uri);
  batch.put(Family::social, "bsky/follow-record/" + follow_uri, bridge + "\n" + did);
}

bool Moderation::remove_follow_record(WriteBatch& batch, const std::string& follow_uri) const {
  auto v = store_.get(Family::social, "bsky/follow-record/" + follow_uri);
  if (!v.ok() || !v->has_value()) return false;
  const std::string& s = **v;
  auto nl = s.find('\n');
  if (nl == std::string::npos) return false;
  batch.remove(Family::social, follower_key(s.substr(0, nl), s.substr(nl + 1)));
  batch.remove(Family::social, "bsky/follow-record/" + follow_uri);
  return true;
}

bool Moderation::is_follower(const std::string& bridge, const std::string& did) const {
  auto v = store_.get(Family::social, follower_key(bridge, did));
  return v.ok() && v->has_value();
}

void Moderation::add_announced_author(WriteBatch& batch, const std::string& bridge, const std::string& actor,
                                      const std::string& event_id) const {
  if (!actor.empty()) batch.put(Family::social, announced_key(bridge, actor), event_id);
}

bool Moderation::was_announced(const std::string& bridge, const std::string& actor) const {
  auto v = store_.get(Family::social, announced_key(bridge, actor));
  return v.ok() && v->has_value();
}

void Moderation::set_banned(WriteBatch& batch, const std::string& bridge, const std::string& actor,
                            const std::string& event_id, bool banned) const {
  if (actor.empty()) return;
  std::string key = "fedi/banned/" + bridge + "\n" + actor;
  if (banned) batch.put(Family::social, key, event_id);
  else batch.remove(Family::social, key);
}

bool Moderation::is_banned(const std::string& bridge, const std::string& actor) const {
  auto v = store_.get(Family::social, "fedi/banned/" + bridge + "\n" + actor);
  return v.ok() && v->has_value();
}

void Moderation::set_deleted_account(WriteBatch& batch, const std::string& actor, const std::string& event_id) const {
  if (!actor.empty()) batch.put(Family::social, "fedi/deleted/" + actor, event_id);
}

bool Moderation::is_deleted_account(const std::string& actor) const {
  auto v = store_.get(Family::social, "fedi/deleted/" + actor);
  return v.ok() && v->has_value();
}

Verdict Moderation::verdict(const std::string& bridge, const std::string& did) const {
  auto v = store_.get(Family::social, verdict_key(bridge, did));
  if (!v.ok() || !v->has_value()) return Verdict::none;
  return **v == "approved" ? Verdict::approved : **v == "denied" ? Verdict::denied : Verdict::none;
}

Result<std::vector<std::string>> Moderation::approved(const std::string& bridge) const {
  std::vector<std::string> out;
  std::string prefix = verdict_key(bridge, "");
  Status s = store_.scan(Family::social, prefix, [&](std::string_view key, std::string_view value) {
    if (value == "approved") out.emplace_back(key.substr(prefix.size()));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

void Moderation::hold(WriteBatch& batch, const std::string& bridge, const std::string& did,
                      const std::string& event_id, const Job& job) const {
  batch.put(Family::social, held_prefix(bridge) + did + "/" + event_id, encode_job(job));
}

Result<std::vector<std::pair<std::string, Job>>> Moderation::held_jobs(const std::string& bridge,
                                                                       const std::string& did) const {
  std::vector<std::pair<std::string, Job>> out;
  std::string prefix = held_prefix(bridge) + did + "/";
  Status s = store_.scan(Family::social, prefix, [&](std::string_view key, std::string_view value) {
    if (auto job = decode_job(value)) out.emplace_back(std::string(key), std::move(*job));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

Status Moderation::for_each_held(const std::function<void(const std::string&, const Job&)>& visit) const {
  return store_.scan(Family::social, "bsky/held/", [&](std::string_view key, std::string_view value) {
    auto job = decode_job(value);
    if (job) visit(std::string(key.substr(key.rfind('/') + 1)), *job);
    return true;
  });
}

Result<std::vector<HeldAccount>> Moderation::held(const std::string& bridge) const {
  std::vector<HeldAccount> out;
  std::string prefix = held_prefix(bridge);
  Status s = store_.scan(Family::social, prefix, [&](std::string_view key, std::string_view) {
    std::string_view rest = key.substr(prefix.size());  // <did>/<event>
    auto slash = rest.rfind('/');
    if (slash == std::string_view::npos) return true;
    std::string did(rest.substr(0, slash));
    if (out.empty() || out.back().did != did) out.push_back(HeldAccount{did, "", {}});
    out.back().event_ids.emplace_back(rest.substr(slash + 1));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

Result<std::vector<std::string>> Moderation::approve(WriteBatch& batch, DeliveryQueue& queue,
                                                     const std::string& bridge, const std::string& did) const {
  auto jobs = held_jobs(bridge, did);
  if (!jobs) return Error{jobs.error()};
  std::vector<std::string> events;
  batch.put(Family::social, verdict_key(bridge, did), "approved");
  for (auto& [key, job] : *jobs) {
    events.push_back(key.substr(key.rfind('/') + 1));
    batch.remove(Family::social, key);
    job.due_us = 0;
    queue.enqueue(batch, std::move(job));
  }
  return events;
}

Result<std::size_t> Moderation::settle_decided(WriteBatch& batch, DeliveryQueue& queue, const std::string& bridge) const {
  auto accounts = held(bridge);
  if (!accounts) return Error{accounts.error()};
  std::size_t settled = 0;
  for (const auto& account : *accounts) {
    Verdict v = verdict(bridge, account.did);
    if (v == Verdict::none) continue;
    auto events = v == Verdict::approved ? approve(batch, queue, bridge, account.did) : deny(batch, bridge, account.did);
    if (!events) return Error{events.error()};
    settled += events->size();
  }
  return settled;
}

Result<std::vector<std::string>> Moderation::deny(WriteBatch& batch, const std::string& bridge,
                                                  const std::string& did) const {
  auto jobs = held_jobs(bridge, did);
  if (!jobs) return Error{jobs.error()};
  std::vector<std::string> events;
  batch.put(Family::social, verdict_key(bridge, did), "denied");
  for (auto& [key, job] : *jobs) {
    events.push_back(key.substr(key.rfind('/') + 1));
    batch.remove(Family::social, key);
  }
  return events;
}

}  // namespace causeway
