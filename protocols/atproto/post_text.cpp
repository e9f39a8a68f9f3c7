#include "protocols/atproto/post_text.h"

#include <algorithm>

#include <utf8proc.h>

#include "bridge/base/url.h"

namespace causeway::atproto {
namespace {

// Calls `at(offset)` for the byte offset where each extended grapheme cluster starts; a byte that
// is not valid UTF-8 is a cluster of its own.
//
// Between two ASCII characters the only cluster that spans both is CR LF (UAX #29 rules GB3-GB5,
// GB999), and after an ASCII character utf8proc's state is that character's own class, which a
// reset state stands for; so ASCII pairs are decided here, without utf8proc: most posts are
// mostly ASCII, and asking utf8proc for every byte made grapheme counting the cost of a split.
template <class F>
void for_each_cluster_start(std::string_view s, F&& at) {
  utf8proc_int32_t state = 0;
  utf8proc_int32_t prev = -1;
  for (std::size_t i = 0; i < s.size();) {
    if (auto c = static_cast<unsigned char>(s[i]); c < 0x80 && prev >= 0 && prev < 0x80) {
      if (prev != '\r' || c != '\n') at(i);
      prev = c;
      state = 0;
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                              static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) {
      at(i);
      prev = -1;
      state = 0;
      ++i;
      continue;
    }
    if (prev < 0 || utf8proc_grapheme_break_stateful(prev, cp, &state)) at(i);
    prev = cp;
    i += static_cast<std::size_t>(n);
  }
}

bool fits(std::string_view text, const PostLimits& limits) {
  return text.size() <= limits.bytes && grapheme_count(text) <= limits.graphemes;
}

// Below these no text could ever be placed (a code point takes up to 4 bytes).
PostLimits usable(const PostLimits& limits) {
  return {std::max<std::size_t>(limits.graphemes, 1), std::max<std::size_t>(limits.bytes, 4)};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The code point that ends just before `offset`, or -1.
utf8proc_int32_t code_point_before(std::string_view s, std::size_t offset) {
  std::size_t start = offset;
  while (start > 0 && offset - start < 4) {
    --start;
    if ((static_cast<unsigned char>(s[start]) & 0xC0) != 0x80) break;
  }
  utf8proc_int32_t cp = -1;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + start),
                            static_cast<utf8proc_ssize_t>(offset - start), &cp);
  return n == static_cast<utf8proc_ssize_t>(offset - start) ? cp : -1;
}

// Cuts a post's text into parts. Works on "units": grapheme clusters, except that a cluster longer
// than the byte limit is split into its code points so every unit fits in a part on its own.
class Cutter {
 public:
  Cutter(const RichText& post, std::size_t max_unit_bytes) : post_(post), text_(post.text) {
    for_each_cluster_start(text_, [&](std::size_t i) { at_.push_back(i); });
    at_.push_back(text_.size());
    split_oversize_units(max_unit_bytes);
    blocked_.assign(at_.size(), false);
    for (const auto& f : post_.facets) {
      for (std::size_t u = unit_at(f.byte_start) + 1; u < at_.size() && at_[u] < f.byte_end; ++u) blocked_[u] = true;
    }
  }

  std::size_t units() const { return at_.size() - 1; }

  // The furthest unit index that [k, end) may reach within the room; k when not even one fits.
  std::size_t window_end(std::size_t k, std::size_t room_graphemes, std::size_t room_bytes) const {
    std::size_t end = std::min(units(), k + room_graphemes);
    while (end > k && at_[end] - at_[k] > room_bytes) --end;
    return end;
  }

  // Where to end a part that starts at unit k and may reach `last` (< units()). Splitting a thread
  // prefers the structure of the text in the second half of the window; truncating keeps the most.
  std::size_t best_cut(std::size_t k, std::size_t last, bool prefer_structure) const {
    if (prefer_structure) {
      std::size_t half = k + (last - k + 1) / 2;
      if (auto c = rightmost(half, last, [&](std::size_t u) { return starts_paragraph(u); })) return c;
      if (auto c = rightmost(half, last, [&](std::size_t u) { return ends_sentence(u); })) return c;
    }
    if (auto c = rightmost(k + 1, last, [&](std::size_t u) { return is_space_unit(u); })) return c;
    if (auto c = rightmost(k + 1, last, [](std::size_t) { return true; })) return c;
    return last;  // a facet covers the whole window: cut through it
  }

  std::size_t skip_space(std::size_t k) const {
    while (k < units() && is_space_unit(k)) ++k;
    return k;
  }

  // The part [k, end) without trailing whitespace, with the facets wholly inside it rebased.
  RichText part(std::size_t k, std::size_t end) const {
    while (end > k && is_space_unit(end - 1)) --end;
    auto from = at_[k], to = at_[end];
    RichText out{std::string(text_.substr(from, to - from)), {}};
    for (const auto& f : post_.facets) {
      if (f.byte_start >= from && f.byte_end <= to)
        out.facets.push_back({f.type, static_cast<std::uint32_t>(f.byte_start - from),
                              static_cast<std::uint32_t>(f.byte_end - from), f.target});
    }
    return out;
  }

