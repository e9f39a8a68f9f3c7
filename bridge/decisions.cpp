#include "bridge/decisions.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "bridge/base/hex.h"

namespace causeway {
namespace {

// Keys sort by native id, then by time: "why/<id>\n<16 hex digits of at_us>". A newline never
// occurs in an id, so one id's records are never mixed with those of a longer id.
constexpr std::string_view kPrefix = "why/";
std::string prefix_of(const std::string& native_id) { return std::string(kPrefix) + native_id + "\n"; }

// The time at the end of a key, or -1 when the key is not of that shape.
std::int64_t time_of_key(std::string_view key) {
  auto nl = key.rfind('\n');
  if (nl == std::string_view::npos || key.size() - nl - 1 != 16) return -1;
  auto at = parse_hex_u64(key.substr(nl + 1));
  return at ? static_cast<std::int64_t>(*at) : -1;
}

Outcome outcome_from(const std::string& s) {
  if (s == "bridged") return Outcome::bridged;
  if (s == "held") return Outcome::held;
  if (s == "queued") return Outcome::queued;
  if (s == "failed") return Outcome::failed;
  return Outcome::not_bridged;
}

}  // namespace

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::bridged: return "bridged";
    case Outcome::not_bridged: return "not bridged";
    case Outcome::held: return "held";
    case Outcome::queued: return "queued";
    case Outcome::failed: return "failed";
  }
  return "?";
}

std::string Decision::describe() const {
  std::string line;
  switch (outcome) {
    case Outcome::bridged: line = "bridged as " + copy; break;
    case Outcome::not_bridged: line = "not bridged: " + reason; break;
    case Outcome::held: line = "held: " + reason; break;
    case Outcome::queued: line = "queued for delivery" + (reason.empty() ? "" : ": " + reason); break;
    case Outcome::failed: line = "delivery failed: " + reason; break;
  }
  if (outcome == Outcome::bridged && !reason.empty()) line += " (" + reason + ")";
  return line;
}

void Decisions::record(WriteBatch& batch, const Decision& d) const {
  // Keys end in "\n<time>": an id holding control characters could pose as another's record.
  for (unsigned char c : d.native_id)
    if (c < 0x20 || c == 0x7f) return;
  char at[20];
  std::snprintf(at, sizeof at, "%016llx", static_cast<unsigned long long>(d.at_us));
  nlohmann::json j{{"bridge", d.bridge}, {"outcome", to_string(d.outcome)}, {"reason", d.reason},
                   {"copy", d.copy},     {"event", d.event_id},             {"at_us", d.at_us}};
  if (d.outcome == Outcome::not_bridged) j["outcome"] = "not_bridged";
  batch.put(Family::idmap, prefix_of(d.native_id) + at, j.dump());
}

Result<std::size_t> Decisions::prune_older_than(std::int64_t cutoff_us,
                                                const std::function<bool(const std::string&)>& keep) const {
  // Keys sort by native id, not time, so every key is looked at; only old ones are parsed.
  return store_.remove_where(Family::idmap, kPrefix, [&](std::string_view key, std::string_view value) {
    std::int64_t at = time_of_key(key);
    if (at < 0 || at >= cutoff_us) return Sweep::keep;
    auto j = nlohmann::json::parse(value, nullptr, false);
    std::string event = j.is_object() ? j.value("event", "") : "";
    return !event.empty() && keep(event) ? Sweep::keep : Sweep::remove;
  });
}

Result<std::vector<Decision>> Decisions::about(const std::string& native_id) const {
  std::vector<Decision> out;
  std::string prefix = prefix_of(native_id);
  Status s = store_.scan(Family::idmap, prefix, [&](std::string_view key, std::string_view value) {
    if (key.substr(0, prefix.size()) != prefix) return false;
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object()) return true;
    Decision d;
    d.native_id = native_id;
    d.bridge = j.value("bridge", "");
    d.outcome = outcome_from(j.value("outcome", ""));
    d.reason = j.value("reason", "");
    d.copy = j.value("copy", "");
    d.event_id = j.value("event", "");
    d.at_us = j.value("at_us", std::int64_t{0});
    out.push_back(std::move(d));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

bool Decisions::still_coming(const std::string& native_id, std::int64_t received_us, std::int64_t now_us) const {
  constexpr std::int64_t kParentWaitUs = 600'000'000;
  auto last = about(native_id);
  bool pending = last.ok() && !last->empty() &&
                 (last->back().outcome == Outcome::queued || last->back().outcome == Outcome::held);
  return pending && now_us - received_us < kParentWaitUs;
}

}  // namespace causeway
