// Identity resolution (atproto Identity and Handle specs): handle -> DID, DID -> DID document, and
// the bidirectional check that makes a handle trustworthy (the DID's document claims the handle,
// and the handle resolves back to that DID).
//
// A handle resolves through com.atproto.identity.resolveHandle on a configured service (a PDS or
// AppView, which also knows DNS TXT records), then through https://<handle>/.well-known/atproto-did.
// causeway does no DNS TXT lookup of its own: no DNS library is linked, and the service covers it.
// did:plc documents come from the PLC directory, did:web ones from
// https://<host>/.well-known/did.json; plain http is used only when the outbound policy allows
// private addresses (tests and local demos). Every fetch goes through the HTTP client's outbound
// guard with a size and time limit.
//
// Remote JSON is read only with checked accessors (type tested before every get): a hostile
// document with a number where a string belongs is an error, never an exception.
//
// Results are cached in the `actors` family (`did/<did>`, `handle/<handle>`) for a TTL;
// `invalidate` drops a DID's entries when the network announces an identity change (`#identity`).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/atproto/did_document.h"
#include "protocols/net/http_client.h"
#include "storage/store.h"

namespace causeway::atproto {

struct IdentityOptions {
  std::string plc_url = "https://plc.directory";
  // Origin of an XRPC service answering com.atproto.identity.resolveHandle; empty: none.
  std::string handle_service_url;
  std::chrono::seconds ttl = std::chrono::hours(24);
  std::chrono::milliseconds timeout{10'000};
};

struct Identity {
  std::string did;
  DidDocument document;
  std::optional<std::string> handle;  // the document's claim, lowercased
  bool handle_verified = false;       // the claimed handle resolves back to `did`
  std::string unverified_reason;      // why not, when it is not
};

class IdentityResolver {
 public:
  using Clock = std::function<std::int64_t()>;  // microseconds since the Unix epoch

  // `policy` must be the one `http` was made with: it decides whether plain http may be used.
  IdentityResolver(Store& store, const HttpClient& http, OutboundPolicy policy, Clock clock,
                   IdentityOptions options = {})
      : store_(store), http_(http), policy_(policy), clock_(std::move(clock)), options_(std::move(options)) {}

  // The DID a handle names (not verified against the DID's document: `resolve` does that).
  Result<std::string> resolve_handle(const std::string& handle);
  Result<DidDocument> resolve_did(const std::string& did);
  // The same with its own time limit per fetch (the firehose's key lookups must not hold its
  // thread for the resolver's full `timeout`).
  Result<DidDocument> resolve_did(const std::string& did, std::chrono::milliseconds timeout);
  // A handle or a DID, resolved in both directions.
  Result<Identity> resolve(const std::string& handle_or_did);

  // Forgets the cached document of `did` and the cached resolution of the handle it claimed.
  Status invalidate(const std::string& did);

 private:
  Result<std::string> handle_from_service(const std::string& handle);
  Result<std::string> handle_from_well_known(const std::string& handle);
  Result<nlohmann::json> fetch_did_document(const std::string& did, const std::string& url,
                                            std::chrono::milliseconds timeout);
  // Where the document of `did` may be fetched, in the order to try.
  Result<std::vector<std::string>> document_urls(const std::string& did) const;
  bool fresh(std::int64_t fetched_us) const;

  Store& store_;
  const HttpClient& http_;
  OutboundPolicy policy_;
  Clock clock_;
  IdentityOptions options_;
};

}  // namespace causeway::atproto
