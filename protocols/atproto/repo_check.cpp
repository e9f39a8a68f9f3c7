#include "protocols/atproto/repo_check.h"

#include "protocols/atproto/commit.h"
#include "protocols/atproto/mst.h"

namespace causeway::atproto {

RepoCheck check_repo(const CarFile& car, const std::optional<PublicKey>& key) {
  RepoCheck check;
  check.blocks_verified = car.block_count();  // CarFile::parse refuses any block that fails its hash
  if (car.roots().empty()) {
    check.errors.push_back("CAR has no root");
    return check;
  }
  const Cid& root = car.roots()[0];
  check.root = root.to_string();
  auto block = car.block(root);
  if (!block) {
    check.errors.push_back("root block " + check.root + " is not in the CAR");
    return check;
  }
  auto commit = decode_commit(*block);
  if (!commit) {
    check.errors.push_back(commit.error());
    return check;
  }
  check.did = commit->did;
  check.rev = commit->rev;
  check.version = commit->version;

  auto tree = Mst::load(commit->data, [&car](const Cid& cid) { return car.block(cid); });
  if (!tree) {
    check.errors.push_back("MST: " + tree.error());
  } else {
    check.records = tree->entries();
    Cid recomputed = tree->root();
    check.mst_root_matches = recomputed == commit->data;
    if (!check.mst_root_matches)
      check.errors.push_back("MST root recomputed from the records is " + recomputed.to_string() +
                             ", the commit says " + commit->data.to_string());
    for (const auto& [path, cid] : check.records)
      if (!car.block(cid)) check.errors.push_back("record " + path + " (" + cid.to_string() + ") is not in the CAR");
  }
  // Without a key the signature stays "unchecked", unless its form alone rules out every key.
  Status verified = key ? verify_commit_signature(*commit, *key) : check_signature_form(commit->sig);
  if (key && verified.ok()) check.signature = "valid";
  if (!verified.ok()) {
    check.signature = "invalid: " + verified.error();
    check.errors.push_back("signature " + check.signature);
  }
  return check;
}

}  // namespace causeway::atproto
