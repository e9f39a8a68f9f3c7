#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "bridge/base/clock.h"
#include "bridge/base/log.h"
#include "bridge/base/metrics.h"
#include "bridge/base/url.h"
#include "bridge/base/utf8.h"

using namespace causeway;

TEST_CASE("URLs are parsed strictly", "[url]") {
  auto u = parse_url("https://Bridge.Example.org:8443/ap/x?y=1", "http,https");
  REQUIRE(u.ok());
  CHECK(u->host == "bridge.example.org");
  CHECK(u->port == 8443);
  CHECK(u->path == "/ap/x");
  CHECK(u->query == "y=1");
  CHECK(u->authority() == "bridge.example.org:8443");
  CHECK(parse_url("http://[::1]:8080", "http")->host == "::1");
  CHECK(parse_url("wss://bsky.network", "ws,wss")->port == 443);
  CHECK(parse_url("https://user:pw@x.example", "https").error() ==
        "\"https://user:pw@x.example\" is not a valid URL: user names and passwords do not belong in URLs");
  CHECK_FALSE(parse_url("https://x.example/#frag", "https").ok());
  CHECK_FALSE(parse_url("https:///path", "https").ok());
  CHECK_FALSE(parse_url("https://exa mple.org", "https").ok());
  CHECK_FALSE(parse_url("ws://x.example", "http,https").ok());
}

TEST_CASE("only http(s) URLs with a host count as web links", "[url]") {
  CHECK(is_web_link("https://example.org/a?b#c"));
  CHECK(is_web_link("HTTP://user@example.org"));
  CHECK_FALSE(is_web_link("javascript:alert(1)"));
  CHECK_FALSE(is_web_link("ftp://example.org/"));
  CHECK_FALSE(is_web_link("https:///path"));
  CHECK_FALSE(is_web_link("https://"));
  CHECK_FALSE(is_web_link("https://exa mple.org"));
  CHECK_FALSE(is_web_link("https://example.org/\n"));
  CHECK_FALSE(is_web_link("/relative/path"));
}

TEST_CASE("percent-encoding keeps unreserved characters and those asked for", "[url]") {
  CHECK(percent_encode("日本 a-b_c.d~e/f:g") == "%E6%97%A5%E6%9C%AC%20a-b_c.d~e%2Ff%3Ag");
  CHECK(percent_encode("did:plc:x/y", ":") == "did:plc:x%2Fy");
}

TEST_CASE("host:port values are parsed strictly", "[url]") {
  CHECK(parse_host_port("127.0.0.1:8480")->to_string() == "127.0.0.1:8480");
  CHECK(parse_host_port("[::1]:80")->host == "::1");
  CHECK(parse_host_port("[::1]:80")->to_string() == "[::1]:80");
  CHECK(parse_host_port("localhost:0").error() == "\"localhost:0\": port 0 is out of range (1-65535)");
  CHECK(parse_host_port("::1:80").error() ==
        "\"::1:80\" is not HOST:PORT: IPv6 addresses must be written in brackets, e.g. [::1]:8480");
  CHECK_FALSE(parse_host_port("host:http").ok());
  CHECK_FALSE(parse_host_port("").ok());
}

TEST_CASE("metrics render in the Prometheus text format", "[metrics]") {
  Metrics m;
  m.counter("causeway_rejected_total", "Inputs rejected, by reason.", {{"reason", "bad \"sig\""}}).inc(2);
  m.counter("causeway_rejected_total", "ignored", {{"reason", "stale"}}).inc();
  m.gauge("causeway_up", "Always 1.", [] { return 1.0; });
  CHECK(m.render() ==
        "# HELP causeway_rejected_total Inputs rejected, by reason.\n"
        "# TYPE causeway_rejected_total counter\n"
        "causeway_rejected_total{reason=\"bad \\\"sig\\\"\"} 2\n"
        "causeway_rejected_total{reason=\"stale\"} 1\n"
        "# HELP causeway_up Always 1.\n"
        "# TYPE causeway_up gauge\n"
        "causeway_up 1\n");
}

TEST_CASE("utf8_prefix cuts for length between characters, never inside one", "[utf8]") {
  CHECK(utf8_prefix("short", 200) == "short");
  CHECK(utf8_prefix("abcdef", 3) == "abc");
  CHECK(utf8_prefix("", 0).empty());
  // "é" is 2 bytes, "日" 3, "👋" 4: a cut inside any of them keeps the text before it.
  CHECK(utf8_prefix("aé", 2) == "a");
  CHECK(utf8_prefix("aé", 3) == "aé");
  CHECK(utf8_prefix("a日", 2) == "a");
  CHECK(utf8_prefix("a日", 3) == "a");
  CHECK(utf8_prefix("a日", 4) == "a日");
  CHECK(utf8_prefix("a👋b", 4) == "a");
  CHECK(utf8_prefix("a👋b", 5) == "a👋");
  CHECK(utf8_prefix("日本", 0).empty());
  // A display name with a 3-byte character across byte 200 (bytes 199-201).
  std::string name = std::string(199, 'n') + "日本";
  for (std::size_t max : {199, 200, 201}) CHECK(utf8_prefix(name, max) == std::string(199, 'n'));
  CHECK(utf8_prefix(name, 202) == std::string(199, 'n') + "日");
  // Input that is not UTF-8 at all is still cut at the limit rather than emptied.
  CHECK(utf8_prefix("\x80\x80\x80\x80\x80\x80", 5) == "\x80\x80\x80\x80\x80");
}

