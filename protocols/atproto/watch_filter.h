// Decides, for every op on the firehose, whether it touches an account causeway mirrors: replies
// whose parent or root is theirs, likes and reposts of their records, follows of them, posts whose
// facets mention them, and deletes of records we already took in. It runs on every op of the
// whole network, so it only compares strings and never allocates for ops it drops.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "bridge/base/at_uri.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::atproto {

class WatchFilter {
 public:
  // Whether an at-uri (repo + path of a deleted record) was taken in before.
  using TrackedRecord = std::function<bool(std::string_view at_uri)>;

  WatchFilter(std::unordered_set<std::string> watched_dids, TrackedRecord tracked)
      : watched_(std::move(watched_dids)), tracked_(std::move(tracked)) {}

  // Empty when the op does not matter; otherwise why it does ("reply to did:plc:...", ...).
  std::string why(const std::string& repo, const RepoOp& op) const;

  bool watching(std::string_view did) const { return watched_.count(std::string(did)) > 0; }

 private:
  bool uri_is_watched(const Value* ref) const;  // a strong ref {uri, cid} into a watched repo

  std::unordered_set<std::string> watched_;
  TrackedRecord tracked_;
};


}  // namespace causeway::atproto
