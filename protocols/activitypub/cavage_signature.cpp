#include "protocols/activitypub/cavage_signature.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "bridge/base/base64.h"
#include "bridge/base/utf8.h"
#include "protocols/activitypub/http_digest.h"

namespace causeway::activitypub {
namespace {

// Integer Unix times as (created) and (expires) carry them, in the canonical form the signing
// string repeats: digits without a leading zero.
Result<std::int64_t> parse_unix_time(const std::string& name, std::string_view text) {
  if (text.empty() || text.size() > 15 || (text.size() > 1 && text[0] == '0') ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error(name + " is not an integer Unix time");
  std::int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

Result<std::vector<std::string>> parse_header_list(std::string_view text) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = std::min(text.find(' ', pos), text.size());
    std::string name = ascii_lowercase(text.substr(pos, end - pos));
    bool pseudo = name == "(request-target)" || name == "(created)" || name == "(expires)";
    if (!pseudo && !std::all_of(name.begin(), name.end(), is_tchar))
      return make_error("headers names \"" + name + "\", which is neither a header name nor a known pseudo-header");
    if (names.size() == kMaxCoveredHeaders)
      return make_error("headers lists more than " + std::to_string(kMaxCoveredHeaders) + " names");
    names.push_back(std::move(name));
    pos = end;
  }
  if (names.empty()) return make_error("headers is empty");
  return names;
}

// The parameter list: param *( OWS "," OWS param ), param = token BWS "=" BWS ( token / quoted-string ).
class ParamParser {
 public:
  explicit ParamParser(std::string_view text) : in_(text) {}

  Result<CavageSignature> parse() {
    CavageSignature sig;
    skip_ows();
    while (true) {
      std::size_t start = pos_;
      while (pos_ < in_.size() && is_tchar(in_[pos_])) ++pos_;
      std::string_view name = in_.substr(start, pos_ - start);
      if (name.empty()) return fail("expected a parameter name");
      skip_ows();
      if (pos_ >= in_.size() || in_[pos_] != '=') return fail("expected '=' after " + std::string(name));
      ++pos_;
      skip_ows();
      auto value = pos_ < in_.size() && in_[pos_] == '"' ? quoted_string() : token();
      if (!value) return std::move(value).take_error();
      if (Status s = store(sig, name, std::move(*value)); !s.ok()) return Error{s.error()};
      skip_ows();
      if (pos_ >= in_.size()) break;
      if (in_[pos_] != ',') return fail("expected ',' between parameters");
      ++pos_;
      skip_ows();
    }
    if (sig.key_id.empty()) return make_error("Signature has no keyId");
    if (!seen("signature")) return make_error("Signature has no signature parameter");
    if (!seen("headers")) sig.headers = {"date"};  // the draft's default, as Mastodon applies it
    return sig;
  }

 private:
  Error fail(const std::string& what) const { return make_error(what + " at offset " + std::to_string(pos_)); }

  void skip_ows() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }

  Result<std::string> token() {
    std::size_t start = pos_;
    while (pos_ < in_.size() && is_tchar(in_[pos_])) ++pos_;
    if (pos_ == start) return fail("expected a value");
    return std::string(in_.substr(start, pos_ - start));
  }

  // RFC 9110 quoted-string: a backslash takes the next character literally; no control characters.
  Result<std::string> quoted_string() {
    ++pos_;
    std::string out;
    while (pos_ < in_.size()) {
      unsigned char c = static_cast<unsigned char>(in_[pos_++]);
      if (c == '"') return out;
      if (c == '\\') {
        if (pos_ >= in_.size()) break;
        c = static_cast<unsigned char>(in_[pos_++]);
      }
      if ((c < 0x20 && c != '\t') || c == 0x7f) return fail("control character in a quoted value");
      out += static_cast<char>(c);
    }
    return fail("quoted value not closed");
  }

  Status store(CavageSignature& sig, std::string_view name, std::string value) {
    static constexpr std::array<std::string_view, 6> kKnown = {"keyId",     "algorithm", "headers",
                                                               "signature", "created",   "expires"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) return Status::success();  // as the draft asks
    if (seen(name)) return make_error("Signature repeats " + std::string(name));
    seen_.push_back(name);
    if (name == "keyId") {
      sig.key_id = std::move(value);
    } else if (name == "algorithm") {
      sig.algorithm = ascii_lowercase(value);
    } else if (name == "headers") {
      auto names = parse_header_list(value);
      if (!names) return Error{names.error()};
      sig.headers = std::move(*names);
    } else if (name == "signature") {
      auto bytes = base64_decode(value);
      if (!bytes || bytes->empty()) return make_error("signature is not base64");
      sig.signature = std::move(*bytes);
    } else {
      auto time = parse_unix_time(std::string(name), value);
      if (!time) return Error{time.error()};
      (name == "created" ? sig.created : sig.expires) = *time;
    }
    return Status::success();
  }

  bool seen(std::string_view name) const { return std::find(seen_.begin(), seen_.end(), name) != seen_.end(); }

