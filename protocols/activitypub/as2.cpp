#include "protocols/activitypub/as2.h"

#include <algorithm>

namespace causeway::activitypub {
namespace {

// Deepest nesting of objects and arrays in `text`, stopping as soon as it passes `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

bool is_absolute_http(const std::string& s) { return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0; }

}  // namespace

Result<nlohmann::json> parse_as2(std::string_view body, const As2Limits& limits) {
  if (body.size() > limits.max_bytes)
    return make_error("body is " + std::to_string(body.size()) + " bytes, over the limit of " + std::to_string(limits.max_bytes));
  if (nesting_depth(body, limits.max_depth) > limits.max_depth)
    return make_error("JSON is nested deeper than " + std::to_string(limits.max_depth) + " levels");
  nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) return make_error("body is not valid JSON");
  if (!j.is_object()) return make_error("body is not a JSON object");
  return j;
}

std::string string_member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::string> id_of(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object()) {
    auto it = value.find("id");
    if (it != value.end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}

std::vector<std::string> ids_of(const nlohmann::json& object, const char* property) {
  std::vector<std::string> out;
  auto it = object.find(property);
  if (it == object.end()) return out;
  if (it->is_array()) {
    for (const auto& v : *it)
      if (auto id = id_of(v)) out.push_back(*id);
  } else if (auto id = id_of(*it)) {
    out.push_back(*id);
  }
  return out;
}

bool ActivityView::addressed_to(const std::string& target) const {
  auto has = [&](const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), target) != v.end(); };
  return has(to) || has(cc) || has(audience);
}

bool is_public_address(std::string_view id) {
  return id == kPublic || id == "http://www.w3.org/ns/activitystreams#Public" || id == "as:Public" || id == "Public";
}

bool ActivityView::is_public() const {
  for (const auto* list : {&to, &cc, &audience})
    if (std::any_of(list->begin(), list->end(), [](const std::string& a) { return is_public_address(a); })) return true;
  return false;
}

Result<ActivityView> view_activity(const nlohmann::json& activity) {
  ActivityView v;
  auto id = id_of(activity);
  if (!id || !is_absolute_http(*id)) return make_error("activity has no absolute id");
  v.id = *id;
  auto type = activity.find("type");
  if (type == activity.end() || !type->is_string()) return make_error("activity " + v.id + " has no type");
  v.type = type->get<std::string>();
  auto actor = activity.find("actor");
  auto actor_id = actor == activity.end() ? std::nullopt : id_of(*actor);
  if (!actor_id || !is_absolute_http(*actor_id)) return make_error("activity " + v.id + " has no actor");
  v.actor = *actor_id;
  if (auto object = activity.find("object"); object != activity.end()) {
    v.object_id = id_of(*object);
    if (object->is_object()) v.object = &*object;
  }
  v.to = ids_of(activity, "to");
  v.cc = ids_of(activity, "cc");
  v.audience = ids_of(activity, "audience");
  if (v.object) {
    for (const char* p : {"to", "cc", "audience"}) {
      auto& target = std::string(p) == "to" ? v.to : std::string(p) == "cc" ? v.cc : v.audience;
      for (auto& extra : ids_of(*v.object, p))
        if (std::find(target.begin(), target.end(), extra) == target.end()) target.push_back(extra);
    }
  }
  return v;
}

bool is_activity_json_type(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  std::string base(content_type.substr(0, semicolon));
  base.erase(std::remove(base.begin(), base.end(), ' '), base.end());
  std::transform(base.begin(), base.end(), base.begin(), [](unsigned char c) { return std::tolower(c); });
  if (base == "application/activity+json") return true;
  if (base == "application/ld+json")
    return content_type.find("https://www.w3.org/ns/activitystreams") != std::string_view::npos;
  return base == "application/json";
}

}  // namespace causeway::activitypub
