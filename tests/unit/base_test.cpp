#include <catch2/catch.hpp>

#include "bridge/base/metrics.h"
#include "bridge/base/url.h"

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
