#include "bridge/event_log.h"

#include <cstdio>

#include "bridge/base/hex.h"
#include "bridge/event_codec.h"

namespace causeway {

namespace {
std::uint64_t hex_field(const std::string& id, std::size_t at, std::size_t size) {
  if (id.size() < at + size) return 0;
  return parse_hex_u64(std::string_view(id).substr(at, size)).value_or(0);
}
}  // namespace

std::int64_t event_id_time_us(const std::string& id) { return static_cast<std::int64_t>(hex_field(id, 0, 16)); }
unsigned event_id_sequence(const std::string& id) { return static_cast<unsigned>(hex_field(id, 16, 6)); }

std::string EventIdGenerator::next(std::int64_t now_us) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx%06llx", static_cast<unsigned long long>(now_us),
                static_cast<unsigned long long>(sequence_.fetch_add(1) & 0xffffff));
  return buf;
}

void EventLog::append(WriteBatch& batch, Event& event, std::int64_t now_us) {
  if (event.received_at_us == 0) event.received_at_us = now_us;
  if (event.id.empty()) event.id = ids_.next(now_us);
  batch.put(Family::events, event.id, encode_event(event));
  if (observer_) observer_(batch, event);
}

Result<std::optional<Event>> EventLog::get(const std::string& id) const {
  auto stored = store_.get(Family::events, id);
  if (!stored) return Error{stored.error()};
  if (!stored->has_value()) return std::optional<Event>();
  auto event = decode_event(**stored);
  if (!event) return make_error("event " + id + ": " + event.error());
  return std::optional<Event>(std::move(*event));
}

Result<std::size_t> EventLog::prune_older_than(std::int64_t cutoff_us,
                                               const std::function<bool(const std::string&)>& keep) const {
  return store_.remove_where(Family::events, "", [&](std::string_view key, std::string_view) {
    std::string id(key);
    std::int64_t at = event_id_time_us(id);
    if (at == 0) return Sweep::keep;
    if (at >= cutoff_us) return Sweep::stop;
    return keep(id) ? Sweep::keep : Sweep::remove;
  });
}

Status EventLog::scan(const std::string& from_id, const std::function<bool(const Event&)>& visit) const {
  Status failure;
  Status scanned = store_.scan(
      Family::events, "",
      [&](std::string_view key, std::string_view value) {
        auto event = decode_event(value);
        if (!event) {
          failure = make_error("event " + std::string(key) + ": " + event.error());
          return false;
        }
        return visit(*event);
      },
      from_id);
  if (!scanned.ok()) return scanned;
  return failure;
}

}  // namespace causeway
