#include "bridge/seen_ids.h"

#include <charconv>

#include "bridge/event_log.h"

namespace causeway {
namespace {

constexpr std::string_view kActivityPub = "ap/";

std::int64_t decimal_time(std::string_view text) {
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), at);
  return ec == std::errc() && end == text.data() + text.size() && at > 0 ? at : 0;
}

}  // namespace

std::string SeenIds::activitypub_key(std::string_view activity_id) { return std::string(kActivityPub) + std::string(activity_id); }
std::string SeenIds::bluesky_key(std::string_view at_uri) { return "at/" + std::string(at_uri); }
std::string SeenIds::bluesky_delete_key(std::string_view at_uri) { return "at-deleted/" + std::string(at_uri); }

void SeenIds::mark_received(WriteBatch& batch, const std::string& key, std::int64_t now_us) {
  batch.put(Family::seen, key, std::to_string(now_us));
}

void SeenIds::mark_event(WriteBatch& batch, const std::string& key, const std::string& event_id) {
  batch.put(Family::seen, key, event_id);
}

bool SeenIds::contains(const std::string& key) const {
  auto v = store_.get(Family::seen, key);
  return v.ok() && v->has_value();
}

Result<std::size_t> SeenIds::prune_older_than(std::int64_t cutoff_us,
                                              const std::function<bool(const std::string&)>& keep) const {
  return store_.remove_where(Family::seen, "", [&](std::string_view key, std::string_view value) {
    bool received_mark = key.substr(0, kActivityPub.size()) == kActivityPub;
    std::string event_id = received_mark ? "" : std::string(value);
    std::int64_t at = received_mark ? decimal_time(value) : event_id_time_us(event_id);
    if (at == 0 || at >= cutoff_us) return Sweep::keep;
    return !event_id.empty() && keep(event_id) ? Sweep::keep : Sweep::remove;
  });
}

}  // namespace causeway