namespace {

// What one message logged through causeway's formatter writes.
std::string logged(LogFormat format, const std::string& message) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(make_log_formatter(format));
  logger.info("inbox: Create {} from {} stored", message, "https://a.example/users/x");
  logger.flush();
  return out.str();
}

}  // namespace

TEST_CASE("a logged id holding a newline or control characters cannot forge a log line", "[log]") {
  std::string forged = "https://evil.example/1\n2026-12-02T10:00:00.000Z info inbox: FAKE LINE\r\t\x1b[2K\x7f";
  std::string text = logged(LogFormat::text, forged);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);  // one line, ended by its own newline
  CHECK(text.back() == '\n');
  CHECK(text.find(R"(https://evil.example/1\n2026-12-02T10:00:00.000Z info inbox: FAKE LINE\r\t\x1b[2K\x7f from)") !=
        std::string::npos);
  CHECK(std::none_of(text.begin(), text.end() - 1, [](unsigned char c) { return c < 0x20 || c == 0x7f; }));
  CHECK(logged(LogFormat::text, "Grüße 日本").find("Create Grüße 日本 from") != std::string::npos);

  std::string json = logged(LogFormat::json, forged + "\"quoted\"\\");
  CHECK(std::count(json.begin(), json.end(), '\n') == 1);
  CHECK(json.find(R"(https://evil.example/1\n2026-12-02T10:00:00.000Z info inbox: FAKE LINE\r\t\u001b[2K\u007f\"quoted\"\\ from)") !=
        std::string::npos);
  CHECK(std::none_of(json.begin(), json.end() - 1, [](unsigned char c) { return c < 0x20 || c == 0x7f; }));
}

TEST_CASE("a domain matches itself and its subdomains only, whatever the case or port", "[url]") {
  CHECK(domain_matches("spam.example", "spam.example"));
  CHECK(domain_matches("a.b.spam.example", "spam.example"));
  CHECK(domain_matches("Mail.SPAM.example:8443", "spam.example"));
  CHECK(domain_matches("spam.example", "SPAM.example:443"));
  CHECK_FALSE(domain_matches("notspam.example", "spam.example"));  // a suffix is not a subdomain
  CHECK_FALSE(domain_matches("spam.example.org", "spam.example"));
  CHECK_FALSE(domain_matches("example", "spam.example"));
  CHECK_FALSE(domain_matches("spam.example", ""));
  CHECK(domain_matches("mail.spam.example.", "spam.example"));  // a fully qualified name's dot
  // Bracketed IPv6 addresses match only themselves, with or without a port.
  CHECK(domain_matches("[2001:db8::1]:8443", "[2001:db8::1]"));
  CHECK_FALSE(domain_matches("[2001:db8::2]:443", "[2001:db8::1]"));
  CHECK_FALSE(domain_matches("[2001:db8::1]", "db8::1]"));
  // Handles are domain names: blocking a PDS's domain blocks the accounts under it.
  CHECK(domain_in("alice.spam.example", {"other.example", "spam.example"}));
  CHECK_FALSE(domain_in("alice.bsky.social", {"other.example", "spam.example"}));
}

TEST_CASE("ISO 8601 times from both networks parse to the microsecond, anything else is 0", "[clock]") {
  CHECK(parse_iso8601_us("2026-11-22T01:34:05Z") == 1795311245000000);
  CHECK(parse_iso8601_us("2026-11-22T01:34:05.706Z") == 1795311245706000);    // Bluesky createdAt
  CHECK(parse_iso8601_us("2026-11-22T01:34:05.7061239Z") == 1795311245706123);  // past microseconds: cut
  CHECK(parse_iso8601_us("2026-11-22T02:34:05+01:00") == 1795311245000000);     // Misskey, Lemmy offsets
  CHECK(parse_iso8601_us("2026-11-21T20:34:05.5-05:00") == 1795311245500000);
  CHECK(parse_iso8601_us("2026-11-22T07:04:05+0530") == 1795311245000000);  // basic-format offset
  CHECK(parse_iso8601_us("") == 0);
  CHECK(parse_iso8601_us("yesterday") == 0);
  CHECK(parse_iso8601_us("2026-11-22") == 0);
}
