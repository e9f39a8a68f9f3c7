// Timestamp identifiers (https://atproto.com/specs/tid): 64-bit values written as 13 base32-sortable
// characters, used as record keys and repository revisions. Layout: top bit 0, 53 bits of
// microseconds since the Unix epoch, 10 bits of clock id. String order equals numeric order.
#pragma once

#include <atomic>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bridge/base/result.h"

namespace causeway::atproto {

// Whether `text` has TID syntax (the same check as validate_tid in syntax.h).
bool is_valid_tid(std::string_view text);

struct Tid {
  std::uint64_t value = 0;

  // Accepts what validate_tid accepts, except a first character of c-j: those set the top bit,
  // which the layout reserves as 0, so they have no timestamp and clock id to read.
  static Result<Tid> parse(std::string_view text);

  std::string to_string() const;
  std::int64_t micros() const { return static_cast<std::int64_t>(value >> 10); }
  unsigned clock_id() const { return static_cast<unsigned>(value & 0x3FF); }

  friend auto operator<=>(const Tid&, const Tid&) = default;
};

// Issues TIDs for one writer. next() is strictly increasing per generator, even when the clock
// stands still or goes backwards (it then counts on from the last TID, one microsecond at a time).
// Thread-safe: concurrent next() calls never return the same TID.
class TidGenerator {
 public:
  using Clock = std::function<std::int64_t()>;  // microseconds since the Unix epoch

  // `clock_id` is 0-1023; only its low 10 bits are used. `clock` must be callable from any thread
  // that calls next().
  TidGenerator(unsigned clock_id, Clock clock);

  Tid next();

 private:
  const std::uint64_t clock_id_;
  const Clock clock_;
  std::atomic<std::int64_t> last_micros_{-1};
};

}  // namespace causeway::atproto
