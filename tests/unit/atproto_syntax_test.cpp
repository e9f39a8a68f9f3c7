// AT Protocol identifier syntax against the atproto-interop-tests vectors, and TIDs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "protocols/atproto/syntax.h"
#include "protocols/atproto/tid.h"
#include "tests/support/fixtures.h"

using namespace causeway;
using namespace causeway::atproto;

namespace {

struct Vector {
  int line;
  std::string text;
};

// The vectors of one file. Only the newline is stripped: some vectors are about leading or
// trailing spaces. Empty lines and lines starting with '#' are comments.
std::vector<Vector> read_vectors(const std::string& file) {
  std::ifstream in(testing::fixture_path("atproto-interop-tests/syntax/" + file));
  std::vector<Vector> out;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text[0] != '#') out.push_back({line, text});
  }
  return out;
}

// Brackets the vector and spells out bytes outside printable ASCII, so a failure shows exactly
// which input it was.
std::string shown(const std::string& text) {
  std::string out = "[";
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
    }
  }
  return out + "]";
}

// `kind` as validate_syntax names it; `stem` as the vector files do.
void check_vectors(const std::string& kind, const std::string& stem) {
  auto valid = read_vectors(stem + "_syntax_valid.txt");
  auto invalid = read_vectors(stem + "_syntax_invalid.txt");
  REQUIRE_FALSE(valid.empty());
  REQUIRE_FALSE(invalid.empty());
  for (const Vector& v : valid) {
    Status status = validate_syntax(kind, v.text);
    INFO(kind << " valid vector, " << stem << "_syntax_valid.txt line " << v.line << ": " << shown(v.text));
    INFO("error: " << status.error());
    CHECK(status.ok());
  }
  for (const Vector& v : invalid) {
    INFO(kind << " invalid vector, " << stem << "_syntax_invalid.txt line " << v.line << ": " << shown(v.text));
    Status status = validate_syntax(kind, v.text);
    CHECK_FALSE(status.ok());
  }
}

// A clock that returns `ticks` in turn, then repeats the last one.
TidGenerator::Clock scripted_clock(std::vector<std::int64_t> ticks) {
  return [ticks = std::move(ticks), next = size_t{0}]() mutable { return ticks[std::min(next++, ticks.size() - 1)]; };
}

}  // namespace

TEST_CASE("handle vectors", "[syntax][vectors]") { check_vectors("handle", "handle"); }
TEST_CASE("DID vectors", "[syntax][vectors]") { check_vectors("did", "did"); }
TEST_CASE("NSID vectors", "[syntax][vectors]") { check_vectors("nsid", "nsid"); }
TEST_CASE("AT URI vectors", "[syntax][vectors]") { check_vectors("aturi", "aturi"); }
TEST_CASE("TID vectors", "[syntax][vectors]") { check_vectors("tid", "tid"); }
TEST_CASE("record key vectors", "[syntax][vectors]") { check_vectors("rkey", "recordkey"); }
TEST_CASE("datetime vectors", "[syntax][vectors]") { check_vectors("datetime", "datetime"); }
TEST_CASE("language vectors", "[syntax][vectors]") { check_vectors("language", "language"); }
TEST_CASE("CID string vectors", "[syntax][vectors]") { check_vectors("cid", "cid"); }
TEST_CASE("URI vectors", "[syntax][vectors]") { check_vectors("uri", "uri"); }
TEST_CASE("at-identifier vectors", "[syntax][vectors]") { check_vectors("atidentifier", "atidentifier"); }

