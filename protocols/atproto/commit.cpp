#include "protocols/atproto/commit.h"

#include "protocols/atproto/syntax.h"

namespace causeway::atproto {

Result<Commit> decode_commit(std::string_view block) {
  auto value = decode_dag_cbor(block);
  if (!value) return make_error("commit: " + value.error());
  if (!value->is_map()) return make_error("commit is not a map");
  Commit c;
  const std::string* did = value->find_string("did");
  const std::int64_t* version = value->find_integer("version");
  const Cid* data = value->find_link("data");
  const std::string* rev = value->find_string("rev");
  const Value* sig = value->find("sig");
  if (!did || !version || !data || !sig || !sig->is_bytes())
    return make_error("commit lacks one of did, version, data, sig");
  if (*version != 2 && *version != 3) return make_error("commit version " + std::to_string(*version) + " is not 2 or 3");
  if (Status s = validate_did(*did); !s.ok()) return make_error("commit did: " + s.error());
  if (*version == 3 && !rev) return make_error("v3 commit has no rev");
  if (rev) {
    if (Status s = validate_tid(*rev); !s.ok()) return make_error("commit rev: " + s.error());
    c.rev = *rev;
  }
  if (const Value* prev = value->find("prev")) {
    if (prev->is_link()) c.prev = prev->as_link();
    else if (!prev->is_null()) return make_error("commit prev must be a link or null");
  }
  c.did = *did;
  c.version = *version;
  c.data = *data;
  c.sig = sig->as_bytes();
  Map unsigned_fields;
  for (const auto& [k, v] : value->as_map())
    if (k != "sig") unsigned_fields.emplace_back(k, v);
  c.signed_bytes = encode_dag_cbor(Value(std::move(unsigned_fields)));
  return c;
}

Status verify_commit_signature(const Commit& commit, const PublicKey& key) {
  return verify(key, commit.signed_bytes, commit.sig);
}

}  // namespace causeway::atproto
