#include "bridge/id_map.h"

#include <nlohmann/json.hpp>

namespace causeway {
namespace {

using nlohmann::json;

constexpr struct {
  CopyKind kind;
  const char* name;
} kKinds[] = {{CopyKind::post, "post"}, {CopyKind::reply, "reply"}, {CopyKind::like, "like"},
              {CopyKind::repost, "repost"}, {CopyKind::follow, "follow"}};

const char* kind_name(CopyKind k) {
  for (const auto& e : kKinds)
    if (e.kind == k) return e.name;
  return "post";
}

// Entries written before kinds were named ("" or unknown) were fediverse posts.
CopyKind kind_from(const std::string& name) {
  for (const auto& e : kKinds)
    if (name == e.name) return e.kind;
  return CopyKind::post;
}

// A newline is in no bridge name, DID or at-uri: one account's entries never mix with another's.
std::string reply_by_prefix(const std::string& bridge, const std::string& did) {
  return "reply-by/" + bridge + "\n" + did + "\n";
}

// The index entry of a Bluesky reply brought over, or "" for any other copy.
std::string reply_by_key(const BlueskyCopy& copy) {
  if (copy.kind != CopyKind::reply || copy.records.empty()) return "";
  const std::string& uri = copy.records.front().uri;
  std::string did(at_uri_authority(uri));
  if (did.empty()) return "";
  return reply_by_prefix(copy.bridge, did) + uri;
}

// The index entry of a fediverse post mirrored, or "" for any other copy.
std::string post_by_key(const std::string& ap_id, const BlueskyCopy& copy) {
  if (copy.kind != CopyKind::post || copy.author.empty() || copy.author.find('\n') != std::string::npos) return "";
  return "post-by/" + copy.bridge + "\n" + copy.author + "\n" + ap_id;
}

json ref_json(const StrongRef& r) { return {{"uri", r.uri}, {"cid", r.cid}}; }
StrongRef ref_from(const json& j) { return {j.value("uri", ""), j.value("cid", "")}; }

}  // namespace

void IdMap::link(WriteBatch& batch, const std::string& ap_id, const BlueskyCopy& copy) const {
  json records = json::array();
  for (const auto& r : copy.records) records.push_back(ref_json(r));
  json j{{"bridge", copy.bridge}, {"records", records}, {"root", ref_json(copy.root)}, {"kind", kind_name(copy.kind)}};
  if (!copy.parent.uri.empty()) j["parent"] = ref_json(copy.parent);
  if (!copy.author.empty()) j["author"] = copy.author;
  batch.put(Family::idmap, "ap/" + ap_id, j.dump());
  for (const auto& r : copy.records)
    batch.put(Family::idmap, "at/" + r.uri, json{{"ap", ap_id}, {"bridge", copy.bridge}}.dump());
  if (std::string key = reply_by_key(copy); !key.empty()) batch.put(Family::idmap, key, ap_id);
  if (std::string key = post_by_key(ap_id, copy); !key.empty()) batch.put(Family::idmap, key, "");
}

void IdMap::unlink(WriteBatch& batch, const std::string& ap_id, const BlueskyCopy& copy) const {
  batch.remove(Family::idmap, "ap/" + ap_id);
  for (const auto& r : copy.records) batch.remove(Family::idmap, "at/" + r.uri);
  if (std::string key = reply_by_key(copy); !key.empty()) batch.remove(Family::idmap, key);
  if (std::string key = post_by_key(ap_id, copy); !key.empty()) batch.remove(Family::idmap, key);
}

Result<std::vector<std::string>> IdMap::keys_under(const std::string& prefix, std::size_t max) const {
  std::vector<std::string> out;
  Status s = store_.scan(Family::idmap, prefix, [&](std::string_view key, std::string_view) {
    if (out.size() >= max) return false;
    out.emplace_back(key.substr(prefix.size()));
    return true;
  });
  if (!s.ok()) return Error{s.error()};
  return out;
}

Result<std::vector<std::string>> IdMap::posts_by(const std::string& bridge, const std::string& actor,
                                                 std::size_t max) const {
  return keys_under("post-by/" + bridge + "\n" + actor + "\n", max);
}

Result<std::vector<std::string>> IdMap::replies_by(const std::string& bridge, const std::string& did,
                                                   std::size_t max) const {
  return keys_under(reply_by_prefix(bridge, did), max);
}

Result<std::optional<BlueskyCopy>> IdMap::bluesky_copy(const std::string& ap_id) const {
  auto v = store_.get(Family::idmap, "ap/" + ap_id);
  if (!v) return Error{v.error()};
  if (!v->has_value()) return std::optional<BlueskyCopy>{};
  auto j = json::parse(**v, nullptr, false);
  if (!j.is_object()) return make_error("id map entry of " + ap_id + " is damaged");
  BlueskyCopy copy;
  copy.bridge = j.value("bridge", "");
  copy.kind = kind_from(j.value("kind", ""));
  copy.author = j.value("author", "");
  if (auto it = j.find("records"); it != j.end() && it->is_array())
    for (const auto& r : *it) copy.records.push_back(ref_from(r));
  if (auto it = j.find("root"); it != j.end() && it->is_object()) copy.root = ref_from(*it);
  if (auto it = j.find("parent"); it != j.end() && it->is_object()) copy.parent = ref_from(*it);
  return std::optional<BlueskyCopy>{std::move(copy)};
}

Result<std::optional<std::string>> IdMap::ap_id(const std::string& at_uri) const {
  auto v = store_.get(Family::idmap, "at/" + at_uri);
  if (!v) return Error{v.error()};
  if (!v->has_value()) return std::optional<std::string>{};
  auto j = json::parse(**v, nullptr, false);
  if (!j.is_object() || !j.contains("ap")) return make_error("id map entry of " + at_uri + " is damaged");
  return std::optional<std::string>{j["ap"].get<std::string>()};
}

}  // namespace causeway