TEST_CASE("syntax errors name the input and the rule it breaks", "[syntax]") {
  CHECK(validate_handle("foo").error() == "handle \"foo\": must have at least two labels separated by '.'");
  CHECK(validate_handle("john.0").error() == "handle \"john.0\": top-level label \"0\" must start with a letter");
  CHECK(validate_handle("bücher.test").error() ==
        "handle \"b\\xC3\\xBCcher.test\": non-ASCII byte 0xC3 at offset 1 is not allowed; handles use only ASCII "
        "letters, digits, '-' and '.'");
  CHECK(validate_handle("john..test").error() == "handle \"john..test\": has an empty label (\"..\") at offset 4");
  CHECK(validate_did("did:METHOD:val").error() ==
        "DID \"did:METHOD:val\": the method 'M' at offset 4 is not allowed; methods are lowercase ASCII letters");
  CHECK(validate_did("did:method:val%").error() == "DID \"did:method:val%\": must not end with '%'");
  CHECK(validate_nsid("com.example.fooBar.2").error() ==
        "NSID \"com.example.fooBar.2\": name \"2\" must start with a letter");
  CHECK(validate_at_uri("at://name/com.example.post").error() ==
        "AT URI \"at://name/com.example.post\": authority \"name\" is not a valid handle: must have at least two "
        "labels separated by '.'");
  CHECK(validate_at_uri("at://did:plc:asdf123/com.example.post/a/b").error() ==
        "AT URI \"at://did:plc:asdf123/com.example.post/a/b\": path has more than /COLLECTION/RKEY");
  CHECK(validate_record_key("..").error() == "record key \"..\": must not be \".\" or \"..\"");
  CHECK(validate_tid("kjzfcijpj2z2a").error() ==
        "TID \"kjzfcijpj2z2a\": first character 'k' must be one of 234567abcdefghij");
  CHECK(validate_datetime("1985-02-29T00:00:00Z").error() ==
        "datetime \"1985-02-29T00:00:00Z\": day 29 does not exist in month 2 of year 1985");
  CHECK(validate_datetime("1984-02-29T00:00:00Z").ok());
  CHECK(validate_datetime("1985-04-12T23:20:50.123-00:00").error() ==
        "datetime \"1985-04-12T23:20:50.123-00:00\": the offset -00:00 (\"local offset unknown\") is not allowed; "
        "write Z or +00:00");
  CHECK(validate_datetime("1985-04-12t23:20:50Z").error() ==
        "datetime \"1985-04-12t23:20:50Z\": must be YYYY-MM-DDTHH:MM:SS, an optional .fraction, then Z or an offset "
        "like +05:30 (found 't' at offset 10 where 'T' belongs)");
  CHECK(validate_language("JA").error() ==
        "language tag \"JA\": primary language subtag \"JA\" must be 2 or 3 lowercase letters (an ISO 639 code)");
  CHECK(validate_language("de-DE-1901-1901").error() == "language tag \"de-DE-1901-1901\": repeats a variant subtag");
  CHECK(validate_language("en-u-co-phonebk-U-ca-buddhist").error() ==
        "language tag \"en-u-co-phonebk-U-ca-buddhist\": repeats the extension singleton 'u'");
  CHECK(validate_cid_string("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR").error() ==
        "CID \"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR\": is a CIDv0; atproto uses CIDv1 only");
  CHECK(validate_uri("example.com").error() ==
        "URI \"example.com\": must start with a scheme and ':' such as \"https:\" (it ends at offset 11)");
  CHECK(validate_at_identifier("did:thing").error() ==
        "at-identifier \"did:thing\": not a valid DID: must have a method and an identifier: did:METHOD:IDENTIFIER");
}

TEST_CASE("rules the vectors leave open follow the specs", "[syntax]") {
  // Datetimes are checked as dates, not only as shapes.
  CHECK_FALSE(validate_datetime("1985-13-12T23:20:50.123Z").ok());
  CHECK_FALSE(validate_datetime("1985-04-12T24:00:00Z").ok());
  CHECK_FALSE(validate_datetime("1985-04-12T23:20:60Z").ok());
  CHECK_FALSE(validate_datetime("1985-04-12T23:20:50.123+24:00").ok());
  CHECK(validate_datetime("2000-02-29T12:00:00.1234567890123456789Z").ok());
  CHECK_FALSE(validate_datetime("2000-02-29T12:00:00.123456789012345678901Z").ok());
  // Language tags: RFC 5646's grammar, grandfathered tags, private use.
  CHECK(validate_language("zh-yue-HK").ok());
  CHECK(validate_language("en-GB-oed").ok());
  CHECK_FALSE(validate_language("x").ok());
  CHECK_FALSE(validate_language("i-bogus").ok());
  CHECK_FALSE(validate_language("en-a").ok());
  CHECK_FALSE(validate_language("de-419-DE").ok());
  // URI schemes follow RFC 3986 (case-insensitive, may hold digits, '+', '-', '.').
  CHECK(validate_uri("HTTPS://example.com").ok());
  CHECK(validate_uri("svn+ssh://example.com/repo").ok());
  CHECK_FALSE(validate_uri("https://example.com/caf\xC3\xA9").ok());
  // A DID's identifier may be all punctuation, but not end the way a truncated one would.
  CHECK(validate_did("did:method:%41").ok());
  CHECK_FALSE(validate_did("did:method:val:").ok());
}

TEST_CASE("long inputs are cut short in error messages", "[syntax]") {
  std::string uri = "https://example.com/" + std::string(8200, 'x');
  CHECK(validate_uri(uri).error() == "URI \"https://example.com/" + std::string(60, 'x') +
                                         "...\" (8220 bytes): is 8220 characters long; the limit is 8192");
}

TEST_CASE("validate_syntax dispatches on the vector files' kind names", "[syntax]") {
  CHECK(syntax_kinds() == std::vector<std::string>{"handle", "did", "nsid", "aturi", "tid", "rkey", "datetime",
                                                   "language", "cid", "uri", "atidentifier"});
  CHECK(validate_syntax("handle", "alice.test").ok());
  CHECK_FALSE(validate_syntax("did", "alice.test").ok());
  CHECK(validate_syntax("email", "a@b.c").error() ==
        "unknown syntax kind \"email\"; known kinds: handle, did, nsid, aturi, tid, rkey, datetime, language, cid, "
        "uri, atidentifier");
}

