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
}

void IdMap::unlink(WriteBatch& batch, const std::string& ap_id, const BlueskyCopy& copy) const {
  batch.remove(Family::idmap, "ap/" + ap_id);
  for (const auto& r : copy.records) batch.remove(Family::idmap, "at/" + r.uri);
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
