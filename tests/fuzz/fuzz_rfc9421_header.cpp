// libFuzzer target: RFC 9421 Signature-Input and Signature parsing (the input's first line is one
// field, the rest the other), the structured-field parser under them, signature bases built from
// what parsed, Content-Digest checking, and the verifier's checks up to the key lookup.
#include <chrono>
#include <cstdint>
#include <string>

#include "protocols/activitypub/http_digest.h"
#include "protocols/activitypub/rfc9421_signature.h"
#include "protocols/activitypub/signature_verifier.h"
#include "protocols/activitypub/structured_fields.h"

using namespace causeway;
using namespace causeway::activitypub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string signature_input = input.substr(0, newline);
  std::string signature = newline == std::string::npos ? std::string() : input.substr(newline + 1);

  HttpRequestView request;
  request.method = "POST";
  request.target = "/inbox?a=1&b=%20x+y&a";
  request.authority = "Bridge.Example:443";
  request.add_header("Content-Digest", signature);
  request.add_header("Content-Type", "application/activity+json");
  request.body = "{}";
  (void)sf::parse_dictionary(input);
  (void)verify_digest(DigestField::content_digest, signature, request.body);
  if (auto sigs = parse_rfc9421_signatures(signature_input, signature))
    for (const auto& sig : *sigs) (void)rfc9421_signature_base(request, sig.input);

  request.add_header("Signature-Input", signature_input);
  request.add_header("Signature", signature);
  HttpSignatureVerifier verifier([](const std::string&) -> Result<PublicKey> { return make_error("no keys here"); });
  (void)verifier.verify(request, std::chrono::sys_seconds(std::chrono::seconds(1700000000)));
  return 0;
}
