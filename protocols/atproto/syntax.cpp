#include "protocols/atproto/syntax.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace causeway::atproto {
namespace {

// Why a value is malformed, or nullopt when it is well-formed. The checks below return this rather
// than Status so composite formats (an AT URI's authority, an at-identifier) can add context before
// the public validators prefix the kind and the input.
using Problem = std::optional<std::string>;

constexpr size_t kMaxHandle = 253;
constexpr size_t kMaxDnsLabel = 63;
constexpr size_t kMaxDid = 2048;
constexpr size_t kMaxNsid = 317;
constexpr size_t kMaxAtUri = 8192;
constexpr size_t kMaxRecordKey = 512;
constexpr size_t kTidLength = 13;
constexpr size_t kMaxDatetimeFraction = 20;
constexpr size_t kMinCid = 8;
constexpr size_t kMaxCid = 256;
constexpr size_t kMaxUri = 8192;

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(char c) { return is_lower(c) || is_upper(c); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool all_chars(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return to_lower(x) == to_lower(y); });
}

std::string hex_byte(unsigned char u) {
  constexpr char kHex[] = "0123456789ABCDEF";
  return {kHex[u >> 4], kHex[u & 0xF]};
}

// Inputs are untrusted: they are shown escaped, and cut short so an 8 KiB URI cannot flood a log line.
std::string quoted(std::string_view s) {
  constexpr size_t kShown = 80;
  std::string out = "\"";
  for (char c : s.substr(0, kShown)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      out += "\\x" + hex_byte(u);
    }
  }
  if (s.size() <= kShown) return out + '"';
  return out + "...\" (" + std::to_string(s.size()) + " bytes)";
}

// One offending byte, readable even when it is a control byte or part of a UTF-8 sequence.
std::string describe(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  return (u >= 0x80 ? "non-ASCII byte 0x" : "control byte 0x") + hex_byte(u);
}

std::string not_allowed(std::string_view s, size_t i, std::string_view rule) {
  return describe(s[i]) + " at offset " + std::to_string(i) + " is not allowed; " + std::string(rule);
}

std::string too_long(size_t size, size_t limit) {
  return "is " + std::to_string(size) + " characters long; the limit is " + std::to_string(limit);
}

Status checked(std::string_view kind, std::string_view input, const Problem& problem) {
  if (!problem) return Status::success();
  return make_error(std::string(kind) + " " + quoted(input) + ": " + *problem);
}

// One '.'-separated part [start, end) of a domain-style name (handle or NSID): 1-63 characters
// with no '-' at either end. The caller has checked the characters.
Problem dns_label_problem(std::string_view name, size_t start, size_t end, std::string_view noun) {
  if (start == end) {
    if (start == 0) return "starts with '.'";
    if (end == name.size()) return "ends with '.'";
    return "has an empty " + std::string(noun) + " (\"..\") at offset " + std::to_string(start - 1);
  }
  std::string_view label = name.substr(start, end - start);
  if (label.size() > kMaxDnsLabel)
    return std::string(noun) + " " + quoted(label) + " " + too_long(label.size(), kMaxDnsLabel);
  if (label.front() == '-' || label.back() == '-')
    return std::string(noun) + " " + quoted(label) + " must not start or end with '-'";
  return std::nullopt;
}

Problem handle_problem(std::string_view h) {
  if (h.empty()) return "is empty";
  if (h.size() > kMaxHandle) return too_long(h.size(), kMaxHandle);
  size_t labels = 0;
  size_t start = 0;
  for (size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '.') {
      if (auto p = dns_label_problem(h, start, i, "label")) return p;
      ++labels;
      if (i < h.size()) start = i + 1;
    } else if (!is_alnum(h[i]) && h[i] != '-') {
      return not_allowed(h, i, "handles use only ASCII letters, digits, '-' and '.'");
    }
  }
  if (labels < 2) return "must have at least two labels separated by '.'";
  if (!is_alpha(h[start])) return "top-level label " + quoted(h.substr(start)) + " must start with a letter";
  return std::nullopt;
}

