// The wall clock as every module takes it: a function returning microseconds since the Unix
// epoch, passed in so tests can drive time. now_us is the real one.
#pragma once

#include <chrono>
#include <cstdint>

namespace causeway {

inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace causeway
