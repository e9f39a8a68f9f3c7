// Text with facets: the hub format for post bodies between HTML (ActivityPub) and Bluesky's
// text + byte-range facets. Header-only so the protocol text converters use it without linking the
// core's storage.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/utf8.h"
#include "bridge/event.h"

namespace causeway {

struct RichText {
  std::string text;  // UTF-8; texts over 4 GiB are not supported (facet offsets are 32-bit)
  std::vector<Facet> facets;

  bool operator==(const RichText&) const = default;

  void append(std::string_view more) { text += more; }

  // Appends `more`, shifting its facets to where its text now starts.
  void append(const RichText& more) {
    auto shift = static_cast<std::uint32_t>(text.size());
    text += more.text;
    for (Facet f : more.facets) {
      f.byte_start += shift;
      f.byte_end += shift;
      facets.push_back(std::move(f));
    }
  }

  // Appends `shown` with one facet of `type` over exactly those bytes.
  void append(Facet::Type type, std::string_view shown, std::string target) {
    auto start = static_cast<std::uint32_t>(text.size());
    text += shown;
    facets.push_back({type, start, static_cast<std::uint32_t>(text.size()), std::move(target)});
  }

  // The bytes a facet covers; only meaningful for facets that well_formed_facets keeps.
  std::string_view text_of(const Facet& f) const {
    return std::string_view(text).substr(f.byte_start, f.byte_end - f.byte_start);
  }
};

// The facets of `rt` that can be rendered, ordered by start: non-empty, inside the text, starting
// and ending on UTF-8 boundaries, with a target. Of overlapping facets the one starting first wins
// (the one listed first on a tie): no rendering nests links, so one of them must go.
inline std::vector<Facet> well_formed_facets(const RichText& rt) {
  std::vector<Facet> sorted;
  for (const auto& f : rt.facets) {
    if (f.byte_start < f.byte_end && f.byte_end <= rt.text.size() && !f.target.empty() &&
        is_utf8_boundary(rt.text, f.byte_start) && is_utf8_boundary(rt.text, f.byte_end))
      sorted.push_back(f);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Facet& a, const Facet& b) { return a.byte_start < b.byte_start; });
  std::vector<Facet> kept;
  for (auto& f : sorted) {
    if (kept.empty() || f.byte_start >= kept.back().byte_end) kept.push_back(std::move(f));
  }
  return kept;
}

}  // namespace causeway
