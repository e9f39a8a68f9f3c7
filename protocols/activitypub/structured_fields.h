// The part of RFC 8941 Structured Field Values that RFC 9421 signatures and RFC 9530 digests use:
// dictionaries whose members are items or inner lists, with parameters; bare items of type integer,
// string, token, byte sequence and boolean. Decimals, and RFC 9651's dates and display strings, are
// refused rather than half-parsed. Parsing is strict and bounded: it fails with a message on
// anything outside the grammar and never reads past its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/base/result.h"

namespace causeway::activitypub::sf {

// Upper bounds a parse enforces, so that a hostile field costs little to reject.
inline constexpr std::size_t kMaxFieldSize = 16 * 1024;
inline constexpr std::size_t kMaxMembers = 64;
inline constexpr std::size_t kMaxInnerListItems = 64;
inline constexpr std::size_t kMaxParameters = 32;

struct BareItem {
  enum class Type { integer, string, token, byte_sequence, boolean };

  Type type = Type::boolean;
  std::int64_t integer = 0;  // integer
  std::string text;          // string, token, or the decoded bytes of a byte sequence
  bool boolean = true;       // boolean

  static BareItem of_integer(std::int64_t value) { return {Type::integer, value, {}, false}; }
  static BareItem of_string(std::string value) { return {Type::string, 0, std::move(value), false}; }
  static BareItem of_token(std::string value) { return {Type::token, 0, std::move(value), false}; }
  static BareItem of_bytes(std::string value) { return {Type::byte_sequence, 0, std::move(value), false}; }
  static BareItem of_boolean(bool value) { return {Type::boolean, 0, {}, value}; }

  bool operator==(const BareItem&) const = default;
};

struct Parameter {
  std::string key;
  BareItem value;

  bool operator==(const Parameter&) const = default;
};
using Parameters = std::vector<Parameter>;

struct Item {
  BareItem value;
  Parameters params;

  bool operator==(const Item&) const = default;
};

struct InnerList {
  std::vector<Item> items;
  Parameters params;
};

struct DictionaryMember {
  std::string key;
  bool is_inner_list = false;
  Item item;             // when !is_inner_list
  InnerList inner_list;  // when is_inner_list
};
// Members in field order. Unlike RFC 8941, which lets a repeated key overwrite the earlier one, a
// repeated key is an error: a signature whose meaning depends on which copy wins is refused.
using Dictionary = std::vector<DictionaryMember>;

Result<Dictionary> parse_dictionary(std::string_view field);

// The parameter `key`, or nullptr.
const BareItem* find_parameter(const Parameters& params, std::string_view key);

// RFC 8941 section 4.1 serializations, as RFC 9421 signature bases need them byte for byte.
std::string serialize(const BareItem& item);
std::string serialize(const Parameters& params);
std::string serialize(const Item& item);
std::string serialize(const InnerList& list);

}  // namespace causeway::activitypub::sf
