#include "protocols/atproto/cid.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace causeway::atproto {
namespace {

constexpr char kBase32Alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

class Sha256Context {
 public:
  Sha256Context() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~Sha256Context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  void digest(std::string_view bytes, std::uint8_t out[32]) {
    unsigned int len = 0;
    EVP_DigestInit_ex2(ctx_, md_, nullptr);
    EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
    EVP_DigestFinal_ex(ctx_, out, &len);
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

void sha256(std::string_view bytes, std::uint8_t digest[32]) {
  thread_local Sha256Context context;
  context.digest(bytes, digest);
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

Result<std::uint64_t> read_varint(std::string_view bytes, size_t* pos) {
  std::uint64_t value = 0;
  for (int i = 0; i < 9; ++i) {
    if (*pos >= bytes.size()) return make_error("varint runs past the end of the input");
    auto b = static_cast<std::uint8_t>(bytes[(*pos)++]);
    value |= static_cast<std::uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (b == 0 && i > 0) return make_error("varint is not minimally encoded");
      return value;
    }
  }
  return make_error("varint is longer than 9 bytes");
}

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> base32_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'a' && c <= 'z') v = c - 'a';
    else if (c >= '2' && c <= '7') v = c - '2' + 26;
    else return make_error(std::string("invalid base32 character '") + c + "'");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return make_error("base32 has leftover bits");
  return out;
}

Cid Cid::compute(std::uint64_t codec, std::string_view bytes) {
  Cid cid;
  cid.codec_ = codec;
  cid.hash_code_ = kHashSha256;
  cid.digest_len_ = 32;
  sha256(bytes, cid.digest_.data());
  return cid;
}

Result<Cid> Cid::parse(std::string_view text) {
  if (text.size() > 2 && text[0] == 'Q' && text[1] == 'm') return make_error("CIDv0 is not allowed in atproto");
  if (text.empty() || text[0] != 'b') return make_error("CID must be multibase base32 (start with 'b')");
  if (text.size() > 200) return make_error("CID string is too long");
  auto bytes = base32_decode(text.substr(1));
  if (!bytes) return make_error("CID " + std::string(text) + ": " + bytes.error());
  size_t consumed = 0;
  auto cid = from_bytes(*bytes, &consumed);
  if (!cid) return make_error("CID " + std::string(text) + ": " + cid.error());
  if (consumed != bytes->size()) return make_error("CID " + std::string(text) + ": trailing bytes after the digest");
  return cid;
}

Result<Cid> Cid::from_bytes(std::string_view bytes, size_t* consumed) {
  size_t pos = 0;
  auto version = read_varint(bytes, &pos);
  if (!version) return make_error("CID version: " + version.error());
  if (*version != 1) return make_error("CID version " + std::to_string(*version) + " (only CIDv1 is allowed)");
  auto codec = read_varint(bytes, &pos);
  if (!codec) return make_error("CID codec: " + codec.error());
  auto hash = read_varint(bytes, &pos);
  if (!hash) return make_error("CID hash code: " + hash.error());
  auto length = read_varint(bytes, &pos);
  if (!length) return make_error("CID digest length: " + length.error());
  if (*length == 0 || *length > kMaxDigest) return make_error("CID digest length " + std::to_string(*length) + " is out of range");
  if (*hash == kHashSha256 && *length != 32) return make_error("sha2-256 CID digest must be 32 bytes");
  if (bytes.size() - pos < *length) return make_error("CID digest runs past the end of the input");
  Cid cid;
  cid.codec_ = *codec;
  cid.hash_code_ = *hash;
  cid.digest_len_ = static_cast<std::uint8_t>(*length);
  std::memcpy(cid.digest_.data(), bytes.data() + pos, *length);
  *consumed = pos + *length;
  return cid;
}

std::string Cid::to_bytes() const {
  std::string out;
  out.reserve(4 + digest_len_);
  append_varint(out, 1);
  append_varint(out, codec_);
  append_varint(out, hash_code_);
  append_varint(out, digest_len_);
  out.append(digest());
  return out;
}

std::string Cid::to_string() const { return "b" + base32_encode(to_bytes()); }

bool Cid::is_atproto_blessed() const {
  return (codec_ == kCodecDagCbor || codec_ == kCodecRaw) && hash_code_ == kHashSha256 && digest_len_ == 32;
}

bool Cid::operator==(const Cid& other) const {
  return codec_ == other.codec_ && hash_code_ == other.hash_code_ && digest() == other.digest();
}

bool Cid::operator<(const Cid& other) const { return to_bytes() < other.to_bytes(); }

size_t CidHash::operator()(const Cid& cid) const {
  size_t h = 0;
  std::memcpy(&h, cid.digest().data(), std::min(sizeof h, cid.digest().size()));
  return h ^ cid.codec();
}

}  // namespace causeway::atproto
