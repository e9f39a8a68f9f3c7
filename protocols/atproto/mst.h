// The Merkle Search Tree of atproto repositories (Repository spec, "MST Structure"): records keyed
// "<collection>/<rkey>", fanout 4 (a key's height is the leading zero bits of its SHA-256, halved),
// nodes `{l, e: [{p, k, v, t}]}` with prefix compression inside a node. Kept here as the sorted
// set of (key, record CID) it represents; nodes and the root CID are derived from it, which makes
// insert, delete and diff exact by construction.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/atproto/cid.h"

namespace causeway::atproto {

// Leading zero bits of SHA-256(key), divided by 2 (rounded down).
int mst_key_height(std::string_view key);
size_t common_prefix_length(std::string_view a, std::string_view b);

struct MstChange {
  std::string key;
  std::optional<Cid> before;  // nullopt: created
  std::optional<Cid> after;   // nullopt: deleted
};

class Mst;

// The value of `key` in the tree under `root`, or nullopt when the tree has no such key, reading
// only the nodes on the path to it (what a firehose commit's blocks carry for each op). Fails on a
// node missing from `lookup`, or malformed. Trusts the nodes' order: their CIDs bind them to `root`.
Result<std::optional<Cid>> mst_lookup(const Cid& root, std::string_view key,
                                      const std::function<std::optional<std::string_view>(const Cid&)>& lookup);

class Mst {
 public:
  using BlockLookup = std::function<std::optional<std::string_view>(const Cid&)>;

  Mst() = default;
  explicit Mst(std::map<std::string, Cid> entries) : entries_(std::move(entries)) {}

  // Reads a whole tree from its root, fetching nodes with `lookup`. Fails on a missing node, a
  // malformed node, keys out of order or at the wrong height.
  static Result<Mst> load(const Cid& root, const BlockLookup& lookup);

  void put(std::string key, Cid value) { entries_[std::move(key)] = value; }
  bool remove(const std::string& key) { return entries_.erase(key) > 0; }
  const std::map<std::string, Cid>& entries() const { return entries_; }

  // The root CID and every node block (CID, DAG-CBOR bytes), root first.
  struct Built {
    Cid root;
    std::vector<std::pair<Cid, std::string>> nodes;
  };
  Built build() const;
  Cid root() const { return build().root; }

  // The CIDs of the nodes on the paths from the root to each of `keys` (present or not): what a
  // reader needs to check those keys against the root.
  std::vector<Cid> proof_nodes(const std::vector<std::string>& keys) const;

  // What changed from `before` to this tree, in key order.
  std::vector<MstChange> diff_from(const Mst& before) const;

 private:
  std::map<std::string, Cid> entries_;
};

}  // namespace causeway::atproto
