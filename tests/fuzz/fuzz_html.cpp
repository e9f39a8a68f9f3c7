// libFuzzer target: remote post HTML to text with facets, that text back to HTML, and cut to fit
// Bluesky posts. Beyond not crashing, it checks what the rest of the bridge relies on: valid UTF-8,
// trimmed text, facets in range on character boundaries, ordered, not overlapping, mentions and
// hashtags written out whole, and every post part within its limits.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocols/activitypub/html_text.h"
#include "protocols/atproto/post_text.h"

using namespace causeway;
using namespace causeway::activitypub;

namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

void check(bool ok) {
  if (!ok) std::abort();
}

void check_fits(const RichText& part, const atproto::PostLimits& limits) {
  check(part.text.size() <= limits.bytes && atproto::grapheme_count(part.text) <= limits.graphemes);
  check(well_formed_facets(part).size() == part.facets.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<As2Tag> tags{{"Mention", "https://m.example/users/a", "@a"},
                                        {"Mention", "https://o.example/users/b", "@b@o.example"},
                                        {"Hashtag", "https://m.example/tags/t", "#t"}};
  std::string_view html(reinterpret_cast<const char*>(data), size);
  RichText rt = html_to_text(html, tags);

  check(valid_utf8(rt.text));
  check(rt.text.empty() || (!is_space(rt.text.front()) && !is_space(rt.text.back())));
  std::uint32_t previous_end = 0;
  for (const auto& f : rt.facets) {
    check(f.byte_start >= previous_end && f.byte_start < f.byte_end && f.byte_end <= rt.text.size());
    check(is_utf8_boundary(rt.text, f.byte_start) && is_utf8_boundary(rt.text, f.byte_end));
    auto shown = rt.text_of(f);
    if (f.type == Facet::Type::hashtag) check(shown == "#" + f.target);
    if (f.type == Facet::Type::mention) check(shown.starts_with('@') && shown.find('@', 1) != std::string_view::npos);
    previous_end = f.byte_end;
  }
  check(well_formed_facets(rt).size() == rt.facets.size());

  auto html_again = text_to_html(rt, [](const std::string& target) { return MentionLink{target, "a@m.example"}; },
                                 "https://bsky.app/hashtag/");
  check(valid_utf8(html_again));

  // Small limits, so that most inputs are cut, several times.
  const atproto::PostLimits limits{20, 60};
  for (const auto& part : atproto::split_post(rt, limits)) check_fits(part, limits);
  check_fits(atproto::truncate_post(rt, limits, "https://b.example/p/1"), limits);
  return 0;
}