Problem did_problem(std::string_view d) {
  if (d.empty()) return "is empty";
  if (d.size() > kMaxDid) return too_long(d.size(), kMaxDid);
  if (d.substr(0, 4) != "did:") return "must start with \"did:\" (lowercase)";
  size_t i = 4;
  while (i < d.size() && is_lower(d[i])) ++i;
  if (i == d.size()) return "must have a method and an identifier: did:METHOD:IDENTIFIER";
  if (d[i] != ':') return "the method " + not_allowed(d, i, "methods are lowercase ASCII letters");
  if (i == 4) return "the method is empty";
  if (++i == d.size()) return "the identifier after the method is empty";
  for (; i < d.size(); ++i) {
    char c = d[i];
    if (!is_alnum(c) && c != '.' && c != '_' && c != ':' && c != '%' && c != '-')
      return not_allowed(d, i, "DIDs use only ASCII letters, digits and . _ : % -");
  }
  if (d.back() == ':' || d.back() == '%') return std::string("must not end with '") + d.back() + "'";
  return std::nullopt;
}

Problem nsid_problem(std::string_view n) {
  if (n.empty()) return "is empty";
  if (n.size() > kMaxNsid) return too_long(n.size(), kMaxNsid);
  size_t segments = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n.size(); ++i) {
    if (i == n.size() || n[i] == '.') {
      if (auto p = dns_label_problem(n, start, i, "segment")) return p;
      if (segments == 0 && !is_alpha(n[0]))
        return "first segment " + quoted(n.substr(0, i)) + " must start with a letter";
      ++segments;
      if (i < n.size()) start = i + 1;
    } else if (!is_alnum(n[i]) && n[i] != '-') {
      return not_allowed(n, i, "NSIDs use only ASCII letters, digits, '-' and '.'");
    }
  }
  if (segments < 3)
    return "must have a domain authority of two or more segments and a name, e.g. \"com.example.fooBar\"";
  std::string_view name = n.substr(start);
  if (!is_alpha(name.front())) return "name " + quoted(name) + " must start with a letter";
  if (!all_chars(name, is_alnum)) return "name " + quoted(name) + " must be ASCII letters and digits only";
  return std::nullopt;
}

Problem at_identifier_problem(std::string_view id) {
  if (id.substr(0, 4) == "did:") {
    if (auto p = did_problem(id)) return "not a valid DID: " + *p;
    return std::nullopt;
  }
  if (auto p = handle_problem(id)) return "not a valid handle: " + *p;
  return std::nullopt;
}

Problem record_key_problem(std::string_view k) {
  if (k.empty()) return "is empty";
  if (k.size() > kMaxRecordKey) return too_long(k.size(), kMaxRecordKey);
  for (size_t i = 0; i < k.size(); ++i) {
    char c = k[i];
    if (!is_alnum(c) && c != '.' && c != '_' && c != ':' && c != '~' && c != '-')
      return not_allowed(k, i, "record keys use only ASCII letters, digits and . _ : ~ -");
  }
  if (k == "." || k == "..") return "must not be \".\" or \"..\"";
  return std::nullopt;
}

Problem at_uri_problem(std::string_view u) {
  if (u.size() > kMaxAtUri) return too_long(u.size(), kMaxAtUri);
  if (u.substr(0, 5) != "at://") return "must start with \"at://\"";
  if (auto i = u.find_first_of("#?"); i != std::string_view::npos)
    return u[i] == '#' ? "fragments ('#') are not allowed" : "queries ('?') are not allowed";
  std::string_view rest = u.substr(5);
  if (rest.empty()) return "has no authority (a handle or DID) after \"at://\"";
  if (u.back() == '/') return "must not end with '/'";

  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (auto p = at_identifier_problem(authority)) return "authority " + quoted(authority) + " is " + *p;
  if (slash == std::string_view::npos) return std::nullopt;

  std::string_view path = rest.substr(slash + 1);
  size_t slash2 = path.find('/');
  std::string_view collection = path.substr(0, slash2);
  if (collection.empty()) return "has an empty path segment (\"//\")";
  if (auto p = nsid_problem(collection)) return "collection " + quoted(collection) + " is not an NSID: " + *p;
  if (slash2 == std::string_view::npos) return std::nullopt;

  std::string_view rkey = path.substr(slash2 + 1);
  if (rkey.find('/') != std::string_view::npos) return "path has more than /COLLECTION/RKEY";
  if (auto p = record_key_problem(rkey)) return "record key " + quoted(rkey) + " " + *p;
  return std::nullopt;
}

bool is_base32_sortable(char c) { return (c >= '2' && c <= '7') || is_lower(c); }

