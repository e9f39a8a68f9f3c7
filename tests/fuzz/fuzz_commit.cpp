// libFuzzer target: a subscribeRepos message through commit verification (commit block, ops
// proven against the MST in the message's blocks, signature), with fixed keys in place of DID
// documents, so hostile commits and trees are walked without any network.
#include <cstdint>
#include <string_view>
#include <vector>

#include "protocols/atproto/commit_verifier.h"
#include "protocols/atproto/firehose_frame.h"

using namespace causeway;
using namespace causeway::atproto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PublicKey cached = PrivateKey::from_bytes(Curve::k256, std::string(32, '\x01')).value().public_key();
  static const PublicKey fresh = PrivateKey::from_bytes(Curve::p256, std::string(32, '\x02')).value().public_key();
  auto message = decode_frame(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!message || !std::holds_alternative<CommitEvent>(*message)) return 0;
  const auto& commit = std::get<CommitEvent>(*message);
  CommitVerifier verifier([](const std::string&, bool refresh) -> Result<PublicKey> { return refresh ? fresh : cached; },
                          [] { return std::int64_t{1'700'000'000'000'000}; });
  std::vector<const RepoOp*> ops;
  for (const auto& op : commit.ops) ops.push_back(&op);
  verifier.check(commit, ops);
  return 0;
}
