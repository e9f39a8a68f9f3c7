// One `com.atproto.sync.subscribeRepos` message (Event Stream spec, "Framing"): a DAG-CBOR header
// `{op, t}` followed by a DAG-CBOR body, decoded into a typed event. A #commit's CAR is parsed
// (every block's hash checked) and the records its ops point at are decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bridge/base/result.h"
#include "protocols/atproto/car.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/dag_cbor.h"

namespace causeway::atproto {

struct FrameLimits {
  size_t max_frame_bytes = 5 * 1024 * 1024;
  size_t max_blocks_bytes = 2 * 1024 * 1024;
  size_t max_ops = 200;
};

struct RepoOp {
  std::string action;  // create, update, delete
  std::string path;    // "<collection>/<rkey>"
  std::optional<Cid> cid;
  std::optional<Cid> prev;
  std::optional<Value> record;  // decoded from the CAR for create and update
};

struct CommitEvent {
  std::int64_t seq = 0;
  std::string repo;  // DID
  std::string rev;
  std::optional<std::string> since;
  Cid commit;
  bool too_big = false;
  std::vector<RepoOp> ops;
  std::vector<Cid> blobs;
  std::optional<Cid> prev_data;
  std::string time;
  std::optional<CarFile> blocks;  // absent only when too_big and empty
};

struct SyncEvent {
  std::int64_t seq = 0;
  std::string did;
  std::string rev;
  std::string time;
  std::optional<CarFile> blocks;
};

struct IdentityEvent {
  std::int64_t seq = 0;
  std::string did;
  std::string time;
  std::optional<std::string> handle;
};

struct AccountEvent {
  std::int64_t seq = 0;
  std::string did;
  std::string time;
  bool active = true;
  std::optional<std::string> status;
};

struct InfoEvent {
  std::string name;  // e.g. OutdatedCursor
  std::optional<std::string> message;
};

// {op: -1}: the server ends the stream with this error (FutureCursor, ConsumerTooSlow, ...).
struct ErrorFrame {
  std::string error;
  std::optional<std::string> message;
};

// A message type this build does not know; consumers skip it (the spec asks them to).
struct UnknownEvent {
  std::string type;
};

using FirehoseMessage =
    std::variant<CommitEvent, SyncEvent, IdentityEvent, AccountEvent, InfoEvent, ErrorFrame, UnknownEvent>;

Result<FirehoseMessage> decode_frame(std::string_view frame, const FrameLimits& limits = {});

// The message's sequence number, or nullopt for info, error and unknown messages.
std::optional<std::int64_t> frame_seq(const FirehoseMessage& message);

// The atproto JSON view of a decoded message, for `causeway inspect frame` and logs.
nlohmann::json frame_to_json(const FirehoseMessage& message);

}  // namespace causeway::atproto