 private:
  void split_oversize_units(std::size_t max_unit_bytes) {
    std::vector<std::size_t> split;
    for (std::size_t u = 0; u + 1 < at_.size(); ++u) {
      split.push_back(at_[u]);
      if (at_[u + 1] - at_[u] <= max_unit_bytes) continue;
      for (std::size_t i = at_[u] + 1; i < at_[u + 1]; ++i) {
        if (is_utf8_boundary(text_, i)) split.push_back(i);
      }
    }
    split.push_back(text_.size());
    at_ = std::move(split);
  }

  std::size_t unit_at(std::size_t offset) const {
    return static_cast<std::size_t>(std::upper_bound(at_.begin(), at_.end(), offset) - at_.begin()) - 1;
  }

  template <class P>
  std::size_t rightmost(std::size_t from, std::size_t last, P&& wanted) const {
    for (std::size_t u = last; u >= from && u > 0; --u) {
      if (!blocked_[u] && wanted(u)) return u;
    }
    return 0;
  }

  bool is_space_unit(std::size_t u) const {
    for (auto i = at_[u]; i < at_[u + 1]; ++i) {
      if (!is_space(text_[i])) return false;
    }
    return true;
  }

  bool starts_paragraph(std::size_t u) const {
    auto rest = text_.substr(at_[u]);
    return rest.starts_with("\n\n") || rest.starts_with("\r\n\r\n");
  }

  // After ". ", "! ", "? ", "… ", or after a CJK full stop, which needs no space.
  bool ends_sentence(std::size_t u) const {
    auto cp = code_point_before(text_, at_[u]);
    if (cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F) return true;
    return (cp == '.' || cp == '!' || cp == '?' || cp == 0x2026) && is_space_unit(u);
  }

  const RichText& post_;
  std::string_view text_;
  std::vector<std::size_t> at_;  // byte offset where each unit starts, then the text's size
  std::vector<bool> blocked_;    // the unit starts strictly inside a facet
};

}  // namespace

std::size_t grapheme_count(std::string_view utf8) {
  std::size_t n = 0;
  for_each_cluster_start(utf8, [&](std::size_t) { ++n; });
  return n;
}

std::string_view grapheme_prefix(std::string_view utf8, const PostLimits& limits) {
  std::size_t clusters = 0, cut = 0;
  bool stopped = false;
  // The prefix that ends where cluster n starts holds n clusters.
  for_each_cluster_start(utf8, [&](std::size_t start) {
    if (stopped) return;
    if (clusters > limits.graphemes || start > limits.bytes) {
      stopped = true;
      return;
    }
    cut = start;
    ++clusters;
  });
  if (!stopped && clusters <= limits.graphemes && utf8.size() <= limits.bytes) cut = utf8.size();
  return utf8.substr(0, cut);
}

RichText postable(const RichText& in) {
  RichText out{in.text, {}};
  for (auto& f : well_formed_facets(in)) {
    if (f.type == Facet::Type::link && !is_web_link(f.target)) continue;
    if (f.type == Facet::Type::hashtag &&
        (f.target.size() > kMaxTagBytes || grapheme_count(f.target) > kMaxTagGraphemes))
      continue;
    out.facets.push_back(std::move(f));
  }
  return out;
}

std::vector<RichText> split_post(const RichText& in, const PostLimits& requested) {
  auto limits = usable(requested);
  RichText post = postable(in);
  if (fits(post.text, limits)) return {std::move(post)};
  Cutter cutter(post, limits.bytes);
  std::vector<RichText> parts;
  for (std::size_t k = cutter.skip_space(0); k < cutter.units();) {
    std::size_t last = cutter.window_end(k, limits.graphemes, limits.bytes);
    std::size_t end = last == cutter.units() ? last : cutter.best_cut(k, last, true);
    parts.push_back(cutter.part(k, end));
    k = cutter.skip_space(end);
  }
  return parts;
}

RichText truncate_post(const RichText& in, const PostLimits& requested, const std::string& link_url) {
  auto limits = usable(requested);
  RichText post = postable(in);
  if (fits(post.text, limits)) return post;
  Cutter cutter(post, limits.bytes);
  std::size_t k = cutter.skip_space(0);
  if (RichText trimmed = cutter.part(k, cutter.units()); fits(trimmed.text, limits)) return trimmed;
  auto cut_with = [&](std::string_view suffix) -> std::size_t {
    auto g = grapheme_count(suffix);
    if (g >= limits.graphemes || suffix.size() >= limits.bytes) return k;
    return cutter.window_end(k, limits.graphemes - g, limits.bytes - suffix.size());
  };
  const std::string ellipsis = "\u2026";
  std::string suffix = ellipsis + " " + link_url;
  std::size_t last = cut_with(suffix);
  if (last == k) {
    suffix = ellipsis;
    last = cut_with(suffix);
  }
  RichText out = cutter.part(k, last == k ? k : cutter.best_cut(k, last, false));
  if (suffix == ellipsis) {
    out.append(ellipsis);
  } else {
    out.append(ellipsis + " ");
    if (is_web_link(link_url)) out.append(Facet::Type::link, link_url, link_url);
    else out.append(link_url);
  }
  return out;
}

}  // namespace causeway::atproto
