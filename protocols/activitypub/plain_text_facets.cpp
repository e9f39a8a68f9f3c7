#include "protocols/activitypub/plain_text_facets.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace causeway::activitypub {
namespace {

// One code point of UTF-8 at `i`: its value and length (invalid bytes read as U+FFFD, length 1).
struct CodePoint {
  char32_t value;
  std::size_t size;
};

CodePoint decode(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return {0xFFFD, 1};
  char32_t v = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 2) return {0xFFFD, 1};
    v = (v << 6) | (c & 0x3F);
  }
  return {v, n};
}

// The code point ending just before `i`.
CodePoint decode_before(std::string_view s, std::size_t i) {
  std::size_t start = i - 1;
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(s[start]) >> 6) == 2) --start;
  CodePoint cp = decode(s, start);
  return cp.size == i - start ? cp : CodePoint{0xFFFD, 1};
}

// JavaScript's \s.
bool is_space(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// Unicode's P (punctuation) categories, for the ranges posts use: ASCII, Latin-1, general and CJK
// punctuation, full-width forms.
bool is_punctuation(char32_t c) {
  if (c < 0x80) {
    constexpr std::string_view ascii = "!\"#%&'()*,-./:;?@[\\]_{}";
    return ascii.find(static_cast<char>(c)) != std::string_view::npos;
  }
  return c == 0xA1 || c == 0xA7 || c == 0xAB || c == 0xB6 || c == 0xB7 || c == 0xBB || c == 0xBF ||
         (c >= 0x2010 && c <= 0x2027) || (c >= 0x2030 && c <= 0x205E) || (c >= 0x3001 && c <= 0x3003) ||
         (c >= 0x3008 && c <= 0x3011) || (c >= 0xFF01 && c <= 0xFF0F && c != 0xFF04 && c != 0xFF0B) ||
         c == 0xFF1A || c == 0xFF1B || c == 0xFF1F || c == 0xFF20;
}

// Characters that end a hashtag besides spaces: soft hyphen, word joiners, zero-width spaces and
// the combining enclosing keycap.
bool breaks_tag(char32_t c) {
  return c == 0xAD || c == 0x2060 || c == 0x200A || c == 0x200B || c == 0x200C || c == 0x200D || c == 0x20E2;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether the code point before `i` allows a link, tag or mention to start at `i`.
bool starts_word(std::string_view s, std::size_t i, bool paren) {
  if (i == 0) return true;
  char32_t c = decode_before(s, i).value;
  return is_space(c) || (paren && c == '(');
}

// Scheme-less links need a real top-level domain; without the IANA list at hand, a TLD is two or
// more letters that are not a file extension people write ("photo.jpg", "website.com.jpg").
bool plausible_tld(std::string_view tld) {
  if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return false;
  static constexpr std::array<std::string_view, 40> extensions{
      "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "bmp", "tif", "tiff", "heic", "mp3", "mp4", "m4a",
      "wav", "ogg", "webm", "mkv", "avi", "pdf", "txt", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "csv",
      "htm", "html", "php", "js", "ts", "css", "json", "xml", "exe", "dll", "tgz", "rar"};
  return std::find(extensions.begin(), extensions.end(), tld) == extensions.end();
}

std::size_t end_of_nonspace(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    CodePoint cp = decode(s, i);
    if (is_space(cp.value)) break;
    i += cp.size;
  }
  return i;
}

// A link starting at `i`, as [i, end) and its target; end == i when there is none.
std::size_t link_at(std::string_view s, std::size_t i, std::string& target) {
  std::size_t end = end_of_nonspace(s, i);
  std::string_view word = s.substr(i, end - i);
  bool scheme = word.starts_with("https://") || word.starts_with("http://");
  if (scheme) {
    if (word.size() <= (word[4] == 's' ? 8u : 7u)) return i;
  } else {
    // [a-z][a-z0-9]*(\.[a-z0-9]+)+, case-insensitively, then anything up to a space.
    std::size_t k = 0;
    if (word.empty() || !(lower(word[0]) >= 'a' && lower(word[0]) <= 'z')) return i;
    while (k < word.size() && is_alnum_lower(lower(word[k]))) ++k;
    std::size_t labels = 0, last_label = 0;
    while (k + 1 < word.size() && word[k] == '.' && is_alnum_lower(lower(word[k + 1]))) {
      last_label = ++k;
      while (k < word.size() && is_alnum_lower(lower(word[k]))) ++k;
      ++labels;
    }
    if (labels == 0) return i;
    std::string tld;
    for (char c : word.substr(last_label, k - last_label)) tld += lower(c);
    if (!plausible_tld(tld)) return i;
  }
  while (end > i && std::string_view(".,;:!?").find(s[end - 1]) != std::string_view::npos) --end;
  if (end > i && s[end - 1] == ')' && s.substr(i, end - i).find('(') == std::string_view::npos) --end;
  target = scheme ? std::string(s.substr(i, end - i)) : "https://" + std::string(s.substr(i, end - i));
  return end;
}

// A hashtag whose '#' (one or three bytes) is at `i`.
std::size_t hashtag_at(std::string_view s, std::size_t i, std::size_t sign, std::string& target) {
  std::size_t start = i + sign, end = start;
  while (end < s.size()) {
    CodePoint cp = decode(s, end);
    if (is_space(cp.value) || breaks_tag(cp.value) || (end == start && cp.value == 0xFE0F)) break;
    end += cp.size;
  }
  // Trailing punctuation is not part of the tag.
  while (end > start) {
    CodePoint cp = decode_before(s, end);
    if (!is_punctuation(cp.value)) break;
    end -= cp.size;
  }
  bool has_word = false;
  std::size_t units = 0;
  for (std::size_t k = start; k < end;) {
    CodePoint cp = decode(s, k);
    if (!is_digit(cp.value) && !is_punctuation(cp.value)) has_word = true;
    units += cp.value > 0xFFFF ? 2 : 1;
    k += cp.size;
  }
  if (!has_word || units > 64) return i;
  target = std::string(s.substr(start, end - start));
  return end;
}

bool is_name_char(char c) { return is_alnum_lower(lower(c)) || c == '.' || c == '-' || c == '_'; }

// A mention whose '@' is at `i`: "@name" or "@name@host", without a trailing '.'.
std::size_t mention_at(std::string_view s, std::size_t i, std::string& written) {
  std::size_t end = i + 1;
  while (end < s.size() && is_name_char(s[end])) ++end;
  if (end == i + 1) return i;
  if (end + 1 < s.size() && s[end] == '@' && is_alnum_lower(lower(s[end + 1]))) {
    ++end;
    while (end < s.size() && is_name_char(s[end])) ++end;
  }
  while (end > i + 1 && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
  written = std::string(s.substr(i + 1, end - i - 1));
  return end;
}

}  // namespace

std::vector<Facet> plain_text_facets(std::string_view s, const MentionLookup& mention) {
  std::vector<Facet> out;
  auto add = [&](Facet::Type type, std::size_t start, std::size_t end, std::string target) {
    out.push_back({type, static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(end), std::move(target)});
  };
  for (std::size_t i = 0; i < s.size();) {
    std::string target;
    std::size_t end = i;
    if (s[i] == '@' && starts_word(s, i, true)) {
      end = mention_at(s, i, target);
      if (end > i) {
        std::string resolved = mention ? mention(target) : std::string();
        if (!resolved.empty()) add(Facet::Type::mention, i, end, std::move(resolved));
      }
    } else if ((s[i] == '#' || s.substr(i, 3) == "\xEF\xBC\x83") && starts_word(s, i, false)) {
      end = hashtag_at(s, i, s[i] == '#' ? 1 : 3, target);
      if (end > i) add(Facet::Type::hashtag, i, end, std::move(target));
    } else if (starts_word(s, i, true)) {
      end = link_at(s, i, target);
      if (end > i) add(Facet::Type::link, i, end, std::move(target));
    }
    if (end > i) {
      i = end;
      continue;
    }
    i += decode(s, i).size;
  }
  return out;
}

}  // namespace causeway::activitypub
