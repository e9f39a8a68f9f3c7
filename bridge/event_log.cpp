#include "bridge/event_log.h"

#include <cstdio>

#include "bridge/event_codec.h"

namespace causeway {

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
