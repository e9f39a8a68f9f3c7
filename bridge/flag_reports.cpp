#include "bridge/flag_reports.h"

#include <nlohmann/json.hpp>

namespace causeway {
namespace {
constexpr std::string_view kPrefix = "flag/";
}  // namespace

void FlagReports::record(WriteBatch& batch, std::string_view activity_id, std::string_view activity_json,
                         std::int64_t received_us) {
  // The activity is already JSON: it is put in as it is rather than parsed again.
  std::string value = "{\"received_us\":" + std::to_string(received_us) + ",\"activity\":";
  value += activity_json;
  value += "}";
  batch.put(Family::social, std::string(kPrefix) + std::string(activity_id), value);
}

Result<std::size_t> FlagReports::prune_older_than(std::int64_t cutoff_us) const {
  return store_.remove_where(Family::social, kPrefix, [&](std::string_view, std::string_view value) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_object()) return Sweep::keep;
    auto at = j.find("received_us");
    if (at == j.end() || !at->is_number_integer()) return Sweep::keep;
    return at->get<std::int64_t>() < cutoff_us ? Sweep::remove : Sweep::keep;
  });
}

}  // namespace causeway
