// The parts of a DID document atproto uses (Identity spec): the DID, its handle claim
// (`alsoKnownAs: ["at://<handle>"]`), the `#atproto` signing key, and the `#atproto_pds` endpoint.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "bridge/base/result.h"
#include "protocols/atproto/ecdsa.h"

namespace causeway::atproto {

struct DidDocument {
  std::string id;
  std::optional<std::string> handle;  // the first at:// alias, unverified
  std::optional<PublicKey> signing_key;
  std::optional<std::string> pds_endpoint;
};

Result<DidDocument> parse_did_document(const nlohmann::json& doc);

}  // namespace causeway::atproto
