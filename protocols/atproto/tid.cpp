#include "protocols/atproto/tid.h"

#include <algorithm>
#include <utility>

#include "protocols/atproto/syntax.h"

namespace causeway::atproto {
namespace {

constexpr std::string_view kAlphabet = "234567abcdefghijklmnopqrstuvwxyz";
constexpr size_t kLength = 13;

// Only called on characters validate_tid accepted: '2'-'7' or 'a'-'z'.
std::uint64_t digit_value(char c) { return c <= '7' ? c - '2' : c - 'a' + 6; }

}  // namespace

bool is_valid_tid(std::string_view text) { return validate_tid(text).ok(); }

Result<Tid> Tid::parse(std::string_view text) {
  Status syntax = validate_tid(text);
  if (!syntax) return make_error(syntax.error());
  if (text[0] > 'b')
    return make_error("TID \"" + std::string(text) + "\": first character '" + text[0] +
                      "' sets the top bit, which TIDs keep at 0 (the first character is 2-7, a or b)");
  Tid tid;
  for (char c : text) tid.value = (tid.value << 5) | digit_value(c);
  return tid;
}

std::string Tid::to_string() const {
  std::string out(kLength, '2');
  std::uint64_t rest = value;
  for (size_t i = kLength; i-- > 0; rest >>= 5) out[i] = kAlphabet[rest & 0x1F];
  return out;
}

TidGenerator::TidGenerator(unsigned clock_id, Clock clock) : clock_id_(clock_id & 0x3FF), clock_(std::move(clock)) {}

Tid TidGenerator::next() {
  std::int64_t now = clock_();
  std::int64_t last = last_micros_.load();
  std::int64_t micros;
  // last_micros_ starts at -1, so the first TID is never before the epoch either.
  do {
    micros = std::max(now, last + 1);
  } while (!last_micros_.compare_exchange_weak(last, micros));
  return Tid{(static_cast<std::uint64_t>(micros) << 10) | clock_id_};
}

}  // namespace causeway::atproto
