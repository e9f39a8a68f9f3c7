// The mirror account's reply controls on Bluesky, written for the MirrorWriter (it owns the
// client and the job): a threadgate on each root post the group's settings gate (threadgate.h
// says which), the approved accounts' list and its items (list_add, list_remove jobs), and the
// hidden replies of a mirrored thread (hide jobs). Every write is idempotent: record keys are
// derived (the gate's is its post's, the list's and items' are hashed TIDs), a hide already done
// is not written again, and a list job first checks that the operator's verdict still says so
// (a verdict changed meanwhile wins, whatever order the retries run in).
//
// Errors: an XRPC failure becomes the caller's StepOutcome through `on_error` (retry or give up,
// as for posts); a thread that is not the mirror account's, or whose hidden replies are full,
// gives up with the reason. Store changes go into the job's batch.
// Thread-safety: called from the to_bluesky worker's one thread; a read-modify-write of a
// threadgate relies on that (the PDS's putRecord here takes no swap CID).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "bridge/approved_list.h"
#include "bridge/bridge_writer.h"
#include "bridge/delivery_queue.h"
#include "bridge/id_map.h"
#include "bridge/moderation.h"
#include "config/config.h"
#include "protocols/atproto/xrpc_client.h"
#include "storage/store.h"

namespace causeway::atproto {

class ReplyControlWriter {
 public:
  using OnError = std::function<StepOutcome(const XrpcError&)>;
  // The references must outlive the writer.
  ReplyControlWriter(Store& store, DeliveryQueue& queue, std::function<std::int64_t()> clock);

  // Writes the threadgate of the root post about to be made at `post_uri` (before the post, so
  // there is no moment in which anyone may reply). nullopt when it is written or none is wanted
  // (`gated` says which); otherwise the outcome to stop the post with: a post the operator wants
  // gated is never made ungated.
  std::optional<StepOutcome> gate_root(const BridgeConfig& bridge, XrpcClient& client, const std::string& post_uri,
                                       std::int64_t created_at_us, WriteBatch& batch, bool& gated, const OnError& on_error);
  // Puts the Bluesky reply `reply_uri` among the hidden replies of its thread's root (the mirror
  // account's post), keeping the gate's rules and earlier entries.
  StepOutcome hide(XrpcClient& client, const std::string& reply_uri, const OnError& on_error);
  StepOutcome list_add(const BridgeConfig& bridge, XrpcClient& client, const std::string& did, WriteBatch& batch,
                       const OnError& on_error);
  StepOutcome list_remove(const BridgeConfig& bridge, XrpcClient& client, const std::string& did, const OnError& on_error);

 private:
  // The approved list's at-uri: the stored one while it is the account's, else made now (the same
  // key each time), stored in `batch`, and the accounts approved so far queued to be put on it.
  XrpcResult<std::string> ensure_list(const BridgeConfig& bridge, XrpcClient& client, WriteBatch& batch);

  Store& store_;
  DeliveryQueue& queue_;
  std::function<std::int64_t()> clock_;
  IdMap idmap_;
  Moderation moderation_;
  ApprovedList list_;
};

}  // namespace causeway::atproto
