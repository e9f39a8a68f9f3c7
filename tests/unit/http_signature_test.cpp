#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bridge/base/base64.h"
#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/http_digest.h"
#include "protocols/activitypub/http_request_view.h"
#include "protocols/activitypub/public_key.h"
#include "protocols/activitypub/rfc9421_signature.h"
#include "protocols/activitypub/signature_verifier.h"
#include "protocols/activitypub/structured_fields.h"
#include "tests/support/fixtures.h"

using namespace causeway;
using namespace causeway::activitypub;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_seconds;

namespace {

std::string read_fixture(const std::string& relative) {
  std::ifstream in(testing::fixture_path("http-signatures/" + relative), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixtures' one-line header files end in a newline that is not part of the value.
std::string header_value(const std::string& relative, std::string_view name) {
  std::string line = read_fixture(relative);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  REQUIRE(line.substr(0, name.size() + 2) == std::string(name) + ": ");
  return line.substr(name.size() + 2);
}

std::string trim_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// An HTTP/1.1 request as the fixtures print it: request line, CRLF headers, blank line, body.
HttpRequestView parse_request(const std::string& text) {
  HttpRequestView request;
  std::size_t end = text.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  request.body = text.substr(end + 4);
  std::istringstream head(text.substr(0, end));
  std::string line;
  std::getline(head, line);
  std::istringstream request_line(line);
  request_line >> request.method >> request.target;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    request.add_header(line.substr(0, colon), line.substr(line.find_first_not_of(' ', colon + 1)));
  }
  request.authority = *request.combined_header("Host");
  return request;
}

PublicKey public_key(const std::string& relative) {
  auto key = PublicKey::from_pem(read_fixture(relative));
  INFO(relative);
  REQUIRE(key.ok());
  return *key;
}

PrivateKey private_key(const std::string& relative) {
  auto key = PrivateKey::from_pem(read_fixture(relative));
  INFO(relative);
  REQUIRE(key.ok());
  return *key;
}

std::string bytes_of(const std::string& base64) {
  auto bytes = base64_decode(base64);
  REQUIRE(bytes.ok());
  return *bytes;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// One RSA-2048 pair for the tests that sign: generating one takes a noticeable fraction of a second.
const PrivateKey& sender_key() {
  static const PrivateKey key = [] {
    auto generated = PrivateKey::generate_rsa();
    REQUIRE(generated.ok());
    return *generated;
  }();
  return key;
}

const std::string kKeyId = "https://remote.example/users/alice#main-key";
const sys_seconds kNow{seconds(1'700'000'000)};  // 2023-11-14T22:13:20Z

// An inbox delivery before signing.
HttpRequestView inbox_post() {
  HttpRequestView request;
  request.method = "POST";
  request.target = "/ap/group/cats/inbox";
  request.authority = "bridge.example";
  request.add_header("Content-Type", "application/activity+json");
  request.body = R"({"type":"Follow","actor":"https://remote.example/users/alice"})";
  return request;
}

HttpRequestView actor_get() {
  HttpRequestView request;
  request.method = "GET";
  request.target = "/ap/group/cats?page=1";
  request.authority = "bridge.example";
  request.add_header("Accept", "application/activity+json");
  return request;
}

// A verifier whose key lookup serves `key` for kKeyId and counts how often it is asked.
struct Harness {
  explicit Harness(PublicKey key, SignatureWindow window = {}, std::string expected_authority = "bridge.example")
      : verifier(
            [this, key](const std::string& key_id) -> Result<PublicKey> {
              ++lookups;
              if (key_id != kKeyId) return make_error("no such key");
              return key;
            },
            window, std::move(expected_authority)) {}

  Harness(const Harness&) = delete;  // the lookup points back at `lookups`

  int lookups = 0;
  HttpSignatureVerifier verifier;
};

Harness sender_harness(SignatureWindow window = {}) {
  auto key = sender_key().public_key();
  REQUIRE(key.ok());
  return Harness(*key, window);
}

void replace_header(HttpRequestView& request, std::string_view name, std::string value) {
  for (auto& f : request.headers)
    if (equals_ignoring_case(f.name, name)) f.value = value;
}

void remove_header(HttpRequestView& request, std::string_view name) {
  std::erase_if(request.headers, [&](const HttpField& f) { return equals_ignoring_case(f.name, name); });
}

HttpRequestView signed_cavage(HttpRequestView request, sys_seconds at = kNow) {
  REQUIRE(sign_cavage(request, sender_key(), kKeyId, at).ok());
  return request;
}

HttpRequestView signed_rfc9421(HttpRequestView request, sys_seconds at = kNow) {
  REQUIRE(sign_rfc9421(request, sender_key(), kKeyId, at).ok());
  return request;
}

}  // namespace

// ---- RFC 9530 digests ----

TEST_CASE("RFC 9530 Appendix D sample digests are reproduced and verified", "[digest]") {
  std::string body = read_fixture("rfc9530/sample-body.json");
  auto samples = nlohmann::json::parse(read_fixture("rfc9530/sample-digests.json"));
  for (const auto& sample : samples["samples"]) {
    std::string algorithm = sample["algorithm"];
    if (algorithm == "sha-256")
      CHECK(content_digest(body, DigestAlgorithm::sha256) ==
            "sha-256=" + sample["sf_byte_sequence"].get<std::string>());
    if (algorithm == "sha-512")
      CHECK(content_digest(body, DigestAlgorithm::sha512) ==
            "sha-512=" + sample["sf_byte_sequence"].get<std::string>());
  }
  std::string both = samples["content_digest_header"].get<std::string>().substr(std::string("Content-Digest: ").size());
  CHECK(verify_digest(DigestField::content_digest, both, body).ok());
  std::string legacy = samples["legacy_rfc3230_digest_header_as_used_by_mastodon"];
  CHECK("Digest: " + legacy_digest(body) == legacy);
  CHECK(verify_digest(DigestField::digest, legacy.substr(8), body).ok());
}

TEST_CASE("a digest that does not match the body, or cannot be checked, is refused with the header named", "[digest]") {
  std::string body = R"({"hello": "world"})";
  Status tampered = verify_digest(DigestField::digest, legacy_digest(body), body + " ");
  CHECK(tampered.error() == "Digest does not match body");
  Status tampered_new = verify_digest(DigestField::content_digest, content_digest(body, DigestAlgorithm::sha512), "x");
  CHECK(tampered_new.error() == "Content-Digest does not match body");
  // Deprecated algorithms alone prove nothing; beside a good SHA-256 they are ignored.
  CHECK(verify_digest(DigestField::content_digest, "md5=:Sd/dVLAcvNLSq16eXua5uQ==:", body).error() ==
        "Content-Digest names no sha-256 or sha-512 digest");
  CHECK(verify_digest(DigestField::digest, "MD5=Sd/dVLAcvNLSq16eXua5uQ==, " + legacy_digest(body), body).ok());
  CHECK(verify_digest(DigestField::digest, "sha-256=" + legacy_digest(body).substr(8), body).ok());
  // Every SHA digest listed must match, not just one of them.
  CHECK_FALSE(
      verify_digest(DigestField::content_digest,
                    content_digest(body, DigestAlgorithm::sha256) + ", " + content_digest("x", DigestAlgorithm::sha512),
                    body)
          .ok());
  for (const char* garbage : {"", "SHA-256", "=abc", "SHA-256=***", "sha-256=abc", "sha-256=:abc", "sha-256=(1 2)"}) {
    INFO(garbage);
    CHECK_FALSE(verify_digest(DigestField::digest, garbage, body).ok());
    CHECK_FALSE(verify_digest(DigestField::content_digest, garbage, body).ok());
  }
  CHECK(contains(verify_digest(DigestField::digest, std::string(9000, 'a'), body).error(), "longer than"));
}

// ---- draft-cavage-http-signatures-12 Appendix C ----

TEST_CASE("cavage-12 Appendix C: signing strings, signatures and headers are reproduced byte for byte", "[cavage]") {
  HttpRequestView request = parse_request(read_fixture("cavage-12/test-request.http"));
  PublicKey pub = public_key("cavage-12/keys-Test.pub.pem");
  PrivateKey priv = private_key("cavage-12/keys-Test.priv.pem");
  auto cases = nlohmann::json::parse(read_fixture("cavage-12/cases.json"));
  CHECK(verify_digest(DigestField::digest, *request.combined_header("Digest"), request.body).ok());

  for (std::string name : {"default", "basic"}) {
    INFO(name);
    const auto& c = cases[name];
    std::string signature_file = "cavage-12/" + c["signature_header_file"].get<std::string>();
    std::string authorization_file = "cavage-12/" + c["authorization_header_file"].get<std::string>();
    auto from_signature = parse_cavage_signature(header_value(signature_file, "Signature"));
    auto from_authorization = parse_cavage_authorization(header_value(authorization_file, "Authorization"));
    REQUIRE(from_signature.ok());
    REQUIRE(from_authorization.ok());
    CHECK(from_signature->key_id == "Test");
    CHECK(from_signature->algorithm == "rsa-sha256");
    CHECK(from_signature->signature == bytes_of(c["signature"].get<std::string>()));
    CHECK(from_authorization->headers == from_signature->headers);
    CHECK(from_authorization->signature == from_signature->signature);

    auto text = cavage_signing_string(request, *from_signature);
    REQUIRE(text.ok());
    CHECK(*text == trim_newline(read_fixture("cavage-12/" + c["signing_string_file"].get<std::string>())));

    auto algorithm = cavage_algorithm(from_signature->algorithm, pub.type());
    REQUIRE(algorithm.ok());
    CHECK(verify_signature(pub, *algorithm, *text, from_signature->signature).ok());
    CHECK_FALSE(verify_signature(pub, *algorithm, *text + " ", from_signature->signature).ok());

    // PKCS#1 v1.5 is deterministic: signing again must give the published bytes.
    auto header = cavage_signature_header(request, from_signature->headers, priv, "Test");
    REQUIRE(header.ok());
    CHECK(contains(*header, "signature=\"" + c["signature"].get<std::string>() + "\""));
    if (name == "basic") CHECK(*header == header_value(signature_file, "Signature"));
  }
  auto defaulted = parse_cavage_signature(header_value("cavage-12/default.signature-header.txt", "Signature"));
  REQUIRE(defaulted.ok());
  CHECK(defaulted->headers == std::vector<std::string>{"date"});
}

TEST_CASE("cavage-12 Appendix C's basic request fails the inbox policy: its Digest is not signed",
          "[cavage][verifier]") {
  HttpRequestView request = parse_request(read_fixture("cavage-12/test-request.http"));
  request.add_header("Signature", header_value("cavage-12/basic.signature-header.txt", "Signature"));
  PublicKey pub = public_key("cavage-12/keys-Test.pub.pem");
  int lookups = 0;
  HttpSignatureVerifier verifier([&](const std::string&) -> Result<PublicKey> {
    ++lookups;
    return pub;
  });
  auto at = parse_http_date("Sun, 05 Jan 2014 21:31:40 GMT");
  REQUIRE(at.ok());
  SignatureVerdict verdict = verifier.verify(request, *at);
  CHECK(verdict.failure == SignatureFailure::digest_not_covered);
  CHECK(verdict.message == "Digest is not covered by the signature");
  CHECK(verdict.key_id == "Test");
  CHECK(lookups == 0);
}

TEST_CASE("HTTP dates are IMF-fixdate both ways", "[cavage]") {
  auto parsed = parse_http_date("Sun, 05 Jan 2014 21:31:40 GMT");
  REQUIRE(parsed.ok());
  CHECK(parsed->time_since_epoch().count() == 1388957500);
  CHECK(format_http_date(*parsed) == "Sun, 05 Jan 2014 21:31:40 GMT");
  CHECK(format_http_date(kNow) == "Tue, 14 Nov 2023 22:13:20 GMT");
  for (const char* bad :
       {"", "Sunday, 05-Jan-14 21:31:40 GMT", "Sun Jan  5 21:31:40 2014", "Sun, 05 Jan 2014 21:31:40 UTC",
        "Sun, 32 Jan 2014 21:31:40 GMT", "Sun, 29 Feb 2023 21:31:40 GMT", "Sun, 05 Foo 2014 21:31:40 GMT",
        "Sun, 05 Jan 2014 24:00:00 GMT", "Xyz, 05 Jan 2014 21:31:40 GMT", "Sun, 0x Jan 2014 21:31:40 GMT"}) {
    INFO(bad);
    CHECK_FALSE(parse_http_date(bad).ok());
  }
}

TEST_CASE("cavage Signature headers are parsed strictly and within bounds", "[cavage]") {
  auto escaped = parse_cavage_signature(R"(keyId="a\"b\\c", headers="date", signature="AAAA", ext=token)");
  REQUIRE(escaped.ok());
  CHECK(escaped->key_id == "a\"b\\c");
  CHECK(escaped->algorithm.empty());

  auto list = parse_cavage_signature(R"(keyId="k",headers="(Request-Target)  Host DATE",signature="AAAA")");
  REQUIRE(list.ok());
  CHECK(list->headers == std::vector<std::string>{"(request-target)", "host", "date"});

  std::string twenty, twenty_one;
  for (int i = 0; i < 21; ++i) (i < 20 ? twenty : twenty_one) += "h" + std::to_string(i) + " ";
  twenty_one = twenty + twenty_one;
  CHECK(parse_cavage_signature("keyId=\"k\",headers=\"" + twenty + "\",signature=\"AAAA\"").ok());
  CHECK(contains(parse_cavage_signature("keyId=\"k\",headers=\"" + twenty_one + "\",signature=\"AAAA\"").error(),
                 "more than 20"));
  std::string long_key(kMaxSignatureHeaderSize, 'k');
  CHECK(contains(parse_cavage_signature("keyId=\"" + long_key + "\",signature=\"AAAA\"").error(), "exceeds"));

  for (const char* bad : {"",
                          ",",
                          "keyId",
                          "keyId=",
                          "keyId=\"k\"",
                          "signature=\"AAAA\"",
                          "keyId=\"k\",signature=\"AAAA\",",
                          "keyId=\"k\",,signature=\"AAAA\"",
                          "keyId=\"k\" signature=\"AAAA\"",
                          "keyId=\"k,signature=\"AAAA\"",
                          "keyId=\"k\",signature=\"AAAA\",keyId=\"j\"",
                          "keyId=\"k\",signature=\"not base64!\"",
                          "keyId=\"k\",signature=\"\"",
                          "keyId=\"k\",signature=\"AAAA\",headers=\"\"",
                          "keyId=\"k\",signature=\"AAAA\",headers=\"(nonsense)\"",
                          "keyId=\"k\",signature=\"AAAA\",headers=\"a:b\"",
                          "keyId=\"k\",signature=\"AAAA\",created=\"12.5\"",
                          "keyId=\"k\",signature=\"AAAA\",created=0123",
                          "keyId=\"k\",signature=\"AAAA\",expires=99999999999999999999",
                          "keyId=\"k\x01\",signature=\"AAAA\"",
                          "keyId=\"k\",signature=\"AAAA\\",
                          "=\"k\",signature=\"AAAA\""}) {
    INFO(bad);
    CHECK_FALSE(parse_cavage_signature(bad).ok());
  }
  CHECK_FALSE(parse_cavage_authorization("Bearer abc").ok());
  CHECK_FALSE(parse_cavage_authorization("Signature").ok());
  CHECK(parse_cavage_authorization("signature keyId=\"k\",signature=\"AAAA\"").ok());

  // Every cut of a real header is refused: the signature parameter is never complete before the end.
  std::string full = header_value("cavage-12/basic.signature-header.txt", "Signature");
  for (std::size_t n = 0; n < full.size(); ++n) {
    INFO(n);
    CHECK_FALSE(parse_cavage_signature(std::string_view(full).substr(0, n)).ok());
  }
}

// ---- RFC 9421 Appendix B ----

TEST_CASE("RFC 9421 Appendix B: signature bases are reproduced and the signatures verify", "[rfc9421]") {
  auto index = nlohmann::json::parse(read_fixture("rfc9421/cases/index.json"));
  REQUIRE(index.size() == 5);
  for (const auto& c : index) {
    std::string label = c["label"];
    std::string dir = "rfc9421/cases/" + label + "/";
    INFO(label);
    std::string expected_base = read_fixture(dir + c["signature_base_file"].get<std::string>());
    auto parsed = parse_rfc9421_signatures(trim_newline(read_fixture(dir + "signature-input.txt")),
                                           trim_newline(read_fixture(dir + "signature.txt")));
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 1);
    const Rfc9421Signature& sig = parsed->front();
    CHECK(sig.label == label);
    CHECK(sig.key_id == c["keyid"].get<std::string>());
    CHECK(sig.created == 1618884473);
    CHECK(c["signature_input"].get<std::string>() == label + "=" + sf::serialize(sig.input));

    std::string alg = c["alg"];
    std::string message = c["message"];
    if (message == "messages/test-request.http") {
      HttpRequestView request = parse_request(read_fixture("rfc9421/" + message));
      auto base = rfc9421_signature_base(request, sig.input);
      REQUIRE(base.ok());
      CHECK(*base == expected_base);
    } else {
      // B.2.4 signs a response; this code builds request bases only and says so.
      auto refused =
          rfc9421_signature_base(parse_request(read_fixture("rfc9421/messages/test-request.http")), sig.input);
      CHECK(refused.error() == "@status is a response component; a request cannot cover it");
    }

    if (alg == "hmac-sha256") {
      // Shared secrets have no place between fediverse servers, so HMAC is not offered.
      CHECK(rfc9421_algorithm(alg, KeyType::rsa).error() == "unsupported algorithm hmac-sha256 with rsa key");
      continue;
    }
    PublicKey pub = public_key("rfc9421/keys/" + c["keyid"].get<std::string>() + ".pub.pem");
    auto algorithm = rfc9421_algorithm(alg, pub.type());
    REQUIRE(algorithm.ok());
    CHECK(verify_signature(pub, *algorithm, expected_base, sig.signature).ok());
    CHECK_FALSE(verify_signature(pub, *algorithm, expected_base + " ", sig.signature).ok());

    PrivateKey priv = private_key("rfc9421/keys/" + c["keyid"].get<std::string>() + ".priv.pem");
    auto again = sign_message(priv, *algorithm, expected_base);
    REQUIRE(again.ok());
    if (c["deterministic"].get<bool>())
      CHECK(*again == sig.signature);
    else
      CHECK(verify_signature(pub, *algorithm, expected_base, *again).ok());
  }
}

TEST_CASE("RFC 9421 B.2.4 as printed has a wrong response digest, the corrected message a right one", "[rfc9421][digest]") {
  auto digest_of = [](const std::string& message) {
    std::size_t at = message.find("Content-Digest: ") + 16;
    return message.substr(at, message.find("\r\n", at) - at);
  };
  std::string printed = read_fixture("rfc9421/messages/test-response.http");
  std::string corrected = read_fixture("rfc9421/messages/test-response.corrected-digest.http");
  std::string body = corrected.substr(corrected.find("\r\n\r\n") + 4);
  CHECK(verify_digest(DigestField::content_digest, digest_of(corrected), body).ok());
  CHECK(verify_digest(DigestField::content_digest, digest_of(printed), body).error() ==
        "Content-Digest does not match body");
}

TEST_CASE("RFC 9421 derived components follow section 2.2", "[rfc9421]") {
  HttpRequestView request;
  request.method = "POST";
  request.target =
      "/path?param=value&foo=bar&baz=batman&qux=&var=this%20is%20a%20big%0Avalue&bar=with+plus+whitespace"
      "&fa%C3%A7ade%22%3A%20=something";
  request.authority = "WWW.Example.com:443";
  request.add_header("X-Multi", " a ");
  request.add_header("x-multi", "b\t");
  auto base_of = [&](const std::string& input) {
    auto dict = sf::parse_dictionary("s=" + input);
    REQUIRE(dict.ok());
    return rfc9421_signature_base(request, dict->front().inner_list);
  };
  auto base = base_of(
      R"(("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query" "@query-param";name="baz" "@query-param";name="qux" "@query-param";name="var" "@query-param";name="bar" "@query-param";name="fa%C3%A7ade%22%3A%20" "x-multi"))");
  REQUIRE(base.ok());
  std::string expected_lines[] = {
      "\"@method\": POST",
      "\"@target-uri\": https://www.example.com" + request.target,
      "\"@authority\": www.example.com",
      "\"@scheme\": https",
      "\"@request-target\": " + request.target,
      "\"@path\": /path",
      "\"@query\": ?" + request.target.substr(6),
      "\"@query-param\";name=\"baz\": batman",
      "\"@query-param\";name=\"qux\": ",
      "\"@query-param\";name=\"var\": this%20is%20a%20big%0Avalue",
      "\"@query-param\";name=\"bar\": with%20plus%20whitespace",
      "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\": something",
      "\"x-multi\": a, b",
  };
  std::string expected;
  for (const auto& line : expected_lines) expected += line + "\n";
  CHECK(base->substr(0, expected.size()) == expected);

  request.target = "/path";
  CHECK(*base_of(R"(("@query"))") == "\"@query\": ?\n\"@signature-params\": (\"@query\")");
  CHECK(base_of(R"(("@query-param";name="baz"))").error() == "query parameter \"baz\" is absent");
  request.target = "/path?a=1&a=2";
  CHECK(base_of(R"(("@query-param";name="a"))").error() == "query parameter \"a\" occurs more than once");
  for (const char* refused :
       {R"(("@status"))", R"(("@unknown"))", R"(("content-type";sf))", R"(("@method";req))", R"(("absent-header"))",
        R"(("@signature-params"))", R"(("Content-Type"))", R"(("@method" "@method"))", R"((1))"}) {
    INFO(refused);
    CHECK_FALSE(base_of(refused).ok());
  }
}

TEST_CASE("RFC 9421 Signature-Input and Signature are parsed strictly and within bounds", "[rfc9421]") {
  const std::string sig = "sig1=:AAAA:";
  CHECK(parse_rfc9421_signatures(R"(sig1=("@method");created=1;keyid="k")", sig).ok());
  std::string twenty = "sig1=(", twenty_one;
  for (int i = 0; i < 20; ++i) twenty += "\"h" + std::to_string(i) + "\" ";
  twenty_one = twenty + "\"h20\")";
  twenty += ")";
  CHECK(parse_rfc9421_signatures(twenty, sig).ok());
  CHECK(contains(parse_rfc9421_signatures(twenty_one, sig).error(), "more than 20 components"));
  CHECK(contains(parse_rfc9421_signatures("sig1=(\"" + std::string(9000, 'a') + "\")", sig).error(), "exceeds"));

  for (auto [input, signature] : std::initializer_list<std::pair<const char*, const char*>>{
           {"", "sig1=:AAAA:"},
           {R"(sig1=("@method"))", ""},
           {R"(sig1=("@method"))", "sig2=:AAAA:"},
           {R"(sig1=("@method"))", "sig1=\"AAAA\""},
           {R"(sig1=("@method"))", "sig1=::"},
           {R"(sig1="@method")", "sig1=:AAAA:"},
           {R"(sig1=("@method";name="x" "@method";name="x"))", "sig1=:AAAA:"},
           {R"(sig1=("@method");created="1")", "sig1=:AAAA:"},
           {R"(sig1=("@method");created=-1)", "sig1=:AAAA:"},
           {R"(sig1=("@method");keyid=k)", "sig1=:AAAA:"},
           {R"(sig1=("@method");alg=1)", "sig1=:AAAA:"},
           {R"(sig1=("@Method"))", "sig1=:AAAA:"},
           {R"(sig1=("@method"), sig1=("@path"))", "sig1=:AAAA:"},
           {R"(sig1=("@method");created=1.5)", "sig1=:AAAA:"},
           {R"(sig1=("@method" )", "sig1=:AAAA:"},
           {R"(sig1=("@method"),)", "sig1=:AAAA:"},
           {R"(Sig1=("@method"))", "Sig1=:AAAA:"},
           {R"(sig1=("@method\x"))", "sig1=:AAAA:"},
           {R"(sig1=("@method");created=1;created=2)", "sig1=:AAAA:"},
           {R"(sig1=("@method")x)", "sig1=:AAAA:"},
       }) {
    INFO(input << " / " << signature);
    CHECK_FALSE(parse_rfc9421_signatures(input, signature).ok());
  }
}

TEST_CASE("structured fields round trip and refuse what RFC 8941 (or this subset) does not allow", "[rfc9421]") {
  for (const char* canonical :
       {R"(a=1, b="x\"y\\z", c=tok/en:1, d=:AAEC:, e, f=?0, g=(1 "two" three);p;q=-5, h=();x, i;j=?0)"}) {
    auto dict = sf::parse_dictionary(canonical);
    REQUIRE(dict.ok());
    std::string again;
    for (const auto& m : *dict) {
      if (!again.empty()) again += ", ";
      again += m.key;
      if (m.is_inner_list)
        again += "=" + sf::serialize(m.inner_list);
      else if (m.item.value == sf::BareItem::of_boolean(true))
        again += sf::serialize(m.item.params);
      else
        again += "=" + sf::serialize(m.item);
    }
    CHECK(again == canonical);
  }
  auto spaced = sf::parse_dictionary(" a=1 ,\tb=2 ");
  REQUIRE(spaced.ok());
  CHECK(spaced->size() == 2);
  for (const char* bad :
       {"a=1,", "a=1,,b=2", "A=1", "a=1.5", "a=1234567890123456", "a=\"\x7f\"", "a=\"x", "a=(1", "a=(1,2)", "a=:AA",
        "a=:A*A:", "a=?2", "a=@1", "a=%\"x\"", "a=1;A=2", "a=1 b=2", "a=-", "1=a"}) {
    INFO(bad);
    CHECK_FALSE(sf::parse_dictionary(bad).ok());
  }
}

// ---- keys ----

TEST_CASE("public keys load from SPKI and PKCS#1 PEM, and anything else is refused", "[keys]") {
  CHECK(public_key("rfc9421/keys/test-key-rsa.pub.pem").type() == KeyType::rsa);  // BEGIN RSA PUBLIC KEY
  CHECK(public_key("rfc9421/keys/test-key-rsa-pss.pub.pem").type() == KeyType::rsa);
  CHECK(public_key("rfc9421/keys/test-key-ecc-p256.pub.pem").type() == KeyType::ec_p256);
  CHECK(public_key("rfc9421/keys/test-key-ed25519.pub.pem").type() == KeyType::ed25519);
  CHECK(public_key("cavage-12/keys-Test.pub.pem").type() == KeyType::rsa);  // 1024 bits
  // The PSS-only private key (id-RSASSA-PSS) loads, and its public half keeps the restriction.
  PrivateKey pss = private_key("rfc9421/keys/test-key-rsa-pss.priv.pem");
  CHECK(pss.type() == KeyType::rsa_pss);
  CHECK_FALSE(pss.public_key()->fits(SignatureAlgorithm::rsa_v1_5_sha256));
  CHECK(pss.public_key()->fits(SignatureAlgorithm::rsa_pss_sha512));

  std::string pem = read_fixture("rfc9421/keys/test-key-rsa-pss.pub.pem");
  CHECK(PublicKey::from_pem("\n" + pem + "\n\n").ok());
  CHECK(PublicKey::from_pem(read_fixture("rfc9421/keys/test-key-rsa.priv.pem")).error() ==
        "PEM RSA PRIVATE KEY is not a public key (expected PUBLIC KEY or RSA PUBLIC KEY)");
  CHECK(PublicKey::from_pem(pem + "junk").error() == "text after the PEM block");
  CHECK(contains(PublicKey::from_pem(pem + std::string(kMaxPemSize, '\n')).error(), "exceeds"));
  std::string corrupted = pem;
  corrupted[40] = '!';
  CHECK_FALSE(PublicKey::from_pem(corrupted).ok());
  // Cuts before the END line is complete.
  for (std::size_t n = 0; n + 30 < pem.size(); n += 7) CHECK_FALSE(PublicKey::from_pem(pem.substr(0, n)).ok());
  for (const char* bad : {"", "garbage", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                          "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n"}) {
    INFO(bad);
    CHECK_FALSE(PublicKey::from_pem(bad).ok());
    CHECK_FALSE(PrivateKey::from_pem(bad).ok());
  }
}

TEST_CASE("a generated RSA-2048 key survives PEM export and import", "[keys]") {
  const PrivateKey& key = sender_key();
  auto pem = key.to_pem();
  REQUIRE(pem.ok());
  CHECK(pem->starts_with("-----BEGIN PRIVATE KEY-----\n"));
  auto reloaded = PrivateKey::from_pem(*pem);
  REQUIRE(reloaded.ok());
  auto public_pem = key.public_pem();
  REQUIRE(public_pem.ok());
  CHECK(public_pem->starts_with("-----BEGIN PUBLIC KEY-----\n"));
  auto pub = PublicKey::from_pem(*public_pem);
  REQUIRE(pub.ok());
  auto signature = sign_message(*reloaded, SignatureAlgorithm::rsa_v1_5_sha256, "message");
  REQUIRE(signature.ok());
  CHECK(signature->size() == 256);
  CHECK(verify_signature(*pub, SignatureAlgorithm::rsa_v1_5_sha256, "message", *signature).ok());
  CHECK(verify_signature(*pub, SignatureAlgorithm::ed25519, "message", *signature).error() ==
        "algorithm ed25519 does not fit a rsa key");
  CHECK_FALSE(PrivateKey::generate_rsa(1024).ok());
}

// ---- the verifier: round trips ----

TEST_CASE("a request signed for another server is refused, whichever scheme covers the host", "[verifier]") {
  auto for_other_server = [] {
    HttpRequestView r = inbox_post();
    r.authority = "other.example";
    return r;
  };
  for (bool rfc9421 : {false, true}) {
    INFO((rfc9421 ? "RFC 9421 (@target-uri)" : "cavage (host)"));
    HttpRequestView request = rfc9421 ? signed_rfc9421(for_other_server()) : signed_cavage(for_other_server());
    // Valid for the server it was made for ...
    PublicKey key = sender_key().public_key().value();
    Harness theirs(key, {}, "other.example");
    CHECK(theirs.verifier.verify(request, kNow).ok());
    // ... and refused here, before any key is fetched.
    Harness ours(key);
    SignatureVerdict verdict = ours.verifier.verify(request, kNow);
    CHECK(verdict.failure == SignatureFailure::wrong_authority);
    CHECK(ours.lookups == 0);
  }
  // The default port written out is the same authority; a Host header that disagrees is not.
  HttpRequestView with_port = inbox_post();
  with_port.authority = "bridge.example:443";
  HttpRequestView signed_with_port = signed_cavage(with_port);
  Harness h = sender_harness();
  CHECK(h.verifier.verify(signed_with_port, kNow).ok());
}

TEST_CASE("a POST signed with draft-cavage verifies", "[verifier]") {
  HttpRequestView request = signed_cavage(inbox_post());
  std::string signature = *request.combined_header("Signature");
  CHECK(contains(signature, "keyId=\"" + kKeyId +
                                "\",algorithm=\"rsa-sha256\","
                                "headers=\"(request-target) host date digest\",signature=\""));
  CHECK(*request.combined_header("Date") == "Tue, 14 Nov 2023 22:13:20 GMT");
  CHECK(*request.combined_header("Host") == "bridge.example");
  CHECK(*request.combined_header("Digest") == legacy_digest(request.body));

  Harness h = sender_harness();
  SignatureVerdict verdict = h.verifier.verify(request, kNow + minutes(5));
  CHECK(verdict.ok());
  CHECK(verdict.message.empty());
  CHECK(verdict.key_id == kKeyId);
  CHECK(verdict.scheme == SignatureScheme::cavage);
  CHECK(h.lookups == 1);

  // The same parameters in an Authorization header are accepted too.
  remove_header(request, "Signature");
  request.add_header("Authorization", "Signature " + signature);
  CHECK(h.verifier.verify(request, kNow).ok());
}

TEST_CASE("a GET signed with draft-cavage (authorized fetch) verifies without a digest", "[verifier]") {
  HttpRequestView request = signed_cavage(actor_get());
  CHECK(contains(*request.combined_header("Signature"), "headers=\"(request-target) host date\""));
  CHECK_FALSE(request.has_header("Digest"));
  Harness h = sender_harness();
  CHECK(h.verifier.verify(request, kNow).ok());
}

TEST_CASE("a POST signed with RFC 9421 as Mastodon 4.5 expects verifies", "[verifier]") {
  HttpRequestView request = signed_rfc9421(inbox_post());
  CHECK(*request.combined_header("Signature-Input") ==
        "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;keyid=\"" + kKeyId +
            "\";alg=\"rsa-v1_5-sha256\"");
  CHECK(request.combined_header("Signature")->starts_with("sig1=:"));
  CHECK(*request.combined_header("Content-Digest") == content_digest(request.body, DigestAlgorithm::sha256));
  Harness h = sender_harness();
  SignatureVerdict verdict = h.verifier.verify(request, kNow);
  CHECK(verdict.ok());
  CHECK(verdict.key_id == kKeyId);
  CHECK(verdict.scheme == SignatureScheme::rfc9421);

  HttpRequestView get = signed_rfc9421(actor_get());
  CHECK(get.combined_header("Signature-Input")->starts_with("sig1=(\"@method\" \"@target-uri\");"));
  CHECK(h.verifier.verify(get, kNow).ok());
}

TEST_CASE("RFC 9421 signatures made with each algorithm's key verify end to end", "[verifier][rfc9421]") {
  for (const char* name : {"test-key-rsa", "test-key-rsa-pss", "test-key-ecc-p256", "test-key-ed25519"}) {
    INFO(name);
    PrivateKey priv = private_key(std::string("rfc9421/keys/") + name + ".priv.pem");
    HttpRequestView request = inbox_post();
    request.add_header("Content-Digest", content_digest(request.body, DigestAlgorithm::sha512));
    auto fields = rfc9421_sign(request, {"@method", "@target-uri", "content-digest"}, priv, kKeyId, kNow);
    REQUIRE(fields.ok());
    request.add_header("Signature-Input", fields->signature_input);
    request.add_header("Signature", fields->signature);
    Harness h(public_key(std::string("rfc9421/keys/") + name + ".pub.pem"));
    SignatureVerdict verdict = h.verifier.verify(request, kNow);
    INFO(verdict.message);
    CHECK(verdict.ok());
  }
}

TEST_CASE("RFC 9421 is preferred when a request carries both schemes", "[verifier]") {
  HttpRequestView request = inbox_post();
  // A draft-cavage signature by some other key, moved to Authorization, then a good RFC 9421 one.
  auto other = PrivateKey::generate_rsa();
  REQUIRE(other.ok());
  REQUIRE(sign_cavage(request, *other, kKeyId, kNow).ok());
  std::string cavage = *request.combined_header("Signature");
  remove_header(request, "Signature");
  request.add_header("Authorization", "Signature " + cavage);
  request = signed_rfc9421(request);
  Harness h = sender_harness();
  SignatureVerdict verdict = h.verifier.verify(request, kNow);
  CHECK(verdict.ok());
  CHECK(verdict.scheme == SignatureScheme::rfc9421);
}

TEST_CASE("hs2019 with (created) and (expires) is honoured", "[verifier][cavage]") {
  HttpRequestView request = actor_get();
  request.add_header("Host", "bridge.example");
  CavageSignature sig;
  sig.key_id = kKeyId;
  sig.algorithm = "hs2019";
  sig.headers = {"(request-target)", "host", "(created)", "(expires)"};
  sig.created = kNow.time_since_epoch().count();
  sig.expires = kNow.time_since_epoch().count() + 300;
  auto text = cavage_signing_string(request, sig);
  REQUIRE(text.ok());
  CHECK(*text ==
        "(request-target): get /ap/group/cats?page=1\nhost: bridge.example\n(created): 1700000000\n"
        "(expires): 1700000300");
  auto signature = sign_message(sender_key(), SignatureAlgorithm::rsa_v1_5_sha256, *text);
  REQUIRE(signature.ok());
  request.add_header("Signature", "keyId=\"" + kKeyId +
                                      "\",algorithm=\"hs2019\",created=1700000000,expires=1700000300,"
                                      "headers=\"(request-target) host (created) (expires)\",signature=\"" +
                                      base64_encode(*signature, true) + "\"");
  Harness h = sender_harness();
  CHECK(h.verifier.verify(request, kNow + minutes(4)).ok());
  SignatureVerdict late = h.verifier.verify(request, kNow + minutes(10));
  CHECK(late.failure == SignatureFailure::expired);
  CHECK(late.message == "signature expired: expires was 5m ago");

  sig.algorithm = "rsa-sha256";
  CHECK(cavage_signing_string(request, sig).error() == "(created) is not allowed with algorithm rsa-sha256");
}

// ---- the verifier: rejections a user would notice ----

TEST_CASE("a body changed after signing is refused: Digest does not match body", "[verifier]") {
  Harness h = sender_harness();
  HttpRequestView cavage = signed_cavage(inbox_post());
  cavage.body += " ";
  SignatureVerdict verdict = h.verifier.verify(cavage, kNow);
  CHECK(verdict.failure == SignatureFailure::digest_mismatch);
  CHECK(verdict.message == "Digest does not match body");
  CHECK(std::string(to_string(verdict.failure)) == "digest_mismatch");

  HttpRequestView rfc = signed_rfc9421(inbox_post());
  rfc.body = "{}";
  verdict = h.verifier.verify(rfc, kNow);
  CHECK(verdict.failure == SignatureFailure::digest_mismatch);
  CHECK(verdict.message == "Content-Digest does not match body");

  // A new digest to match the new body breaks the signature instead.
  replace_header(rfc, "Content-Digest", content_digest(rfc.body, DigestAlgorithm::sha256));
  CHECK(h.verifier.verify(rfc, kNow).failure == SignatureFailure::invalid_signature);
  CHECK(h.lookups == 1);
}

TEST_CASE("stale and future times are refused, within a configurable window", "[verifier]") {
  Harness h = sender_harness();
  HttpRequestView request = signed_cavage(inbox_post(), kNow - hours(13));
  SignatureVerdict stale = h.verifier.verify(request, kNow);
  CHECK(stale.failure == SignatureFailure::expired);
  CHECK(stale.message == "signature expired: Date is 13h old");
  CHECK(stale.key_id == kKeyId);

  HttpRequestView early = signed_cavage(inbox_post(), kNow + hours(2));
  SignatureVerdict future = h.verifier.verify(early, kNow);
  CHECK(future.failure == SignatureFailure::not_yet_valid);
  CHECK(future.message == "signature not yet valid: Date is 2h in the future");

  HttpRequestView rfc = signed_rfc9421(inbox_post(), kNow - hours(12) - minutes(30));
  CHECK(h.verifier.verify(rfc, kNow).message == "signature expired: created is 12h30m old");
  CHECK(h.lookups == 0);

  // Mastodon's window takes a 2 h old request; a one-hour window does not.
  HttpRequestView two_hours = signed_cavage(inbox_post(), kNow - hours(2));
  CHECK(h.verifier.verify(two_hours, kNow).ok());
  Harness strict = sender_harness({hours(1), hours(1)});
  CHECK(strict.verifier.verify(two_hours, kNow).message == "signature expired: Date is 2h old");
  CHECK(strict.verifier.verify(signed_cavage(inbox_post(), kNow - minutes(59)), kNow).ok());
}

TEST_CASE("a POST without a signed digest is refused", "[verifier]") {
  Harness h = sender_harness();
  HttpRequestView bare = inbox_post();
  bare.add_header("Host", "bridge.example");
  bare.add_header("Date", format_http_date(kNow));
  auto header = cavage_signature_header(bare, {"(request-target)", "host", "date"}, sender_key(), kKeyId);
  REQUIRE(header.ok());
  HttpRequestView missing = bare;
  missing.add_header("Signature", *header);
  SignatureVerdict verdict = h.verifier.verify(missing, kNow);
  CHECK(verdict.failure == SignatureFailure::missing_digest);
  CHECK(verdict.message == "POST without a Digest or Content-Digest header");

  HttpRequestView uncovered = bare;
  uncovered.add_header("Digest", legacy_digest(bare.body));
  uncovered.add_header("Signature", *header);
  verdict = h.verifier.verify(uncovered, kNow);
  CHECK(verdict.failure == SignatureFailure::digest_not_covered);
  CHECK(verdict.message == "Digest is not covered by the signature");

  HttpRequestView rfc = inbox_post();
  rfc.add_header("Content-Digest", content_digest(rfc.body, DigestAlgorithm::sha256));
  auto fields = rfc9421_sign(rfc, {"@method", "@target-uri"}, sender_key(), kKeyId, kNow);
  REQUIRE(fields.ok());
  rfc.add_header("Signature-Input", fields->signature_input);
  rfc.add_header("Signature", fields->signature);
  verdict = h.verifier.verify(rfc, kNow);
  CHECK(verdict.failure == SignatureFailure::digest_not_covered);
  CHECK(verdict.message == "Content-Digest is not covered by the signature");
  CHECK(h.lookups == 0);
}

TEST_CASE("a signature over the wrong components is refused", "[verifier]") {
  Harness h = sender_harness();
  HttpRequestView base = inbox_post();
  base.add_header("Host", "bridge.example");
  base.add_header("Date", format_http_date(kNow));
  base.add_header("Digest", legacy_digest(base.body));
  auto signed_over = [&](std::vector<std::string> headers) {
    HttpRequestView request = base;
    auto header = cavage_signature_header(request, headers, sender_key(), kKeyId);
    REQUIRE(header.ok());
    request.add_header("Signature", *header);
    return h.verifier.verify(request, kNow);
  };
  CHECK(signed_over({"date", "digest"}).message == "signature does not cover (request-target)");
  CHECK(signed_over({"(request-target)", "date", "digest"}).message == "signature does not cover host");
  CHECK(signed_over({"(request-target)", "host", "digest"}).message == "signature covers neither date nor (created)");
  CHECK(signed_over({"(request-target)", "host", "date"}).failure == SignatureFailure::digest_not_covered);

  // Headers changed after signing, or a headers= list that is not what was signed.
  HttpRequestView moved = signed_cavage(inbox_post());
  replace_header(moved, "Host", "elsewhere.example");
  CHECK(h.verifier.verify(moved, kNow).failure == SignatureFailure::wrong_authority);  // not ours, before the key
  HttpRequestView moved_path = signed_cavage(inbox_post());
  moved_path.target = "/ap/inbox";
  CHECK(h.verifier.verify(moved_path, kNow).failure == SignatureFailure::invalid_signature);
  HttpRequestView relisted = signed_cavage(inbox_post());
  replace_header(relisted, "Signature", [&] {
    std::string s = *relisted.combined_header("Signature");
    return s.replace(s.find("host date digest"), 16, "date host digest");
  }());
  SignatureVerdict verdict = h.verifier.verify(relisted, kNow);
  CHECK(verdict.failure == SignatureFailure::invalid_signature);
  CHECK(verdict.message == "rsa-v1_5-sha256 signature does not verify with key " + kKeyId);

  HttpRequestView rfc = inbox_post();
  rfc.add_header("Content-Digest", content_digest(rfc.body, DigestAlgorithm::sha256));
  for (auto [components, message] : std::initializer_list<std::pair<std::vector<std::string>, std::string>>{
           {{"@target-uri", "content-digest"}, "signature does not cover @method"},
           {{"@method", "@authority", "content-digest"},
            "signature covers none of @target-uri, @request-target, @path"},
           {{"@method", "@path", "content-digest"}, "signature covers none of @target-uri, @authority, host"}}) {
    HttpRequestView request = rfc;
    auto fields = rfc9421_sign(request, components, sender_key(), kKeyId, kNow);
    REQUIRE(fields.ok());
    request.add_header("Signature-Input", fields->signature_input);
    request.add_header("Signature", fields->signature);
    CHECK(h.verifier.verify(request, kNow).message == message);
  }
  HttpRequestView retargeted = signed_rfc9421(inbox_post());
  retargeted.target = "/ap/group/dogs/inbox";
  CHECK(h.verifier.verify(retargeted, kNow).failure == SignatureFailure::invalid_signature);
}

TEST_CASE("unknown algorithms are refused, before any key is fetched when the name says so", "[verifier]") {
  Harness h = sender_harness();
  HttpRequestView request = signed_cavage(inbox_post());
  std::string signature = *request.combined_header("Signature");
  replace_header(request, "Signature", signature.replace(signature.find("rsa-sha256"), 10, "ecdsa-sha256"));
  SignatureVerdict verdict = h.verifier.verify(request, kNow);
  CHECK(verdict.failure == SignatureFailure::unsupported_algorithm);
  CHECK(verdict.message == "unsupported algorithm ecdsa-sha256");

  HttpRequestView rfc = signed_rfc9421(inbox_post());
  std::string input = *rfc.combined_header("Signature-Input");
  replace_header(rfc, "Signature-Input", input.replace(input.find("rsa-v1_5-sha256"), 15, "hmac-sha256"));
  CHECK(h.verifier.verify(rfc, kNow).message == "unsupported algorithm hmac-sha256");
  CHECK(h.lookups == 0);

  // hs2019 says "ask the key"; with an Ed25519 key Mastodon's profile has no answer.
  HttpRequestView hs = signed_cavage(inbox_post());
  signature = *hs.combined_header("Signature");
  replace_header(hs, "Signature", signature.replace(signature.find("rsa-sha256"), 10, "hs2019"));
  CHECK(sender_harness().verifier.verify(hs, kNow).ok());
  Harness ed(public_key("rfc9421/keys/test-key-ed25519.pub.pem"));
  verdict = ed.verifier.verify(hs, kNow);
  CHECK(verdict.failure == SignatureFailure::unsupported_algorithm);
  CHECK(verdict.message == "unsupported algorithm hs2019 with ed25519 key");

  // An RFC 9421 alg that does not fit the key it names.
  Harness ec(public_key("rfc9421/keys/test-key-ecc-p256.pub.pem"));
  CHECK(ec.verifier.verify(signed_rfc9421(inbox_post()), kNow).message ==
        "unsupported algorithm rsa-v1_5-sha256 with ecdsa p-256 key");
}

TEST_CASE("the wrong key, or no key, is refused", "[verifier]") {
  auto other = PrivateKey::generate_rsa();
  REQUIRE(other.ok());
  Harness wrong(*other->public_key());
  for (const auto& request : {signed_cavage(inbox_post()), signed_rfc9421(inbox_post())}) {
    SignatureVerdict verdict = wrong.verifier.verify(request, kNow);
    CHECK(verdict.failure == SignatureFailure::invalid_signature);
    CHECK(verdict.key_id == kKeyId);
  }
  HttpSignatureVerifier unreachable([](const std::string&) -> Result<PublicKey> { return make_error("HTTP 410"); });
  SignatureVerdict verdict = unreachable.verify(signed_cavage(inbox_post()), kNow);
  CHECK(verdict.failure == SignatureFailure::key_unavailable);
  CHECK(verdict.message == "key " + kKeyId + ": HTTP 410");
}

TEST_CASE("unsigned, malformed and over-long signature headers are refused without a key fetch", "[verifier]") {
  Harness h = sender_harness();
  SignatureVerdict none = h.verifier.verify(inbox_post(), kNow);
  CHECK(none.failure == SignatureFailure::no_signature);
  CHECK(none.message == "no signature");
  HttpRequestView bearer = inbox_post();
  bearer.add_header("Authorization", "Bearer abc");
  CHECK(h.verifier.verify(bearer, kNow).failure == SignatureFailure::no_signature);

  HttpRequestView good = signed_cavage(inbox_post());
  for (std::string garbage :
       {std::string(""), std::string("garbage"), std::string("keyId=\"x\""), std::string("sig1=:AAAA:"),
        std::string(9000, 'a'), std::string("keyId=\"") + '\0' + "\"", std::string("\xff\xfe\xfd"),
        "keyId=\"" + kKeyId + "\",signature=\"" + std::string(8200, 'A') + "\""}) {
    HttpRequestView request = good;
    replace_header(request, "Signature", garbage);
    SignatureVerdict verdict = h.verifier.verify(request, kNow);
    INFO(garbage.substr(0, 40));
    CHECK(verdict.failure == SignatureFailure::malformed);
  }
  HttpRequestView twice = good;
  twice.add_header("Signature", *good.combined_header("Signature"));
  CHECK(h.verifier.verify(twice, kNow).message == "more than one Signature header");

  HttpRequestView no_sig = signed_rfc9421(inbox_post());
  remove_header(no_sig, "Signature");
  CHECK(h.verifier.verify(no_sig, kNow).message == "Signature-Input without a Signature header");

  // Every cut of a real RFC 9421 pair is refused, whichever of the two fields is cut.
  HttpRequestView rfc = signed_rfc9421(inbox_post());
  for (const char* field : {"Signature-Input", "Signature"}) {
    std::string full = *rfc.combined_header(field);
    for (std::size_t n = 0; n < full.size(); ++n) {
      HttpRequestView cut = rfc;
      replace_header(cut, field, full.substr(0, n));
      INFO(field << " cut at " << n);
      CHECK_FALSE(h.verifier.verify(cut, kNow).ok());
    }
  }
}
