#include "protocols/atproto/profile_record.h"

#include <string_view>

namespace causeway::atproto {
namespace {

using nlohmann::json;

std::string_view trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// `text` cut to `limits`, with "…" in place of what was cut.
std::string fitted(std::string_view text, const PostLimits& limits) {
  if (text.size() <= limits.bytes && grapheme_count(text) <= limits.graphemes) return std::string(text);
  static constexpr std::string_view kEllipsis = "…";
  if (limits.graphemes < 1 || limits.bytes < kEllipsis.size()) return "";
  std::string out(trimmed(grapheme_prefix(text, {limits.graphemes - 1, limits.bytes - kEllipsis.size()})));
  return out + std::string(kEllipsis);
}

}  // namespace

std::string profile_description(const std::string& summary, const std::string& url) {
  std::string_view text = trimmed(summary);
  std::string link = url.empty() ? "" : "Mirror of " + url;
  if (link.empty() || link.size() > kDescriptionLimits.bytes || grapheme_count(link) > kDescriptionLimits.graphemes)
    return fitted(text, kDescriptionLimits);
  if (text.empty()) return link;
  std::string tail = "\n\n" + link;
  std::size_t tail_graphemes = grapheme_count(tail);
  if (tail_graphemes >= kDescriptionLimits.graphemes || tail.size() >= kDescriptionLimits.bytes) return link;
  std::string head = fitted(text, {kDescriptionLimits.graphemes - tail_graphemes, kDescriptionLimits.bytes - tail.size()});
  return head.empty() ? link : head + tail;
}

json profile_record(const GroupProfileFields& group, const json& current) {
  json record = current.is_object() ? current : json::object();
  record["$type"] = kProfileCollection;
  std::string name = fitted(trimmed(group.display_name), kDisplayNameLimits);
  if (name.empty()) record.erase("displayName");
  else record["displayName"] = name;
  std::string description = profile_description(group.summary, group.url);
  if (description.empty()) record.erase("description");
  else record["description"] = description;
  if (group.avatar) record["avatar"] = *group.avatar;
  else record.erase("avatar");
  return record;
}

std::string avatar_cid(const json& record) {
  if (!record.is_object()) return "";
  auto avatar = record.find("avatar");
  if (avatar == record.end() || !avatar->is_object()) return "";
  auto ref = avatar->find("ref");
  if (ref == avatar->end() || !ref->is_object()) return "";
  auto link = ref->find("$link");
  return link != ref->end() && link->is_string() ? link->get<std::string>() : "";
}

}  // namespace causeway::atproto
