#include "bridge/daemon/json_text.h"

#include <cstdio>

namespace causeway {
namespace {

using nlohmann::json;

// The length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7: no overlongs, no
// surrogates, nothing over U+10FFFF), or 0.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  auto at = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  unsigned c = at(i);
  auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(k) >= lo && at(k) <= hi; };
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (c == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

class PrettyWriter {
 public:
  explicit PrettyWriter(std::string& out) : out_(out) {}

  // False when nlohmann should write the whole document instead: a string that is not UTF-8 (it
  // says so, in its own words), or a value a preview never holds.
  bool write(const json& v, std::size_t depth) {
    switch (v.type()) {
      case json::value_t::object: {
        const auto& members = v.get_ref<const json::object_t&>();
        if (members.empty()) {
          out_ += "{}";
          return true;
        }
        out_ += "{\n";
        bool first = true;
        for (const auto& [key, value] : members) {
          if (!first) out_ += ",\n";
          first = false;
          indent(depth + 1);
          if (!string(key)) return false;
          out_ += ": ";
          if (!write(value, depth + 1)) return false;
        }
        out_ += '\n';
        indent(depth);
        out_ += '}';
        return true;
      }
      case json::value_t::array: {
        const auto& items = v.get_ref<const json::array_t&>();
        if (items.empty()) {
          out_ += "[]";
          return true;
        }
        out_ += "[\n";
        bool first = true;
        for (const auto& item : items) {
          if (!first) out_ += ",\n";
          first = false;
          indent(depth + 1);
          if (!write(item, depth + 1)) return false;
        }
        out_ += '\n';
        indent(depth);
        out_ += ']';
        return true;
      }
      case json::value_t::string: return string(v.get_ref<const std::string&>());
      case json::value_t::boolean: out_ += v.get<bool>() ? "true" : "false"; return true;
      case json::value_t::null: out_ += "null"; return true;
      case json::value_t::number_integer: out_ += std::to_string(v.get<std::int64_t>()); return true;
      case json::value_t::number_unsigned: out_ += std::to_string(v.get<std::uint64_t>()); return true;
      case json::value_t::number_float: out_ += v.dump(); return true;  // one token, indents aside
      default: return false;  // binary, discarded: never in a preview
    }
  }

 private:
  void indent(std::size_t depth) { out_.append(2 * depth, ' '); }

  bool string(const std::string& s) {
    out_ += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size();) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0) return false;
        i += n;
        continue;
      }
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      out_.append(s, run, i - run);
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out_ += buf;
        }
      }
      run = ++i;
    }
    out_.append(s, run, std::string::npos);
    out_ += '"';
    return true;
  }

  std::string& out_;
};

}  // namespace

std::string pretty_json(const json& value) {
  std::string out;
  if (!PrettyWriter(out).write(value, 0)) return value.dump(2);
  return out;
}

}  // namespace causeway
