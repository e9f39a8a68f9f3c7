// FediverseService's background work for followed groups: resolving groups whose server did not
// answer at start, and catching up on a group's recent posts once it accepts the bridge's follow
// (mirror.backfill). Outbox items are the group's word fetched from its own server, so they are
// taken in as if the group had delivered them: the same reading, duplicate check and routing as
// the inbox (posts still fetched from their origin when the group cannot vouch for them).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "bridge/base/url.h"
#include "bridge/daemon/fediverse_service.h"
#include "bridge/daemon/remote_group_state.h"
#include "bridge/seen_ids.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/note_event.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

constexpr auto kLoopPeriod = std::chrono::seconds(60);

// The items of an OrderedCollection (page), newest first as servers list them.
std::vector<json> items_of(const json& collection) {
  std::vector<json> out;
  for (const char* key : {"orderedItems", "items"})
    if (auto it = collection.find(key); it != collection.end() && it->is_array())
      for (const auto& item : *it) out.push_back(item);
  return out;
}

}  // namespace

void FediverseService::on_group_resolved(std::function<void(const std::string&, const std::string&)> listener) {
  std::lock_guard lock(groups_mu_);
  group_resolved_ = std::move(listener);
}

void FediverseService::wake_group_loop() {
  {
    std::lock_guard lock(loop_mu_);
    loop_woken_ = true;
  }
  loop_cv_.notify_all();
}

bool FediverseService::stopping() {
  std::lock_guard lock(loop_mu_);
  return loop_stopping_;
}

void FediverseService::group_loop() {
  for (;;) {
    for (const auto& bridge : config_.bridges) {
      if (stopping()) return;
      if (!bridge.fediverse.group || bridge.mirror.backfill <= 0) continue;
      RemoteGroupState state = remote_group_state(store_, bridge.name);
      if (state.follow != "accepted") continue;
      auto done = store_.get(Family::meta, "group-backfilled/" + bridge.name);
      if (done.ok() && done->has_value() && **done == state.id) continue;  // once per group
      auto n = backfill(bridge, state.id);
      if (!n) {
        spdlog::warn("bridge {}: backfill from {}: {} (tried again in a minute)", bridge.name, state.id, n.error());
        continue;
      }
      (void)store_.put(Family::meta, "group-backfilled/" + bridge.name, state.id);
      spdlog::info("bridge {}: backfill from {}: {} recent activities taken in", bridge.name, state.id, *n);
    }
    std::unique_lock lock(loop_mu_);
    loop_cv_.wait_for(lock, kLoopPeriod, [this] { return loop_stopping_ || loop_woken_; });
    if (loop_stopping_) return;
    loop_woken_ = false;
    lock.unlock();
    follow_remote_groups(true);
  }
}

Result<int> FediverseService::backfill(const BridgeConfig& bridge, const std::string& group_id) {
  auto group = fetch_document(group_id);
  if (!group) return make_error("the group: " + group.error().message);
  std::string outbox = ap::string_member(*group, "outbox");
  if (outbox.empty() || host_of_url(outbox) != host_of_url(group_id))
    return make_error("the group has no outbox on its own server");
  auto collection = fetch_document(outbox);
  if (!collection) return make_error("its outbox: " + collection.error().message);
  std::vector<json> items = items_of(*collection);
  if (items.empty()) {
    // Paged: the first page, embedded or by its URL on the same server.
    if (auto first = collection->find("first"); first != collection->end()) {
      if (first->is_object()) items = items_of(*first);
      else if (first->is_string() && host_of_url(first->get<std::string>()) == host_of_url(group_id))
        if (auto page = fetch_document(first->get<std::string>())) items = items_of(*page);
    }
  }
  // The group's own activities only (its Announces, its own posts), by the group, on its host.
  std::vector<json> taken;
  // Bounded however the page is made: at most twice as many items looked at as asked for, and
  // given up at once when the daemon stops.
  std::size_t looked = 0, max_looked = 2 * static_cast<std::size_t>(bridge.mirror.backfill) + 10;
  for (auto& item : items) {
    if (taken.size() >= static_cast<std::size_t>(bridge.mirror.backfill) || ++looked > max_looked) break;
    if (stopping()) return make_error("stopping");
    if (item.is_string() && host_of_url(item.get<std::string>()) == host_of_url(group_id)) {
      auto fetched = fetch_document(item.get<std::string>());
      if (!fetched) continue;
      item = *fetched;
    }
    if (!item.is_object()) continue;
    std::string type = ap::string_member(item, "type");
    auto actor = item.contains("actor") ? ap::id_of(item["actor"]) : std::nullopt;
    auto id = ap::id_of(item);
    if ((type != "Announce" && type != "Create") || actor.value_or("") != group_id || !id ||
        host_of_url(*id) != host_of_url(group_id))
      continue;
    taken.push_back(std::move(item));
  }
  std::reverse(taken.begin(), taken.end());  // oldest first, as they happened
  int count = 0;
  for (const json& item : taken) {
    auto view = ap::view_activity(item);
    if (!view) continue;
    auto parsed = ap::event_from_activity(item);
    if (!parsed) {
      spdlog::info("bridge {}: backfill: {} not taken in: {}", bridge.name, view->id, parsed.error());
      continue;
    }
    auto guard = events_.locks().lock({view->id, parsed->origin.object.id});
    std::string seen_key = SeenIds::activitypub_key(view->id);
    if (auto seen = store_.get(Family::seen, seen_key); seen.ok() && seen->has_value()) continue;  // delivered already
    std::int64_t now = clock_();
    WriteBatch batch = store_.batch();
    SeenIds::mark_received(batch, seen_key, now);
    events_.append(batch, *parsed, now);
    if (Status s = store_.write(batch); !s.ok()) return make_error("storing " + view->id + ": " + s.error());
    ++count;
  }
  return count;
}

}  // namespace causeway