TEST_CASE("TIDs round-trip between string and value", "[tid]") {
  auto tid = Tid::parse("3jzfcijpj2z2a");
  REQUIRE(tid.ok());
  CHECK(tid->value == 1728652679052295174ULL);
  CHECK(tid->micros() == 1688137381887007);  // 2023-06-30T15:03:01.887007Z
  CHECK(tid->clock_id() == 6);
  CHECK(tid->to_string() == "3jzfcijpj2z2a");

  CHECK(Tid::parse("2222222222222")->value == 0);
  CHECK(Tid{0}.to_string() == "2222222222222");
  Tid largest{(std::uint64_t{1} << 63) - 1};
  CHECK(largest.to_string() == "bzzzzzzzzzzzz");
  CHECK(Tid::parse("bzzzzzzzzzzzz")->micros() == (std::int64_t{1} << 53) - 1);
  CHECK(Tid::parse("bzzzzzzzzzzzz")->clock_id() == 1023);
  CHECK(Tid{(std::uint64_t{1724171495793000} << 10) | 512}.to_string() == "3l25zusnsfck2");

  CHECK(Tid::parse("3jzf-cij-pj2z-2a").error() == "TID \"3jzf-cij-pj2z-2a\": must be 13 characters long, not 16");
  CHECK(is_valid_tid("c222222222222"));
  CHECK(Tid::parse("c222222222222").error() ==
        "TID \"c222222222222\": first character 'c' sets the top bit, which TIDs keep at 0 (the first character is "
        "2-7, a or b)");
}

TEST_CASE("TID generators stay monotonic when the clock repeats or goes backwards", "[tid]") {
  TidGenerator generator(
      7, scripted_clock({1'700'000'000'000'000, 1'700'000'000'000'000, 1'699'999'000'000'000, 1'700'000'000'000'005}));
  std::vector<Tid> tids;
  for (int i = 0; i < 4; ++i) tids.push_back(generator.next());
  CHECK(tids[0].micros() == 1'700'000'000'000'000);
  CHECK(tids[1].micros() == 1'700'000'000'000'001);
  CHECK(tids[2].micros() == 1'700'000'000'000'002);
  CHECK(tids[3].micros() == 1'700'000'000'000'005);
  for (size_t i = 0; i < tids.size(); ++i) {
    CHECK(tids[i].clock_id() == 7);
    CHECK(is_valid_tid(tids[i].to_string()));
    if (i > 0) {
      CHECK(tids[i - 1] < tids[i]);
      CHECK(tids[i - 1].to_string() < tids[i].to_string());
    }
  }
}

TEST_CASE("TID generators hand out distinct TIDs across threads", "[tid]") {
  TidGenerator generator(1, [] { return std::int64_t{1'700'000'000'000'000}; });
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<Tid>> issued(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) issued[t].push_back(generator.next());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::uint64_t> distinct;
  for (const auto& batch : issued) {
    auto out_of_order = std::adjacent_find(batch.begin(), batch.end(), [](Tid a, Tid b) { return !(a < b); });
    CHECK(out_of_order == batch.end());
    for (const Tid& tid : batch) distinct.insert(tid.value);
  }
  CHECK(distinct.size() == kThreads * kPerThread);
  CHECK(generator.next().micros() == 1'700'000'000'000'000 + kThreads * kPerThread);
}

TEST_CASE("a datetime that its offset moves out of years 0000-9999 in UTC is refused", "[syntax]") {
  CHECK(validate_datetime("0000-01-01T00:30:00+01:00").error() ==
        "datetime \"0000-01-01T00:30:00+01:00\": normalised to UTC it falls before year 0000 (the offset \"+01:00\" "
        "moves it back a year)");
  CHECK(validate_datetime("9999-12-31T23:30:00-01:00").error() ==
        "datetime \"9999-12-31T23:30:00-01:00\": normalised to UTC it falls after year 9999 (the offset \"-01:00\" "
        "moves it on a year)");
  CHECK_FALSE(validate_datetime("0000-01-01T00:59:59.999+01:00").ok());
  CHECK_FALSE(validate_datetime("9999-12-31T23:00:00-01:00").ok());  // 10000-01-01T00:00:00Z
  // The edges themselves, and offsets that keep the value inside the range.
  CHECK(validate_datetime("0000-01-01T01:00:00+01:00").ok());  // 0000-01-01T00:00:00Z
  CHECK(validate_datetime("0000-01-01T00:30:00-01:00").ok());
  CHECK(validate_datetime("0000-01-02T00:30:00+23:59").ok());
  CHECK(validate_datetime("9999-12-31T22:59:59.999-01:00").ok());
  CHECK(validate_datetime("9999-12-31T23:30:00+01:00").ok());
  CHECK(validate_datetime("0000-01-01T00:00:00.000Z").ok());  // in the interop vectors' valid list
}