  std::vector<std::string_view> seen_;  // known parameters read so far (views into in_)
  std::string_view in_;
  std::size_t pos_ = 0;
};

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

Result<CavageSignature> parse_cavage_signature(std::string_view value) {
  if (value.size() > kMaxSignatureHeaderSize)
    return make_error("Signature header of " + std::to_string(value.size()) + " bytes exceeds " +
                      std::to_string(kMaxSignatureHeaderSize));
  return ParamParser(value).parse();
}

Result<CavageSignature> parse_cavage_authorization(std::string_view value) {
  constexpr std::string_view kScheme = "Signature";
  if (value.size() <= kScheme.size() || !equals_ignoring_case(value.substr(0, kScheme.size()), kScheme) ||
      value[kScheme.size()] != ' ')
    return make_error("Authorization is not of the Signature scheme");
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return parse_cavage_signature(value);
}

Result<std::string> cavage_signing_string(const HttpRequestView& request, const CavageSignature& signature) {
  bool times_allowed = signature.algorithm.empty() || signature.algorithm == "hs2019";
  std::string out;
  for (const auto& name : signature.headers) {
    std::string value;
    if (name == "(request-target)") {
      if (request.method.empty() || !std::all_of(request.method.begin(), request.method.end(), is_tchar))
        return make_error("request method \"" + request.method + "\" is not a token");
      if (request.target.empty() || request.target.find_first_of(" \t\r\n") != std::string::npos)
        return make_error("request target is empty or holds whitespace");
      value = ascii_lowercase(request.method) + " " + request.target;
    } else if (name == "(created)" || name == "(expires)") {
      // The draft forbids these pseudo-headers with the algorithms that predate them.
      if (!times_allowed) return make_error(name + " is not allowed with algorithm " + signature.algorithm);
      const auto& time = name == "(created)" ? signature.created : signature.expires;
      if (!time)
        return make_error(name + " is covered but the " + name.substr(1, name.size() - 2) + " parameter is absent");
      value = std::to_string(*time);
    } else {
      auto combined = request.combined_header(name);
      if (!combined && name == "host" && !request.authority.empty()) combined = request.authority;
      if (!combined) return make_error("covered header " + name + " is absent");
      value = std::move(*combined);
    }
    if (has_line_break(value)) return make_error("covered " + name + " holds a line break");
    if (!out.empty()) out += '\n';
    out += name + ": " + value;
  }
  return out;
}

Result<SignatureAlgorithm> cavage_algorithm(std::string_view algorithm, KeyType key) {
  bool by_key = algorithm.empty() || algorithm == "hs2019";
  if ((algorithm == "rsa-sha256" || by_key) && key == KeyType::rsa) return SignatureAlgorithm::rsa_v1_5_sha256;
  return make_error("unsupported algorithm " + std::string(algorithm.empty() ? "(none, so hs2019)" : algorithm) +
                    " with " + std::string(key_type_name(key)) + " key");
}

Result<std::string> cavage_signature_header(const HttpRequestView& request, const std::vector<std::string>& headers,
                                            const PrivateKey& key, std::string_view key_id) {
  if (key_id.empty() || has_line_break(key_id)) return make_error("keyId is empty or holds a line break");
  CavageSignature sig;
  sig.key_id = std::string(key_id);
  sig.algorithm = "rsa-sha256";
  sig.headers = headers;
  auto text = cavage_signing_string(request, sig);
  if (!text) return text;
  auto signature = sign_message(key, SignatureAlgorithm::rsa_v1_5_sha256, *text);
  if (!signature) return signature;
  std::string list;
  for (const auto& h : headers) list += (list.empty() ? "" : " ") + h;
  return "keyId=" + quoted(key_id) + ",algorithm=\"rsa-sha256\",headers=" + quoted(list) + ",signature=\"" +
         base64_encode(*signature, true) + "\"";
}

Status sign_cavage(HttpRequestView& request, const PrivateKey& key, std::string_view key_id,
                   std::chrono::sys_seconds now) {
  if (!request.has_header("Host")) {
    if (request.authority.empty()) return make_error("request has neither a Host header nor an authority");
    request.add_header("Host", request.authority);
  }
  if (!request.has_header("Date")) request.add_header("Date", format_http_date(now));
  std::vector<std::string> headers = {"(request-target)", "host", "date"};
  if (request.has_content()) {
    if (!request.has_header("Digest")) request.add_header("Digest", legacy_digest(request.body));
    headers.push_back("digest");
  }
  auto value = cavage_signature_header(request, headers, key, key_id);
  if (!value) return std::move(value).take_error();
  request.add_header("Signature", std::move(*value));
  return Status::success();
}

std::string format_http_date(std::chrono::sys_seconds time) {
  using namespace std::chrono;
  auto day = floor<days>(time);
  year_month_day ymd(day);
  hh_mm_ss<seconds> clock(time - day);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d GMT", kWeekdays[weekday(day).c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return out;
}

Result<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  using namespace std::chrono;
  auto bad = [&] { return make_error("Date \"" + std::string(utf8_prefix(text, 64)) + "\" is not an IMF-fixdate"); };
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions, so each field is read where it must be.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
    return bad();
  if (std::find(kWeekdays.begin(), kWeekdays.end(), text.substr(0, 3)) == kWeekdays.end()) return bad();
  auto month = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month == kMonths.end()) return bad();
  auto number = [&](std::size_t at, std::size_t width) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  int d = number(5, 2), y = number(12, 4), h = number(17, 2), mi = number(20, 2), s = number(23, 2);
  if (d < 0 || y < 0 || h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 60) return bad();
  year_month_day ymd{year(y), std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
                     std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return bad();
  return sys_days(ymd) + hours(h) + minutes(mi) + seconds(s);
}

}  // namespace causeway::activitypub
