// libFuzzer target: draft-cavage Signature and Authorization header parsing, the signing string
// built from what parsed, HTTP dates, and the verifier's checks up to the key lookup.
#include <chrono>
#include <cstdint>
#include <string>

#include "protocols/activitypub/cavage_signature.h"
#include "protocols/activitypub/signature_verifier.h"

using namespace causeway;
using namespace causeway::activitypub;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  HttpRequestView request;
  request.method = "POST";
  request.target = "/inbox?page=1";
  request.authority = "bridge.example";
  request.add_header("Date", "Sun, 05 Jan 2014 21:31:40 GMT");
  request.add_header("Digest", input);
  request.body = "{}";
  if (auto sig = parse_cavage_signature(input)) (void)cavage_signing_string(request, *sig);
  if (auto sig = parse_cavage_authorization(input)) (void)cavage_signing_string(request, *sig);
  (void)parse_http_date(input);

  request.add_header("Signature", input);
  HttpSignatureVerifier verifier([](const std::string&) -> Result<PublicKey> { return make_error("no keys here"); });
  (void)verifier.verify(request, std::chrono::sys_seconds(std::chrono::seconds(1388957500)));
  return 0;
}
