// Repository commits (Repository spec, "Commit Objects"): `{did, version, data, rev, prev, sig}`,
// signed over the DAG-CBOR of the commit without `sig`. Versions 2 and 3 are read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/ecdsa.h"

namespace causeway::atproto {

struct Commit {
  std::string did;
  std::int64_t version = 3;
  Cid data;  // MST root
  std::string rev;
  std::optional<Cid> prev;
  std::string sig;
  std::string signed_bytes;  // DAG-CBOR of the commit without `sig`: what the signature covers
};

Result<Commit> decode_commit(std::string_view block);
Status verify_commit_signature(const Commit& commit, const PublicKey& key);

}  // namespace causeway::atproto
