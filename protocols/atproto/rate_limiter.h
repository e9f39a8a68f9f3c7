// Keeps one account within its PDS's rate limits: what the server announces in `RateLimit-*` and
// `Retry-After` headers, and a client-side ledger of write points that stays under Bluesky's hosted
// limits (bsky docs rate-limits.md: 5,000 points per hour, 35,000 per day; create 3, update 2,
// delete 1), so the bridge waits instead of being refused. Times are microseconds since the Unix
// epoch from the caller's clock; nothing here sleeps. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocols/net/http_client.h"

namespace causeway::atproto {

inline constexpr int kCreatePoints = 3;
inline constexpr int kUpdatePoints = 2;
inline constexpr int kDeletePoints = 1;

// The `RateLimit-*` headers of one response (absent ones unset). The PDS reports the tightest
// limit that applies to the method called.
struct RateLimitHeaders {
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> remaining;
  std::optional<std::int64_t> reset_epoch_s;
  std::string policy;  // "<n>;w=<secs>", verbatim

  bool empty() const { return !limit && !remaining && !reset_epoch_s && policy.empty(); }
};

RateLimitHeaders parse_rate_limit_headers(const HttpResponse& response);

// How long `Retry-After` asks to wait, in microseconds from `now_us` (0 for a date in the past):
// delta-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime form). nullopt when unreadable.
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_us);

struct WriteBudgetLimits {
  int points_per_hour = 5000;
  int points_per_day = 35000;
};

class RateLimiter {
 public:
  explicit RateLimiter(WriteBudgetLimits limits = {}) : limits_(limits) {}

  struct Reservation {
    bool reserved = false;
    std::int64_t at_us = 0;  // when the points may be spent (>= now)
  };

  // Books `points` at the earliest time, no earlier than `now_us` nor than any earlier booking,
  // at which no hour and no day holds more than the limits. Nothing is booked when that time is
  // after `latest_us`; the time is returned all the same.
  Reservation reserve(int points, std::int64_t now_us, std::int64_t latest_us);

  // Remembers what the server said about `nsid`: when no points remain, the next call of that
  // method waits for the window to reset.
  void observe(const std::string& nsid, const RateLimitHeaders& headers, std::int64_t now_us);
  // Holds calls of `nsid` until `until_us` (after a 429).
  void block(const std::string& nsid, std::int64_t until_us);
  // When the next call of `nsid` may go out; at or before `now_us` means at once.
  std::int64_t next_allowed(const std::string& nsid, std::int64_t now_us) const;

 private:
  std::int64_t earliest_in_window(std::int64_t window_us, int limit, int points, std::int64_t t) const;

  WriteBudgetLimits limits_;
  mutable std::mutex mu_;
  std::deque<std::pair<std::int64_t, int>> spent_;  // (time, points), in time order, the last day
  std::map<std::string, std::int64_t, std::less<>> blocked_until_;
};

}  // namespace causeway::atproto
