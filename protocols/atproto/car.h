// CAR v1 files (atproto Repository spec, "CAR File Serialization"): a header naming root CIDs,
// then blocks, each stored with its CID. Every block's hash is checked against its CID on read;
// duplicate and extra blocks are tolerated. Blocks are views into the file's own buffer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/atproto/cid.h"

namespace causeway::atproto {

struct CarLimits {
  size_t max_bytes = 2 * 1024 * 1024;  // a firehose commit's blocks are at most 2 MB
  size_t max_blocks = 100000;
  size_t max_header_bytes = 64 * 1024;
};

class CarFile {
 public:
  // Parses `bytes` (taking ownership). Fails on a malformed header or section, a block whose hash
  // does not match its CID, or a file beyond `limits`.
  static Result<CarFile> parse(std::string bytes, const CarLimits& limits = {});

  const std::vector<Cid>& roots() const { return roots_; }
  // The block with this CID, or nullopt.
  std::optional<std::string_view> block(const Cid& cid) const;
  size_t block_count() const { return blocks_.size(); }
  size_t duplicate_blocks() const { return duplicates_; }
  const std::unordered_map<Cid, std::string_view, CidHash>& blocks() const { return blocks_; }

 private:
  std::unique_ptr<const std::string> buffer_;  // stable address: blocks_ views point into it
  std::vector<Cid> roots_;
  std::unordered_map<Cid, std::string_view, CidHash> blocks_;
  size_t duplicates_ = 0;
};

// Writes a CAR v1 file with the given roots and blocks (in the order given).
std::string write_car(const std::vector<Cid>& roots, const std::vector<std::pair<Cid, std::string>>& blocks);

}  // namespace causeway::atproto
