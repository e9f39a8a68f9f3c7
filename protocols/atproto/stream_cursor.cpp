#include "protocols/atproto/stream_cursor.h"

#include <spdlog/spdlog.h>

namespace causeway::atproto {

StreamCursor::StreamCursor(Store& store, std::string key) : store_(store), key_(std::move(key)) {
  auto stored = store_.get(Family::cursors, key_);
  if (!stored.ok() || !stored->has_value()) return;
  try {
    position_ = std::stoll(**stored);
  } catch (...) {
    spdlog::warn("cursor {}: stored value \"{}\" is damaged; starting live", key_, **stored);
  }
}

std::optional<std::int64_t> StreamCursor::get() const {
  std::int64_t p = position_;
  return p < 0 ? std::nullopt : std::optional(p);
}

Status StreamCursor::advance(WriteBatch& batch, std::int64_t position, bool produced_events) {
  if (!produced_events && unwritten_ + 1 < kWriteEvery) {
    ++unwritten_;
    position_ = position;
    return {};
  }
  batch.put(Family::cursors, key_, std::to_string(position));
  Status written = store_.write(batch, produced_events ? Durability::synced : Durability::buffered);
  if (!written.ok()) return written;
  position_ = position;
  unwritten_ = 0;
  return {};
}

Status StreamCursor::flush() {
  if (position_ < 0 || unwritten_ == 0) return {};
  Status s = store_.put(Family::cursors, key_, std::to_string(position_.load()));
  if (s.ok()) unwritten_ = 0;
  return s;
}

}  // namespace causeway::atproto
