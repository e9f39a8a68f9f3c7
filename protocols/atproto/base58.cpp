#include "protocols/atproto/base58.h"

#include <array>
#include <cstdint>
#include <vector>

namespace causeway::atproto {

namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::array<std::int8_t, 256> make_digit_table() {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}

constexpr auto kDigitOf = make_digit_table();

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xf];
}

}  // namespace

std::string base58_encode(std::string_view bytes) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == '\0') ++zeros;

  // Little-endian base-58 digits of the big-endian number after the leading zeros.
  std::vector<std::uint8_t> digits;
  digits.reserve((bytes.size() - zeros) * 138 / 100 + 1);  // log(256) / log(58) < 1.38
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = static_cast<unsigned char>(bytes[i]);
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<std::uint8_t>(carry % 58));
      carry /= 58;
    }
  }

  std::string out(zeros, '1');
  out.reserve(zeros + digits.size());
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

Result<std::string> base58_decode(std::string_view text) {
  if (text.size() > kBase58MaxTextLength)
    return make_error("base58 text is " + std::to_string(text.size()) + " characters, more than the " +
                      std::to_string(kBase58MaxTextLength) + " allowed");

  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;

  // Little-endian base-256 bytes of the number after the leading '1's.
  std::vector<std::uint8_t> bytes;
  bytes.reserve((text.size() - ones) * 733 / 1000 + 1);  // log(58) / log(256) < 0.733
  for (std::size_t i = ones; i < text.size(); ++i) {
    int digit = kDigitOf[static_cast<unsigned char>(text[i])];
    if (digit < 0)
      return make_error("invalid base58 character " + describe_char(text[i]) + " at offset " + std::to_string(i));
    unsigned carry = static_cast<unsigned>(digit);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * 58;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }

  std::string out(ones, '\0');
  out.reserve(ones + bytes.size());
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) out.push_back(static_cast<char>(*it));
  return out;
}

}  // namespace causeway::atproto
