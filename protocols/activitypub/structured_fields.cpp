#include "protocols/activitypub/structured_fields.h"

#include "bridge/base/base64.h"
#include "protocols/activitypub/http_request_view.h"

namespace causeway::activitypub::sf {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }

bool is_base64_char(char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '='; }

// A cursor over the field; every read checks the end first.
class Parser {
 public:
  explicit Parser(std::string_view input) : in_(input) {}

  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return at_end() ? '\0' : in_[pos_]; }

  void skip_sp() {
    while (!at_end() && in_[pos_] == ' ') ++pos_;
  }
  void skip_ows() {
    while (!at_end() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }

  Error fail(const std::string& what) const { return make_error(what + " at offset " + std::to_string(pos_)); }

  Result<std::string> key() {
    if (at_end() || !(is_lcalpha(peek()) || peek() == '*')) return fail("expected a key (lowercase letter or '*')");
    std::size_t start = pos_;
    while (!at_end() &&
           (is_lcalpha(peek()) || is_digit(peek()) || std::string_view("_-.*").find(peek()) != std::string_view::npos))
      ++pos_;
    return std::string(in_.substr(start, pos_ - start));
  }

  Result<BareItem> bare_item() {
    char c = peek();
    if (c == '-' || is_digit(c)) return integer();
    if (c == '"') return string();
    if (is_alpha(c) || c == '*') return token();
    if (c == ':') return byte_sequence();
    if (c == '?') return boolean();
    if (at_end()) return fail("expected a value, found the end of the field");
    std::string shown = c >= 0x20 && c <= 0x7e ? "'" + std::string(1, c) + "'" : "byte " + std::to_string(c & 0xff);
    return fail("unexpected " + shown + " where a value should start");
  }

  Result<Parameters> parameters() {
    Parameters params;
    while (peek() == ';') {
      ++pos_;
      skip_sp();
      auto k = key();
      if (!k) return std::move(k).take_error();
      BareItem value = BareItem::of_boolean(true);
      if (peek() == '=') {
        ++pos_;
        auto v = bare_item();
        if (!v) return std::move(v).take_error();
        value = std::move(*v);
      }
      if (find_parameter(params, *k)) return fail("parameter \"" + *k + "\" repeated");
      if (params.size() == kMaxParameters) return fail("more than " + std::to_string(kMaxParameters) + " parameters");
      params.push_back({std::move(*k), std::move(value)});
    }
    return params;
  }

  Result<Item> item() {
    auto v = bare_item();
    if (!v) return std::move(v).take_error();
    auto p = parameters();
    if (!p) return std::move(p).take_error();
    return Item{std::move(*v), std::move(*p)};
  }

  Result<InnerList> inner_list() {
    ++pos_;  // '('
    InnerList list;
    while (true) {
      skip_sp();
      if (at_end()) return fail("inner list not closed");
      if (peek() == ')') {
        ++pos_;
        auto p = parameters();
        if (!p) return std::move(p).take_error();
        list.params = std::move(*p);
        return list;
      }
      if (list.items.size() == kMaxInnerListItems)
        return fail("more than " + std::to_string(kMaxInnerListItems) + " items in an inner list");
      auto i = item();
      if (!i) return std::move(i).take_error();
      list.items.push_back(std::move(*i));
      if (peek() != ' ' && peek() != ')') return fail("expected ' ' or ')' after an inner list item");
    }
  }

  Result<Dictionary> dictionary() {
    skip_ows();
    Dictionary dict;
    while (!at_end()) {
      auto k = key();
      if (!k) return std::move(k).take_error();
      for (const auto& m : dict)
        if (m.key == *k) return fail("dictionary key \"" + *k + "\" repeated");
      if (dict.size() == kMaxMembers) return fail("more than " + std::to_string(kMaxMembers) + " dictionary members");
      DictionaryMember member;
      member.key = std::move(*k);
      if (peek() == '=') {
        ++pos_;
        if (peek() == '(') {
          auto list = inner_list();
          if (!list) return std::move(list).take_error();
          member.is_inner_list = true;
          member.inner_list = std::move(*list);
        } else {
          auto i = item();
          if (!i) return std::move(i).take_error();
          member.item = std::move(*i);
        }
      } else {
        auto params = parameters();
        if (!params) return std::move(params).take_error();
        member.item = Item{BareItem::of_boolean(true), std::move(*params)};
      }
      dict.push_back(std::move(member));
      skip_ows();
      if (at_end()) break;
      if (peek() != ',') return fail("expected ',' between dictionary members");
      ++pos_;
      skip_ows();
      if (at_end()) return fail("trailing ',' after the last dictionary member");
    }
    return dict;
  }

 private:
  Result<BareItem> integer() {
    bool negative = peek() == '-';
    if (negative) ++pos_;
    std::int64_t value = 0;
    std::size_t digits = 0;
    while (!at_end() && is_digit(peek())) {
      if (++digits > 15) return fail("integer longer than 15 digits");
      value = value * 10 + (peek() - '0');
      ++pos_;
    }
    if (digits == 0) return fail("expected a digit");
    if (peek() == '.') return fail("decimal values are not supported");
    return BareItem::of_integer(negative ? -value : value);
  }

  Result<BareItem> string() {
    ++pos_;  // '"'
    std::string out;
    while (!at_end()) {
      char c = in_[pos_++];
      if (c == '"') return BareItem::of_string(std::move(out));
      if (c == '\\') {
        if (at_end() || (peek() != '"' && peek() != '\\')) return fail("a string may escape only '\"' and '\\'");
        out += in_[pos_++];
      } else if (c < 0x20 || c > 0x7e) {
        return fail("control or non-ASCII character in a string");
      } else {
        out += c;
      }
    }
    return fail("string not closed");
  }

  Result<BareItem> token() {
    std::size_t start = pos_;
    while (!at_end() && (is_tchar(peek()) || peek() == ':' || peek() == '/')) ++pos_;
    return BareItem::of_token(std::string(in_.substr(start, pos_ - start)));
  }

  Result<BareItem> byte_sequence() {
    std::size_t start = ++pos_;  // past ':'
    while (!at_end() && is_base64_char(peek())) ++pos_;
    if (peek() != ':') return fail("byte sequence not closed by ':' or holds a non-base64 character");
    auto bytes = base64_decode(in_.substr(start, pos_ - start));
    ++pos_;
    if (!bytes) return fail("byte sequence is not valid base64");
    return BareItem::of_bytes(std::move(*bytes));
  }

  Result<BareItem> boolean() {
    ++pos_;  // '?'
    char c = peek();
    if (c != '0' && c != '1') return fail("a boolean is ?0 or ?1");
    ++pos_;
    return BareItem::of_boolean(c == '1');
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Dictionary> parse_dictionary(std::string_view field) {
  if (field.size() > kMaxFieldSize)
    return make_error("structured field of " + std::to_string(field.size()) + " bytes exceeds " +
                      std::to_string(kMaxFieldSize));
  return Parser(field).dictionary();
}

const BareItem* find_parameter(const Parameters& params, std::string_view key) {
  for (const auto& p : params)
    if (p.key == key) return &p.value;
  return nullptr;
}

std::string serialize(const BareItem& item) {
  switch (item.type) {
    case BareItem::Type::integer: return std::to_string(item.integer);
    case BareItem::Type::string: {
      std::string out = "\"";
      for (char c : item.text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + '"';
    }
    case BareItem::Type::token: return item.text;
    case BareItem::Type::byte_sequence: return ':' + base64_encode(item.text, true) + ':';
    case BareItem::Type::boolean: return item.boolean ? "?1" : "?0";
  }
  return {};
}

std::string serialize(const Parameters& params) {
  std::string out;
  for (const auto& p : params) {
    out += ';' + p.key;
    if (!(p.value.type == BareItem::Type::boolean && p.value.boolean)) out += '=' + serialize(p.value);
  }
  return out;
}

std::string serialize(const Item& item) { return serialize(item.value) + serialize(item.params); }

std::string serialize(const InnerList& list) {
  std::string out = "(";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ' ';
    out += serialize(list.items[i]);
  }
  return out + ')' + serialize(list.params);
}

}  // namespace causeway::activitypub::sf
