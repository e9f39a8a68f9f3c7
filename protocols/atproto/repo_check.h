// Checks a repository CAR end to end, as `causeway inspect car` reports it: blocks hash to their
// CIDs, the root is a commit, the MST recomputed from its records gives the commit's `data`, and
// (when a key is given) the commit's signature verifies. Without a key, a signature no key could
// accept (high-S on both curves, say) is still reported invalid.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocols/atproto/car.h"
#include "protocols/atproto/ecdsa.h"

namespace causeway::atproto {

struct RepoCheck {
  std::string root;  // the commit CID
  std::string did;
  std::string rev;
  std::int64_t version = 0;
  std::map<std::string, Cid> records;  // "<collection>/<rkey>" -> record CID
  size_t blocks_verified = 0;
  bool mst_root_matches = false;
  std::string signature = "unchecked";  // "valid", "invalid: <reason>" or "unchecked"
  std::vector<std::string> errors;
};

RepoCheck check_repo(const CarFile& car, const std::optional<PublicKey>& key);

}  // namespace causeway::atproto
