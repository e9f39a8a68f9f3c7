#include "protocols/activitypub/tag_facets.h"

#include <algorithm>

namespace causeway::activitypub {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '@' || c == '.' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

bool is_free(const RichText& rt, std::size_t start, std::size_t end) {
  return std::none_of(rt.facets.begin(), rt.facets.end(),
                      [&](const Facet& f) { return start < f.byte_end && f.byte_start < end; });
}

// The first occurrence of `needle` in `text` (compared in lower case) that stands as a word: not
// preceded by a word character, and not followed by one unless that is a '.' ending a sentence.
std::optional<std::size_t> find_word(const RichText& rt, const std::string& haystack, const std::string& needle) {
  if (needle.size() < 2) return std::nullopt;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    std::size_t end = at + needle.size();
    bool before_ok = at == 0 || !is_word_char(haystack[at - 1]) || haystack[at - 1] == '.';
    bool after_ok = end == haystack.size() || !is_word_char(haystack[end]) ||
                    (haystack[end] == '.' && (end + 1 == haystack.size() || !is_word_char(haystack[end + 1])));
    if (before_ok && after_ok && is_free(rt, at, end)) return at;
  }
  return std::nullopt;
}

void add_facet(RichText& rt, Facet::Type type, std::size_t start, std::size_t end, std::string target) {
  rt.facets.push_back({type, static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end), std::move(target)});
}

}  // namespace

std::vector<std::string> place_unanchored_tags(RichText& rt, const std::vector<As2Tag>& tags) {
  std::vector<std::string> unplaced;
  std::string haystack = lower(rt.text);
  for (const auto& tag : tags) {
    if (tag.type == "Mention") {
      if (tag.href.empty() || tag.name.empty()) continue;
      bool anchored = std::any_of(rt.facets.begin(), rt.facets.end(), [&](const Facet& f) {
        return f.type == Facet::Type::mention && f.target == tag.href;
      });
      if (anchored) continue;
      std::string name = lower(tag.name.starts_with('@') ? tag.name : "@" + tag.name);
      std::optional<std::size_t> at = find_word(rt, haystack, name);
      std::size_t size = name.size();
      if (auto second = name.find('@', 1); !at && second != std::string::npos) {
        at = find_word(rt, haystack, name.substr(0, second));
        size = second;
      }
      if (at) add_facet(rt, Facet::Type::mention, *at, *at + size, tag.href);
    } else if (tag.type == "Hashtag") {
      std::string name = tag.name.starts_with('#') ? tag.name.substr(1) : tag.name;
      if (name.empty() || std::any_of(name.begin(), name.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
        continue;
      std::string key = lower(name);
      bool anchored = std::any_of(rt.facets.begin(), rt.facets.end(), [&](const Facet& f) {
        return f.type == Facet::Type::hashtag && lower(f.target) == key;
      });
      if (anchored) continue;
      if (auto at = find_word(rt, haystack, "#" + key)) {
        add_facet(rt, Facet::Type::hashtag, *at, *at + 1 + key.size(), rt.text.substr(*at + 1, key.size()));
      } else if (unplaced.size() < kMaxUnplacedTags &&
                 std::none_of(unplaced.begin(), unplaced.end(), [&](const std::string& u) { return lower(u) == key; })) {
        unplaced.push_back(name);
      }
    }
  }
  std::stable_sort(rt.facets.begin(), rt.facets.end(),
                   [](const Facet& a, const Facet& b) { return a.byte_start < b.byte_start; });
  return unplaced;
}

}  // namespace causeway::activitypub