Problem tid_problem(std::string_view t) {
  if (t.size() != kTidLength) return "must be 13 characters long, not " + std::to_string(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (!is_base32_sortable(t[i])) return not_allowed(t, i, "TIDs use only 234567abcdefghijklmnopqrstuvwxyz");
  }
  // 13 base32 digits hold 65 bits; a first digit past 'j' would need the 65th.
  if (t[0] > 'j') return std::string("first character '") + t[0] + "' must be one of 234567abcdefghij";
  return std::nullopt;
}

int two_digits(std::string_view s, size_t pos) { return (s[pos] - '0') * 10 + (s[pos + 1] - '0'); }

bool is_leap_year(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

Problem datetime_problem(std::string_view s) {
  // 'd' is a digit; everything else in the pattern must appear as is.
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd";
  constexpr std::string_view kShape =
      "must be YYYY-MM-DDTHH:MM:SS, an optional .fraction, then Z or an offset like +05:30";
  for (size_t i = 0; i < kPattern.size(); ++i) {
    if (i == s.size()) return std::string(kShape) + " (it ends at offset " + std::to_string(i) + ")";
    bool fits = kPattern[i] == 'd' ? is_digit(s[i]) : s[i] == kPattern[i];
    if (!fits) {
      std::string expected = kPattern[i] == 'd' ? "a digit" : std::string("'") + kPattern[i] + "'";
      return std::string(kShape) + " (found " + describe(s[i]) + " at offset " + std::to_string(i) + " where " +
             expected + " belongs)";
    }
  }
  size_t i = kPattern.size();
  if (i < s.size() && s[i] == '.') {
    size_t digits = 0;
    while (++i < s.size() && is_digit(s[i])) ++digits;
    if (digits == 0) return "the fraction after '.' has no digits";
    if (digits > kMaxDatetimeFraction)
      return "the fraction has " + std::to_string(digits) + " digits; the limit is " +
             std::to_string(kMaxDatetimeFraction);
  }
  std::string_view zone = s.substr(i);
  if (zone.empty()) return "has no time zone; end it with Z or an offset like +05:30";
  if (zone != "Z") {
    bool offset = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && is_digit(zone[1]) && is_digit(zone[2]) &&
                  zone[3] == ':' && is_digit(zone[4]) && is_digit(zone[5]);
    if (!offset) return "time zone " + quoted(zone) + " must be Z (uppercase) or +HH:MM or -HH:MM";
    if (zone == "-00:00") return "the offset -00:00 (\"local offset unknown\") is not allowed; write Z or +00:00";
    if (two_digits(zone, 1) > 23 || two_digits(zone, 4) > 59)
      return "time zone offset " + quoted(zone) + " is out of range";
  }

  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two_digits(s, 2);
  int month = two_digits(s, 5);
  int day = two_digits(s, 8);
  if (month < 1 || month > 12) return "month " + std::to_string(month) + " is out of range (01-12)";
  if (day < 1 || day > days_in_month(year, month))
    return "day " + std::to_string(day) + " does not exist in month " + std::to_string(month) + " of year " +
           std::to_string(year);
  if (two_digits(s, 11) > 23) return "hour " + std::to_string(two_digits(s, 11)) + " is out of range (00-23)";
  if (two_digits(s, 14) > 59) return "minute " + std::to_string(two_digits(s, 14)) + " is out of range (00-59)";
  // RFC 3339 allows :60 on leap-second days only; like the reference implementations, no table of
  // those days is kept and :60 is refused.
  if (two_digits(s, 17) > 59) return "second " + std::to_string(two_digits(s, 17)) + " is out of range (00-59)";
  // The value must still be a four-digit year once moved to UTC (the reference implementation
  // refuses what normalises to a negative or five-digit year), so only years 0000 and 9999 can
  // be pushed out by an offset.
  if (zone != "Z" && (year == 0 || year == 9999)) {
    int offset = (two_digits(zone, 1) * 60 + two_digits(zone, 4)) * (zone[0] == '+' ? 1 : -1);
    int minute_of_year = two_digits(s, 11) * 60 + two_digits(s, 14) + (day - 1) * 1440;
    for (int m = 1; m < month; ++m) minute_of_year += days_in_month(year, m) * 1440;
    int minutes_in_year = (is_leap_year(year) ? 366 : 365) * 1440;
    if (year == 0 && minute_of_year - offset < 0)
      return "normalised to UTC it falls before year 0000 (the offset " + quoted(zone) + " moves it back a year)";
    if (year == 9999 && minute_of_year - offset >= minutes_in_year)
      return "normalised to UTC it falls after year 9999 (the offset " + quoted(zone) + " moves it on a year)";
  }
  return std::nullopt;
}

// Irregular grandfathered tags: registered before RFC 5646 and not shaped like its grammar.
constexpr std::array<std::string_view, 17> kIrregularLanguageTags = {
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak",     "i-klingon", "i-lux",    "i-mingo",
    "i-navajo",  "i-pwn", "i-tao", "i-tay",     "i-tsu",      "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE"};

bool is_private_use_singleton(std::string_view sub) { return sub == "x" || sub == "X"; }

// Case-folded variant subtag (at most 8 characters) packed in an integer so duplicates sort together.
std::uint64_t variant_key(std::string_view sub) {
  std::uint64_t key = 0;
  for (char c : sub) key = (key << 8) | static_cast<unsigned char>(to_lower(c));
  return key;
}

// Every '-'-separated subtag is 1-8 ASCII letters or digits.
Problem language_subtags_problem(std::string_view tag) {
  size_t start = 0;
  for (size_t i = 0; i <= tag.size(); ++i) {
    if (i == tag.size() || tag[i] == '-') {
      if (i == start) {
        if (start == 0) return "starts with '-'";
        if (i == tag.size()) return "ends with '-'";
        return "has an empty subtag (\"--\") at offset " + std::to_string(i - 1);
      }
      if (i - start > 8) return "subtag " + quoted(tag.substr(start, i - start)) + " is longer than 8 characters";
      start = i + 1;
    } else if (!is_alnum(tag[i])) {
      return not_allowed(tag, i, "language tags use only ASCII letters, digits and '-'");
    }
  }
  return std::nullopt;
}

// RFC 5646's langtag, privateuse and irregular grandfathered productions, plus its rules against
// repeating a variant or an extension singleton.
Problem language_problem(std::string_view tag) {
  if (tag.empty()) return "is empty";
  for (std::string_view irregular : kIrregularLanguageTags) {
    if (iequals(tag, irregular)) return std::nullopt;
  }
  if (auto p = language_subtags_problem(tag)) return p;

  // Walk the subtags in the grammar's order; each optional part is taken when the next subtag has its shape.
  size_t pos = 0;
  auto peek = [&]() -> std::string_view {
    if (pos >= tag.size()) return {};
    size_t end = tag.find('-', pos);
    return tag.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  };
  auto sub = peek();
  auto advance = [&] {
    pos += sub.size() + 1;
    sub = peek();
  };

  if (!is_private_use_singleton(sub)) {
    if (sub.size() < 2 || sub.size() > 3 || !all_chars(sub, is_lower))
      return "primary language subtag " + quoted(sub) + " must be 2 or 3 lowercase letters (an ISO 639 code)";
    advance();
    for (int extlangs = 0; extlangs < 3 && sub.size() == 3 && all_chars(sub, is_alpha); ++extlangs) advance();
    if (sub.size() == 4 && all_chars(sub, is_alpha)) advance();  // script
    if ((sub.size() == 2 && all_chars(sub, is_alpha)) || (sub.size() == 3 && all_chars(sub, is_digit)))
      advance();  // region

    std::vector<std::uint64_t> variants;
    while (sub.size() >= 5 || (sub.size() == 4 && is_digit(sub[0]))) {
      variants.push_back(variant_key(sub));
      advance();
    }
    std::sort(variants.begin(), variants.end());
    if (std::adjacent_find(variants.begin(), variants.end()) != variants.end()) return "repeats a variant subtag";

    std::array<bool, 128> seen_singletons{};
    while (sub.size() == 1 && !is_private_use_singleton(sub)) {
      char singleton = to_lower(sub[0]);
      if (seen_singletons[static_cast<unsigned char>(singleton)])
        return std::string("repeats the extension singleton '") + singleton + "'";
      seen_singletons[static_cast<unsigned char>(singleton)] = true;
      advance();
      size_t parts = 0;
      for (; sub.size() >= 2; ++parts) advance();
      if (parts == 0)
        return std::string("extension '") + singleton + "' must be followed by at least one subtag of 2-8 characters";
    }
  }
  if (is_private_use_singleton(sub)) {
    advance();
    if (sub.empty()) return "private-use 'x' must be followed by at least one subtag";
    return std::nullopt;  // private-use subtags may be anything of 1-8 letters or digits
  }
  if (!sub.empty())
    return "subtag " + quoted(sub) +
           " is out of place (the order is language-script-region-variants-extensions-x-private)";
  return std::nullopt;
}

Problem cid_problem(std::string_view c) {
  if (c.size() < kMinCid) return "is " + std::to_string(c.size()) + " characters long; a CID string has at least 8";
  if (c.size() > kMaxCid) return too_long(c.size(), kMaxCid);
  for (size_t i = 0; i < c.size(); ++i) {
    if (!is_alnum(c[i]) && c[i] != '+' && c[i] != '=')
      return not_allowed(c, i, "CID strings use only ASCII letters, digits, '+' and '='");
  }
  // A CIDv0 is a bare base58btc sha2-256 multihash, which always reads "Qm..."; 'Q' is no multibase prefix.
  if (c.substr(0, 2) == "Qm") return "is a CIDv0; atproto uses CIDv1 only";
  return std::nullopt;
}

Problem uri_problem(std::string_view u) {
  if (u.empty()) return "is empty";
  if (u.size() > kMaxUri) return too_long(u.size(), kMaxUri);
  if (!is_alpha(u[0]))
    return "must start with a scheme such as \"https:\", which begins with a letter, not " + describe(u[0]);
  size_t i = 1;
  while (i < u.size() && (is_alnum(u[i]) || u[i] == '+' || u[i] == '-' || u[i] == '.')) ++i;
  if (i == u.size() || u[i] != ':') {
    std::string found = i == u.size() ? "it ends" : "found " + describe(u[i]);
    return "must start with a scheme and ':' such as \"https:\" (" + found + " at offset " + std::to_string(i) + ")";
  }
  if (++i == u.size()) return "has nothing after the scheme";
  for (; i < u.size(); ++i) {
    auto b = static_cast<unsigned char>(u[i]);
    if (b <= 0x20 || b >= 0x7F)
      return not_allowed(u, i, "URIs use only printable ASCII without spaces (percent-encode the rest)");
  }
  return std::nullopt;
}

struct SyntaxKind {
  std::string_view name;
  Status (*validate)(std::string_view);
};

constexpr std::array<SyntaxKind, 11> kSyntaxKinds = {{
    {"handle", validate_handle},
    {"did", validate_did},
    {"nsid", validate_nsid},
    {"aturi", validate_at_uri},
    {"tid", validate_tid},
    {"rkey", validate_record_key},
    {"datetime", validate_datetime},
    {"language", validate_language},
    {"cid", validate_cid_string},
    {"uri", validate_uri},
    {"atidentifier", validate_at_identifier},
}};

}  // namespace

