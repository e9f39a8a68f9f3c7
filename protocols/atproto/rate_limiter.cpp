#include "protocols/atproto/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace causeway::atproto {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kHour = 3600 * kSecond;
constexpr std::int64_t kDay = 24 * kHour;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  text = trim(text);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> header_integer(const HttpResponse& response, const char* name) {
  std::string value = response.header(name);
  if (value.empty()) return std::nullopt;
  return parse_integer(value);
}

}  // namespace

RateLimitHeaders parse_rate_limit_headers(const HttpResponse& response) {
  RateLimitHeaders h;
  h.limit = header_integer(response, "ratelimit-limit");
  h.remaining = header_integer(response, "ratelimit-remaining");
  h.reset_epoch_s = header_integer(response, "ratelimit-reset");
  h.policy = response.header("ratelimit-policy");
  return h;
}

std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_us) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (auto seconds = parse_integer(value)) return *seconds < 0 ? std::nullopt : std::optional(*seconds * kSecond);
  std::string text(value);
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    std::int64_t at_us = static_cast<std::int64_t>(::timegm(&tm)) * kSecond;
    return std::max<std::int64_t>(0, at_us - now_us);
  }
  return std::nullopt;
}

std::int64_t RateLimiter::earliest_in_window(std::int64_t window_us, int limit, int points, std::int64_t t) const {
  // Every booking is at or before `t`, so of all windows holding `t` the one ending at `t` is the
  // fullest; move `t` past the oldest bookings in it until the new points fit.
  auto first = std::upper_bound(spent_.begin(), spent_.end(), t - window_us,
                                [](std::int64_t time, const auto& entry) { return time < entry.first; });
  std::int64_t sum = 0;
  for (auto it = first; it != spent_.end(); ++it) sum += it->second;
  for (auto it = first; sum + points > limit && it != spent_.end(); ++it) {
    t = it->first + window_us;
    sum -= it->second;
  }
  return t;
}

RateLimiter::Reservation RateLimiter::reserve(int points, std::int64_t now_us, std::int64_t latest_us) {
  std::lock_guard lock(mu_);
  while (!spent_.empty() && spent_.front().first <= now_us - kDay) spent_.pop_front();
  std::int64_t t = spent_.empty() ? now_us : std::max(now_us, spent_.back().first);
  for (;;) {
    std::int64_t after_hour = earliest_in_window(kHour, limits_.points_per_hour, points, t);
    std::int64_t after_day = earliest_in_window(kDay, limits_.points_per_day, points, after_hour);
    if (after_day == after_hour) {
      t = after_hour;
      break;
    }
    t = after_day;
  }
  if (t > latest_us) return {false, t};
  spent_.emplace_back(t, points);
  return {true, t};
}

void RateLimiter::observe(const std::string& nsid, const RateLimitHeaders& headers, std::int64_t now_us) {
  if (!headers.remaining) return;
  std::lock_guard lock(mu_);
  if (*headers.remaining > 0 || !headers.reset_epoch_s) {
    blocked_until_.erase(nsid);
    return;
  }
  // The PDS rounds the reset time down to the second: one more second makes sure it has passed.
  blocked_until_[nsid] = std::max(now_us, (*headers.reset_epoch_s + 1) * kSecond);
}

void RateLimiter::block(const std::string& nsid, std::int64_t until_us) {
  std::lock_guard lock(mu_);
  blocked_until_[nsid] = until_us;
}

std::int64_t RateLimiter::next_allowed(const std::string& nsid, std::int64_t now_us) const {
  std::lock_guard lock(mu_);
  auto it = blocked_until_.find(nsid);
  return it == blocked_until_.end() ? now_us : std::max(now_us, it->second);
}

}  // namespace causeway::atproto
