// A stream consumer's position (the firehose's seq, Jetstream's time_us) in the `cursors` family.
// A message that produced events is written, synced, in one batch with the position after it, so a
// restart resumes exactly there. Positions of messages that produced nothing are written every
// kWriteEvery such messages and by flush() (on stop): after a crash those few messages are read
// again and produce nothing again.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "bridge/base/result.h"
#include "storage/store.h"

namespace causeway::atproto {

class StreamCursor {
 public:
  // Reads the stored position; a damaged one is logged and ignored (the stream starts live).
  StreamCursor(Store& store, std::string key);

  const std::string& key() const { return key_; }
  // nullopt: none yet (live). Safe to read from any thread.
  std::optional<std::int64_t> get() const;

  // Moves the position without writing it (e.g. back to 0 after FutureCursor).
  void reset(std::int64_t position) { position_ = position; }

  // Moves to `position` after a message: writes `batch` with it now when the message produced
  // events, or when kWriteEvery messages went by since the last write. The position does not move
  // when the write fails, so a reconnect reads the message again.
  Status advance(WriteBatch& batch, std::int64_t position, bool produced_events);

  // Writes a position that advance() has not written yet.
  Status flush();

 private:
  static constexpr int kWriteEvery = 256;
  Store& store_;
  std::string key_;
  std::atomic<std::int64_t> position_{-1};  // -1: none
  int unwritten_ = 0;  // messages advanced over since the position was last written
};

}  // namespace causeway::atproto
