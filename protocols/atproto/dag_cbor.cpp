#include "protocols/atproto/dag_cbor.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "bridge/base/base64.h"

namespace causeway::atproto {
namespace {

// Raised inside the decoder only; decode_* turn it into an Error.
struct Malformed {
  size_t offset;
  std::string reason;
};

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(const unsigned char* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += len;
  }
  return true;
}

class Decoder {
 public:
  Decoder(std::string_view bytes, const DecodeLimits& limits)
      : begin_(reinterpret_cast<const unsigned char*>(bytes.data())), p_(begin_), end_(begin_ + bytes.size()),
        limits_(limits) {}

  Value read(int depth) {
    if (depth > limits_.max_depth) fail("nesting deeper than " + std::to_string(limits_.max_depth));
    size_t head_offset = offset();
    unsigned char initial = byte();
    int major = initial >> 5;
    int info = initial & 31;
    if (major == 7) return read_simple(info, head_offset);
    std::uint64_t arg = argument(info, head_offset);
    switch (major) {
      case 0:
        if (arg > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          fail_at(head_offset, "integer is beyond the signed 64-bit range");
        return Value(static_cast<std::int64_t>(arg));
      case 1:
        if (arg > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
          fail_at(head_offset, "negative integer is beyond the signed 64-bit range");
        return Value(-1 - static_cast<std::int64_t>(arg));
      case 2:
        return Value(Bytes{std::string(take(arg, "byte string"))});
      case 3:
        return Value(read_text(arg, head_offset));
      case 4: {
        if (arg > remaining()) fail_at(head_offset, "array length " + std::to_string(arg) + " exceeds the input");
        count_items(arg, head_offset);
        Array items;
        items.reserve(arg);
        for (std::uint64_t i = 0; i < arg; ++i) items.push_back(read(depth + 1));
        return Value(std::move(items));
      }
      case 5:
        return read_map(arg, depth, head_offset);
      case 6:
        return read_link(arg, head_offset);
    }
    fail_at(head_offset, "unknown major type");
  }

  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

  [[noreturn]] void fail(const std::string& reason) const { throw Malformed{offset(), reason}; }
  [[noreturn]] void fail_at(size_t at, const std::string& reason) const { throw Malformed{at, reason}; }

 private:
  unsigned char byte() {
    if (p_ >= end_) fail("unexpected end of input");
    return *p_++;
  }

  std::string_view take(std::uint64_t n, const char* what) {
    if (n > remaining())
      fail(std::string(what) + " length " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
           " bytes left");
    std::string_view out(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return out;
  }

  std::uint64_t argument(int info, size_t head_offset) {
    if (info < 24) return static_cast<std::uint64_t>(info);
    if (info == 31) fail_at(head_offset, "indefinite-length items are not allowed");
    if (info > 27) fail_at(head_offset, "reserved additional information " + std::to_string(info));
    int n = 1 << (info - 24);
    if (remaining() < static_cast<size_t>(n)) fail("unexpected end of input");
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | *p_++;
    static constexpr std::uint64_t kMinimum[] = {24, 0x100, 0x10000, 0x100000000ULL};
    if (v < kMinimum[info - 24]) fail_at(head_offset, "integer or length is not in its shortest form");
    return v;
  }

  void count_items(std::uint64_t n, size_t head_offset) {
    items_ += n;
    if (items_ > limits_.max_items)
      fail_at(head_offset, "more than " + std::to_string(limits_.max_items) + " items in one object");
  }

  std::string read_text(std::uint64_t length, size_t head_offset) {
    std::string_view s = take(length, "text string");
    if (!valid_utf8(reinterpret_cast<const unsigned char*>(s.data()), s.size()))
      fail_at(head_offset, "text string is not valid UTF-8");
    return std::string(s);
  }

  Value read_map(std::uint64_t entries, int depth, size_t head_offset) {
    if (entries > remaining() / 2) fail_at(head_offset, "map size " + std::to_string(entries) + " exceeds the input");
    count_items(entries, head_offset);
    Map map;
    map.reserve(entries);
    for (std::uint64_t i = 0; i < entries; ++i) {
      size_t key_offset = offset();
      unsigned char initial = byte();
      if ((initial >> 5) != 3) fail_at(key_offset, "map keys must be text strings");
      std::string key = read_text(argument(initial & 31, key_offset), key_offset);
      if (!map.empty()) {
        const std::string& previous = map.back().first;
        if (key == previous) fail_at(key_offset, "duplicate map key \"" + key + "\"");
        if (!dag_cbor_key_less(previous, key))
          fail_at(key_offset, "map keys are not in canonical order (\"" + previous + "\" before \"" + key + "\")");
      }
      Value value = read(depth + 1);
      map.emplace_back(std::move(key), std::move(value));
    }
    return Value(Value::CanonicalMap{std::move(map)});
  }

  Value read_link(std::uint64_t tag, size_t head_offset) {
    if (tag != 42) fail_at(head_offset, "tag " + std::to_string(tag) + " is not allowed (only 42, a CID link)");
    size_t content_offset = offset();
    unsigned char initial = byte();
    if ((initial >> 5) != 2) fail_at(content_offset, "tag 42 must wrap a byte string");
    std::string_view raw = take(argument(initial & 31, content_offset), "CID link");
    if (raw.empty() || raw[0] != '\0') fail_at(content_offset, "CID link lacks the 0x00 multibase prefix");
    size_t used = 0;
    auto cid = Cid::from_bytes(raw.substr(1), &used);
    if (!cid) fail_at(content_offset, "CID link: " + cid.error());
    if (used != raw.size() - 1) fail_at(content_offset, "CID link has trailing bytes");
    return Value(*cid);
  }

  Value read_simple(int info, size_t head_offset) {
    switch (info) {
      case 20: return Value(false);
      case 21: return Value(true);
      case 22: return Value(nullptr);
      case 23: fail_at(head_offset, "undefined is not allowed");
      case 25: case 26: case 27: fail_at(head_offset, "floats are not allowed");
      case 31: fail_at(head_offset, "indefinite-length break outside an item");
      default: fail_at(head_offset, "simple value " + std::to_string(info) + " is not allowed");
    }
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
  DecodeLimits limits_;
  std::uint64_t items_ = 0;
};

void write_head(std::string& out, int major, std::uint64_t arg) {
  auto m = static_cast<unsigned char>(major << 5);
  if (arg < 24) {
    out.push_back(static_cast<char>(m | arg));
    return;
  }
  int n = arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffffULL ? 4 : 8;
  out.push_back(static_cast<char>(m | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27)));
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((arg >> (8 * i)) & 0xff));
}

void encode_into(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null: out.push_back(static_cast<char>(0xf6)); return;
    case Value::Kind::boolean: out.push_back(static_cast<char>(v.as_bool() ? 0xf5 : 0xf4)); return;
    case Value::Kind::integer: {
      std::int64_t i = v.as_integer();
      if (i >= 0) write_head(out, 0, static_cast<std::uint64_t>(i));
      else write_head(out, 1, static_cast<std::uint64_t>(-1 - i));
      return;
    }
    case Value::Kind::string: write_head(out, 3, v.as_string().size()); out += v.as_string(); return;
    case Value::Kind::bytes: write_head(out, 2, v.as_bytes().size()); out += v.as_bytes(); return;
    case Value::Kind::link: {
      std::string cid = v.as_link().to_bytes();
      write_head(out, 6, 42);
      write_head(out, 2, cid.size() + 1);
      out.push_back('\0');
      out += cid;
      return;
    }
    case Value::Kind::array:
      write_head(out, 4, v.as_array().size());
      for (const auto& item : v.as_array()) encode_into(out, item);
      return;
    case Value::Kind::map:
      write_head(out, 5, v.as_map().size());
      for (const auto& [key, item] : v.as_map()) {
        write_head(out, 3, key.size());
        out += key;
        encode_into(out, item);
      }
      return;
  }
}

Result<Value> decode(std::string_view bytes, size_t* consumed, const DecodeLimits& limits) {
  Decoder decoder(bytes, limits);
  try {
    Value v = decoder.read(0);
    if (consumed) *consumed = decoder.offset();
    else if (decoder.remaining() != 0)
      return make_error("DAG-CBOR: " + std::to_string(decoder.remaining()) + " trailing bytes after the object at offset " +
                        std::to_string(decoder.offset()));
    return v;
  } catch (const Malformed& m) {
    return make_error("DAG-CBOR at byte " + std::to_string(m.offset) + ": " + m.reason);
  }
}

struct JsonFailure {
  std::string reason;
};

Value json_to_value(const nlohmann::json& j, int depth, const std::string& path) {
  using nlohmann::json;
  if (depth > 64) throw JsonFailure{path + ": nested too deeply"};
  switch (j.type()) {
    case json::value_t::null: return Value(nullptr);
    case json::value_t::boolean: return Value(j.get<bool>());
    case json::value_t::number_integer: return Value(j.get<std::int64_t>());
    case json::value_t::number_unsigned: {
      auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw JsonFailure{path + ": integer is beyond the signed 64-bit range"};
      return Value(static_cast<std::int64_t>(u));
    }
    case json::value_t::number_float: {
      double d = j.get<double>();
      if (std::floor(d) != d || std::fabs(d) > 9007199254740991.0) throw JsonFailure{path + ": floats are not allowed"};
      return Value(static_cast<std::int64_t>(d));
    }
    case json::value_t::string: return Value(j.get<std::string>());
    case json::value_t::array: {
      Array items;
      for (size_t i = 0; i < j.size(); ++i) items.push_back(json_to_value(j[i], depth + 1, path + "[" + std::to_string(i) + "]"));
      return Value(std::move(items));
    }
    case json::value_t::object: {
      if (auto link = j.find("$link"); link != j.end()) {
        if (j.size() != 1) throw JsonFailure{path + ": a $link object may hold nothing else"};
        if (!link->is_string()) throw JsonFailure{path + ".$link: must be a CID string"};
        auto cid = Cid::parse(link->get<std::string>());
        if (!cid) throw JsonFailure{path + ".$link: " + cid.error()};
        return Value(*cid);
      }
      if (auto bytes = j.find("$bytes"); bytes != j.end()) {
        if (j.size() != 1) throw JsonFailure{path + ": a $bytes object may hold nothing else"};
        if (!bytes->is_string()) throw JsonFailure{path + ".$bytes: must be a base64 string"};
        auto decoded = base64_decode(bytes->get<std::string>());
        if (!decoded) throw JsonFailure{path + ".$bytes: " + decoded.error()};
        return Value(Bytes{std::move(*decoded)});
      }
      if (auto type = j.find("$type"); type != j.end()) {
        if (!type->is_string() || type->get<std::string>().empty())
          throw JsonFailure{path + ".$type: must be a non-empty string"};
        if (type->get<std::string>() == "blob") {
          auto ref = j.find("ref");
          auto mime = j.find("mimeType");
          auto size = j.find("size");
          if (ref == j.end() || mime == j.end() || size == j.end())
            throw JsonFailure{path + ": a blob needs ref, mimeType and size"};
          if (!ref->is_object() || !ref->contains("$link")) throw JsonFailure{path + ".ref: must be a $link"};
          if (!mime->is_string()) throw JsonFailure{path + ".mimeType: must be a string"};
          if (!size->is_number_integer()) throw JsonFailure{path + ".size: must be an integer"};
        }
      }
      Map map;
      for (auto it = j.begin(); it != j.end(); ++it)
        map.emplace_back(it.key(), json_to_value(it.value(), depth + 1, path + "." + it.key()));
      return Value(std::move(map));
    }
    default: throw JsonFailure{path + ": unsupported JSON value"};
  }
}

}  // namespace

Value::Value(Map m) {
  auto less = [](const auto& a, const auto& b) { return dag_cbor_key_less(a.first, b.first); };
  std::stable_sort(m.begin(), m.end(), less);
  // Keep the last of equal keys, as a later assignment would.
  Map unique;
  unique.reserve(m.size());
  for (auto& entry : m) {
    if (!unique.empty() && unique.back().first == entry.first) unique.back() = std::move(entry);
    else unique.push_back(std::move(entry));
  }
  v_ = std::move(unique);
}

const Value* Value::find(std::string_view key) const {
  if (!is_map()) return nullptr;
  for (const auto& [k, v] : as_map())
    if (k == key) return &v;
  return nullptr;
}

const std::string* Value::find_string(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

const Cid* Value::find_link(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_link() ? &v->as_link() : nullptr;
}

const std::int64_t* Value::find_integer(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_integer() ? &std::get<std::int64_t>(v->v_) : nullptr;
}

bool dag_cbor_key_less(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

Result<Value> decode_dag_cbor(std::string_view bytes, const DecodeLimits& limits) {
  return decode(bytes, nullptr, limits);
}

Result<Value> decode_dag_cbor_prefix(std::string_view bytes, size_t* consumed, const DecodeLimits& limits) {
  size_t used = 0;
  auto v = decode(bytes, &used, limits);
  if (v.ok()) *consumed = used;
  return v;
}

std::string encode_dag_cbor(const Value& value) {
  std::string out;
  encode_into(out, value);
  return out;
}

nlohmann::json to_atproto_json(const Value& v) {
  using nlohmann::json;
  switch (v.kind()) {
    case Value::Kind::null: return nullptr;
    case Value::Kind::boolean: return v.as_bool();
    case Value::Kind::integer: return v.as_integer();
    case Value::Kind::string: return v.as_string();
    case Value::Kind::bytes: return json{{"$bytes", base64_encode(v.as_bytes(), false)}};
    case Value::Kind::link: return json{{"$link", v.as_link().to_string()}};
    case Value::Kind::array: {
      json out = json::array();
      for (const auto& item : v.as_array()) out.push_back(to_atproto_json(item));
      return out;
    }
    case Value::Kind::map: {
      json out = json::object();
      for (const auto& [k, item] : v.as_map()) out[k] = to_atproto_json(item);
      return out;
    }
  }
  return nullptr;
}

Result<Value> from_atproto_json(const nlohmann::json& json) {
  if (!json.is_object()) return make_error("atproto data must be an object at the top level");
  try {
    return json_to_value(json, 0, "$");
  } catch (const JsonFailure& f) {
    return make_error(f.reason);
  }
}

}  // namespace causeway::atproto