Status validate_handle(std::string_view handle) { return checked("handle", handle, handle_problem(handle)); }
Status validate_did(std::string_view did) { return checked("DID", did, did_problem(did)); }
Status validate_nsid(std::string_view nsid) { return checked("NSID", nsid, nsid_problem(nsid)); }
Status validate_at_uri(std::string_view uri) { return checked("AT URI", uri, at_uri_problem(uri)); }
Status validate_tid(std::string_view tid) { return checked("TID", tid, tid_problem(tid)); }
Status validate_record_key(std::string_view rkey) { return checked("record key", rkey, record_key_problem(rkey)); }
Status validate_datetime(std::string_view datetime) {
  return checked("datetime", datetime, datetime_problem(datetime));
}
Status validate_language(std::string_view tag) { return checked("language tag", tag, language_problem(tag)); }
Status validate_cid_string(std::string_view cid) { return checked("CID", cid, cid_problem(cid)); }
Status validate_at_identifier(std::string_view identifier) {
  return checked("at-identifier", identifier, at_identifier_problem(identifier));
}
Status validate_uri(std::string_view uri) { return checked("URI", uri, uri_problem(uri)); }

const std::vector<std::string>& syntax_kinds() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const SyntaxKind& kind : kSyntaxKinds) out.emplace_back(kind.name);
    return out;
  }();
  return names;
}

Status validate_syntax(std::string_view kind, std::string_view value) {
  for (const SyntaxKind& known : kSyntaxKinds) {
    if (known.name == kind) return known.validate(value);
  }
  std::string names;
  for (const std::string& name : syntax_kinds()) names += (names.empty() ? "" : ", ") + name;
  return make_error("unknown syntax kind " + quoted(kind) + "; known kinds: " + names);
}

}  // namespace causeway::atproto
