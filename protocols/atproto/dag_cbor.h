// Strict DAG-CBOR as the atproto data model defines it, and its JSON form.
//
// The decoder accepts only canonical input: shortest-form integers and lengths, definite lengths,
// string map keys in length-then-bytewise order without duplicates, no floats, no tag but 42 (a CID
// link with the 0x00 prefix), valid UTF-8, bounded nesting, nothing after the value. Everything
// else is an error naming the byte offset and the rule broken. The encoder writes the canonical
// form, so encode(decode(x)) == x for every accepted x.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bridge/base/result.h"
#include "protocols/atproto/cid.h"

namespace causeway::atproto {

class Value;
using Array = std::vector<Value>;
using Map = std::vector<std::pair<std::string, Value>>;  // kept in canonical key order

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

class Value {
 public:
  enum class Kind { null, boolean, integer, string, bytes, link, array, map };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(std::int64_t i) : v_(i) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Cid c) : v_(c) {}
  Value(Array a) : v_(std::move(a)) {}
  // Sorts the keys into canonical order; duplicate keys are the caller's bug (the last one wins).
  Value(Map m);
  // For maps already in canonical order without duplicates (the decoder's), skipping the sort.
  struct CanonicalMap {
    Map entries;
  };
  Value(CanonicalMap m) : v_(std::move(m.entries)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::null; }
  bool is_map() const { return kind() == Kind::map; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_integer() const { return kind() == Kind::integer; }
  bool is_bytes() const { return kind() == Kind::bytes; }
  bool is_link() const { return kind() == Kind::link; }
  bool is_bool() const { return kind() == Kind::boolean; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_integer() const { return std::get<std::int64_t>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const std::string& as_bytes() const { return std::get<Bytes>(v_).data; }
  const Cid& as_link() const { return std::get<Cid>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  Map& as_map() { return std::get<Map>(v_); }
  std::string& as_bytes() { return std::get<Bytes>(v_).data; }

  // For maps: the value of `key`, or nullptr when absent (or when this is not a map).
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key) { return const_cast<Value*>(std::as_const(*this).find(key)); }
  // Typed lookups that return nullptr when absent or of another kind.
  const std::string* find_string(std::string_view key) const;
  const Cid* find_link(std::string_view key) const;
  const std::int64_t* find_integer(std::string_view key) const;

  bool operator==(const Value& other) const { return v_ == other.v_; }

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, std::string, Bytes, Cid, Array, Map> v_;
};

struct DecodeLimits {
  int max_depth = 64;
  size_t max_items = 1 << 20;  // total array elements and map entries in one object
};

// Decodes exactly one object filling all of `bytes`.
Result<Value> decode_dag_cbor(std::string_view bytes, const DecodeLimits& limits = {});
// Decodes one object at the start of `bytes` and reports how many bytes it used (firehose frames
// are two objects back to back).
Result<Value> decode_dag_cbor_prefix(std::string_view bytes, size_t* consumed, const DecodeLimits& limits = {});

std::string encode_dag_cbor(const Value& value);

// Canonical map key order: shorter keys first, then bytewise.
bool dag_cbor_key_less(std::string_view a, std::string_view b);

// The atproto JSON form: links as {"$link": cid}, bytes as {"$bytes": base64 without padding}.
nlohmann::json to_atproto_json(const Value& value);
// The reverse, with the data model's rules: no floats (except integral ones), `$type` non-empty
// string when present, well-formed `$link`/`$bytes` objects and blobs.
Result<Value> from_atproto_json(const nlohmann::json& json);

}  // namespace causeway::atproto
