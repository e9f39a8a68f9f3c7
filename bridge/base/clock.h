// The wall clock as every module takes it: a function returning microseconds since the Unix
// epoch, passed in so tests can drive time. now_us is the real one.
#pragma once

#include <chrono>
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

}  // namespace causeway
