// The wall clock as every module takes it: a function returning microseconds since the Unix
// epoch, passed in so tests can drive time. now_us is the real one.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <ctime>
#include <string>

namespace causeway {

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-22T05:05:16Z": UTC to the second, as AS2 `published` and logs show times.
inline std::string iso8601_utc(std::int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Microseconds since the epoch of an ISO 8601 / RFC 3339 time as AS2 `published` and Bluesky's
// `createdAt` carry it ("2026-11-22T05:05:16Z", "2026-11-22T05:05:16.706+01:00"); fractions to
// the microsecond, a numeric offset or Z. 0 when `text` is not one. The one parser of both sides.
inline std::int64_t parse_iso8601_us(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return 0;
  std::int64_t micros = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits)
      if (digits < 6) micros = micros * 10 + (*rest - '0');
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::int64_t offset = 0;
  if (*rest == '+' || *rest == '-') {
    int h = 0, m = 0;
    // "+05:30", and the "+0530" ISO 8601 allows too.
    if (std::sscanf(rest + 1, "%2d:%2d", &h, &m) == 2 || std::sscanf(rest + 1, "%2d%2d", &h, &m) == 2)
      offset = (h * 3600 + m * 60) * (*rest == '+' ? 1 : -1);
  }
  return (static_cast<std::int64_t>(timegm(&tm)) - offset) * 1'000'000 + micros;
}

}  // namespace causeway
