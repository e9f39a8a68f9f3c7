#include "tests/support/commit_keys.h"

#include <openssl/sha.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "protocols/atproto/did_key.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::testing {
namespace {

using namespace atproto;

std::vector<PublicKey> signers(const Commit& commit) {
  static secp256k1_context* context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  std::vector<PublicKey> out;
  if (commit.sig.size() != 64) return out;
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(commit.signed_bytes.data()), commit.signed_bytes.size(), hash);
  for (int id = 0; id < 4; ++id) {
    secp256k1_ecdsa_recoverable_signature signature;
    secp256k1_pubkey point;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(
            context, &signature, reinterpret_cast<const unsigned char*>(commit.sig.data()), id) ||
        !secp256k1_ecdsa_recover(context, &point, &signature, hash))
      continue;
    unsigned char compressed[33];
    size_t size = sizeof compressed;
    secp256k1_ec_pubkey_serialize(context, compressed, &size, &point, SECP256K1_EC_COMPRESSED);
    auto key = PublicKey::from_sec1(Curve::k256, std::string_view(reinterpret_cast<char*>(compressed), size));
    if (key && verify_commit_signature(commit, *key).ok()) out.push_back(*key);
  }
  return out;
}

}  // namespace

std::map<std::string, PublicKey> recover_commit_keys(const std::vector<std::string>& frames) {
  std::map<std::string, std::vector<PublicKey>> candidates;
  for (const auto& frame : frames) {
    auto message = decode_frame(frame);
    if (!message || !std::holds_alternative<CommitEvent>(*message)) continue;
    const auto& event = std::get<CommitEvent>(*message);
    auto block = event.blocks ? event.blocks->block(event.commit) : std::nullopt;
    if (!block) continue;
    auto commit = decode_commit(*block);
    if (!commit) continue;
    auto found = signers(*commit);
    auto [at, fresh] = candidates.emplace(event.repo, found);
    if (fresh) continue;
    std::erase_if(at->second, [&](const PublicKey& k) { return std::find(found.begin(), found.end(), k) == found.end(); });
  }
  std::map<std::string, PublicKey> keys;
  for (const auto& [did, left] : candidates)
    if (left.size() == 1) keys.emplace(did, left[0]);
  return keys;
}

std::string encode_commit(const Commit& commit) {
  auto fields = decode_dag_cbor(commit.signed_bytes);
  if (!fields || !fields->is_map()) throw std::runtime_error("commit fields are not a map");
  Map map = fields->as_map();
  map.emplace_back("sig", Value(Bytes{commit.sig}));
  return encode_dag_cbor(Value(std::move(map)));
}

std::string remake_commit_frame(std::string_view frame, const std::function<void(Commit&)>& change) {
  size_t header_size = 0;
  auto header = decode_dag_cbor_prefix(frame, &header_size);
  if (!header) throw std::runtime_error("frame header: " + header.error());
  auto body = decode_dag_cbor(frame.substr(header_size));
  if (!body || !body->is_map()) throw std::runtime_error("frame body is not a map");
  const Cid* old_cid = body->find_link("commit");
  const Value* blocks = body->find("blocks");
  if (!old_cid || !blocks || !blocks->is_bytes()) throw std::runtime_error("not a #commit with blocks");
  auto car = CarFile::parse(blocks->as_bytes());
  if (!car) throw std::runtime_error("blocks: " + car.error());
  auto commit = decode_commit(*car->block(*old_cid));
  if (!commit) throw std::runtime_error(commit.error());
  change(*commit);
  std::string commit_block = encode_commit(*commit);
  Cid new_cid = Cid::compute(kCodecDagCbor, commit_block);
  std::vector<std::pair<Cid, std::string>> all{{new_cid, commit_block}};
  for (const auto& [cid, bytes] : car->blocks())
    if (!(cid == *old_cid)) all.emplace_back(cid, std::string(bytes));
  Map fields;
  for (const auto& [k, v] : body->as_map()) {
    if (k == "commit") fields.emplace_back(k, Value(new_cid));
    else if (k == "blocks") fields.emplace_back(k, Value(Bytes{write_car({new_cid}, all)}));
    else fields.emplace_back(k, v);
  }
  return std::string(frame.substr(0, header_size)) + encode_dag_cbor(Value(std::move(fields)));
}

std::string other_s(std::string_view signature, Curve curve) {
  // The group orders, big-endian (SEC 2).
  static const unsigned char kK256[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                          0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
                                          0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
  static const unsigned char kP256[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                          0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
  if (signature.size() != 64) throw std::runtime_error("not a 64-byte r||s signature");
  const unsigned char* n = curve == Curve::k256 ? kK256 : kP256;
  std::string out(signature);
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[i] - static_cast<unsigned char>(signature[32 + i]) - borrow;
    borrow = d < 0;
    out[32 + i] = static_cast<char>(d + (borrow ? 256 : 0));
  }
  return out;
}

std::string did_document_json(const std::string& did, const PublicKey& key, const std::string& handle) {
  nlohmann::json doc = {
      {"@context", {"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"}},
      {"id", did},
      {"alsoKnownAs", handle.empty() ? nlohmann::json::array() : nlohmann::json::array({"at://" + handle})},
      {"verificationMethod",
       {{{"id", did + "#atproto"}, {"type", "Multikey"}, {"controller", did}, {"publicKeyMultibase", to_multikey(key)}}}},
      {"service", nlohmann::json::array()}};
  return doc.dump();
}

}  // namespace causeway::testing
