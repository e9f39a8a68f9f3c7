// The keys that signed recorded firehose commits, and commits re-made for tests.
//
// The PDS that recorded the fixtures kept its repo signing keys, so the K-256 public key of each
// repo is recovered from its commits' signatures (ECDSA public-key recovery gives up to four
// candidates per signature; the key that signed every commit of a repo is the one left). Tests
// and the benchmark serve these keys in DID documents, as a PLC directory would.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/atproto/commit.h"
#include "protocols/atproto/ecdsa.h"

namespace causeway::testing {

// Repo DID -> the one key that verifies all its commits among `frames` (raw subscribeRepos
// messages). Repos whose commits leave more than one candidate are left out.
std::map<std::string, atproto::PublicKey> recover_commit_keys(const std::vector<std::string>& frames);

// `frame` (a #commit message) with its commit block replaced by `change(commit)`: the new block's
// CID goes into the CAR and the message's `commit`, as a forger would do it.
std::string remake_commit_frame(std::string_view frame, const std::function<void(atproto::Commit&)>& change);

// The DAG-CBOR block of a commit: its signed fields plus `sig`.
std::string encode_commit(const atproto::Commit& commit);

// The other signature of the same message: r || (n - s). Low-S in, high-S out (and back).
std::string other_s(std::string_view signature, atproto::Curve curve);

// A DID document (as a PLC directory serves it) naming `key` as the #atproto key.
std::string did_document_json(const std::string& did, const atproto::PublicKey& key, const std::string& handle = "");

}  // namespace causeway::testing
