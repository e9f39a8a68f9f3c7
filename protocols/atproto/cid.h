// Content identifiers as atproto uses them: CIDv1, codec dag-cbor (0x71) or raw (0x55), multihash
// sha2-256. Parsed from and printed to the base32 string form ("b..."), and the binary form found
// in DAG-CBOR links and CAR files. Hashes are always computed over the exact bytes received.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway::atproto {

inline constexpr std::uint64_t kCodecDagCbor = 0x71;
inline constexpr std::uint64_t kCodecRaw = 0x55;
inline constexpr std::uint64_t kHashSha256 = 0x12;

class Cid {
 public:
  static constexpr size_t kMaxDigest = 64;

  Cid() = default;
  // The CID of `bytes` with the given codec (sha2-256).
  static Cid compute(std::uint64_t codec, std::string_view bytes);
  // "b" + base32 (lowercase, no padding) of the binary form.
  static Result<Cid> parse(std::string_view text);
  // The binary form at the start of `bytes`; `consumed` gets its length. Trailing bytes are allowed
  // (CAR sections put the block right after the CID).
  static Result<Cid> from_bytes(std::string_view bytes, size_t* consumed);

  std::uint64_t codec() const { return codec_; }
  std::uint64_t hash_code() const { return hash_code_; }
  std::string_view digest() const { return {reinterpret_cast<const char*>(digest_.data()), digest_len_}; }
  bool empty() const { return digest_len_ == 0; }

  std::string to_string() const;
  std::string to_bytes() const;
  // Whether this is the only shape atproto repositories use: dag-cbor or raw, sha2-256.
  bool is_atproto_blessed() const;

  bool operator==(const Cid& other) const;
  bool operator<(const Cid& other) const;

 private:
  std::uint64_t codec_ = 0;
  std::uint64_t hash_code_ = 0;
  std::uint8_t digest_len_ = 0;
  std::array<std::uint8_t, kMaxDigest> digest_{};
};

struct CidHash {
  size_t operator()(const Cid& cid) const;
};

// Unsigned LEB128 varints as multiformats use them (at most 9 bytes, minimal encoding).
void append_varint(std::string& out, std::uint64_t value);
// Reads a varint at `bytes[*pos]`, advancing `pos`. Rejects non-minimal and over-long encodings.
Result<std::uint64_t> read_varint(std::string_view bytes, size_t* pos);

// SHA-256 of `bytes` into `digest`. Reuses one OpenSSL context per thread: the one-shot SHA256()
// of OpenSSL 3 looks the algorithm up (taking a lock) on every call, which dominates small blocks.
void sha256(std::string_view bytes, std::uint8_t digest[32]);

std::string base32_encode(std::string_view bytes);  // RFC 4648 lowercase, no padding
Result<std::string> base32_decode(std::string_view text);

}  // namespace causeway::atproto
