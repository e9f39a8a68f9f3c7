#include "protocols/activitypub/outbox.h"

#include <cstdio>
#include <set>

#include "bridge/base/url.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

// Newest first in key order: the key holds the time subtracted from a constant.
std::string outbox_key(const std::string& actor_key, std::int64_t now_us, const std::string& id) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(INT64_MAX - now_us));
  return "outbox/" + actor_key + '\x1f' + buf + "/" + id;
}

}  // namespace

std::string delivery_inbox(const Follower& recipient) {
  // A shared inbox speaks for the users of its own server only: one elsewhere is a claim on
  // another server's members, and would take their deliveries.
  if (!recipient.shared_inbox.empty() && host_of_url(recipient.shared_inbox) == host_of_url(recipient.actor))
    return recipient.shared_inbox;
  return recipient.inbox;
}

std::string encode_payload(const DeliveryPayload& payload) {
  json j{{"actor", payload.actor_key}, {"activity", payload.activity}};
  if (!payload.boost.empty()) j["boost"] = payload.boost;
  return j.dump();
}

std::optional<DeliveryPayload> decode_payload(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object() || !j.contains("actor") || !j.contains("activity")) return std::nullopt;
  return DeliveryPayload{j.value("actor", ""), j.value("activity", ""), j.value("boost", "")};
}

void Outbox::publish(WriteBatch& batch, const LocalActor& from, const json& activity,
                     const std::vector<Follower>& recipients, const json* boost) {
  std::int64_t now = clock_();
  std::string id = activity.value("id", "");
  std::string text = activity.dump();
  batch.put(Family::local, "object/" + id, text);
  batch.put(Family::local, outbox_key(from.key, now, id), id);
  std::string boost_text = boost ? boost->dump() : "";
  if (boost) batch.put(Family::local, "object/" + boost->value("id", ""), boost_text);  // so its id dereferences

  std::set<std::string> inboxes;
  for (const auto& r : recipients) inboxes.insert(delivery_inbox(r));
  inboxes.erase("");
  std::string payload = encode_payload({from.key, text, boost_text});
  for (const auto& inbox : inboxes) {
    Job job;
    job.id = id + " -> " + inbox;
    job.kind = kDeliverJob;
    job.target = inbox;
    job.payload = payload;
    queue_.enqueue(batch, std::move(job));
  }
}

Result<std::optional<json>> Outbox::object(const std::string& id) const {
  auto stored = store_.get(Family::local, "object/" + id);
  if (!stored) return Error{stored.error()};
  if (!stored->has_value()) return std::optional<json>();
  json j = json::parse(**stored, nullptr, false);
  if (j.is_discarded()) return make_error("stored object " + id + " is damaged");
  return std::optional<json>(std::move(j));
}

Result<std::vector<std::string>> Outbox::activity_ids(const LocalActor& actor, std::size_t max) const {
  std::vector<std::string> ids;
  Status s = store_.scan(Family::local, "outbox/" + actor.key + '\x1f', [&](std::string_view, std::string_view value) {
    ids.emplace_back(value);
    return ids.size() < max;
  });
  if (!s.ok()) return Error{s.error()};
  return ids;
}

}  // namespace causeway::activitypub
