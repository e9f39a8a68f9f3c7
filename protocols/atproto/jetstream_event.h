// One message of a Jetstream `/subscribe` stream: JSON text `{did, time_us, kind, commit | identity |
// account}`, parsed within bounds into a typed event. A commit's record is converted to the data
// model (links, bytes and blobs typed, no floats), so a Jetstream commit becomes the same RepoOp a
// firehose commit gives and goes through the same watch filter and record_events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/base/result.h"
#include "protocols/atproto/cid.h"
#include "protocols/atproto/dag_cbor.h"
#include "protocols/atproto/firehose_frame.h"

namespace causeway::atproto {

struct JetstreamLimits {
  std::size_t max_message_bytes = 1024 * 1024;
  int max_depth = 32;  // nested objects and arrays, the envelope included (a record starts at 3)
};

struct JetstreamEvent {
  enum class Kind { commit, identity, account, other };
  Kind kind = Kind::other;
  std::string kind_name;  // as received: tells what an `other` is (e.g. heartbeat)
  std::string did;        // absent only for `other`
  std::int64_t time_us = 0;  // microseconds since the epoch, Jetstream's cursor; 0 only for `other`

  // commit
  std::string rev;
  std::string operation;  // create, update or delete
  std::string collection;
  std::string rkey;
  std::optional<Cid> cid;       // create and update
  std::optional<Value> record;  // create and update

  // identity
  std::optional<std::string> handle;

  // account
  bool active = true;
  std::optional<std::string> status;  // why it is inactive: deactivated, takendown, ...
};

// An error names the field at fault first ("commit.rkey: ..."): the consumer counts rejections by it.
Result<JetstreamEvent> parse_jetstream_event(std::string_view message, const JetstreamLimits& limits = {});

// A commit as the op a firehose commit carries: action, "collection/rkey", cid and record.
RepoOp jetstream_repo_op(JetstreamEvent commit);

}  // namespace causeway::atproto
