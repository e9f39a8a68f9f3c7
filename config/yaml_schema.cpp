#include "config/yaml_schema.h"

#include <algorithm>
#include <tuple>

namespace causeway {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string join(std::initializer_list<const char*> items) {
  std::string out;
  for (const char* item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// yaml-cpp gives empty values no position; fall back to the key's.
YAML::Mark mark_of(const YAML::Node& value, const YAML::Node& key) {
  YAML::Mark m = value.Mark();
  return m.is_null() ? key.Mark() : m;
}

}  // namespace

std::string describe_node(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return quoted(node.Scalar());
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

void SchemaReader::error(const YAML::Mark& mark, const std::string& path, const std::string& message) {
  int line = mark.is_null() ? 1 : mark.line + 1;
  int column = mark.is_null() ? 1 : mark.column + 1;
  errors_.push_back({line, column,
                     file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         (path.empty() ? "" : path + ": ") + message});
}

std::vector<std::string> SchemaReader::errors() const {
  std::vector<Positioned> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Positioned& a, const Positioned& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::vector<std::string> out;
  for (auto& e : sorted) out.push_back(std::move(e.text));
  return out;
}

std::optional<MapView> SchemaReader::map(const Located& at, std::initializer_list<const char*> known) {
  MapView view(this, at);
  if (!at.node.IsDefined() || at.node.IsNull()) return view;
  if (!at.node.IsMap()) {
    error(at.mark, at.path, "expected a map, got " + describe_node(at.node));
    return std::nullopt;
  }
  std::vector<std::string> known_keys(known.begin(), known.end());
  std::vector<std::string> seen;
  for (auto it = at.node.begin(); it != at.node.end(); ++it) {
    // Copies: yaml-cpp's iterator yields a temporary pair, so references into it would dangle.
    YAML::Node key = it->first;
    YAML::Node value = it->second;
    if (!key.IsScalar()) {
      error(key.Mark(), at.path, "keys must be plain names, got " + describe_node(key));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string path = view.child_path(name);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      error(key.Mark(), path, "duplicate key (it is already set above)");
      continue;
    }
    seen.push_back(name);
    if (std::find(known_keys.begin(), known_keys.end(), name) == known_keys.end()) {
      std::string hint = closest_match(name, known_keys);
      error(key.Mark(), path,
            "unknown key" + (hint.empty() ? "; known keys here: " + join(known) : " (did you mean " + quoted(hint) + "?)"));
      continue;
    }
    view.pairs_.emplace_back(key, value);
  }
  return view;
}

std::optional<Located> MapView::field(const std::string& key) const {
  for (const auto& [k, v] : pairs_) {
    if (k.Scalar() != key) continue;
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    return Located{v, mark_of(v, k), child_path(key)};
  }
  return std::nullopt;
}

std::optional<std::string> MapView::string(const std::string& key, bool required) const {
  auto f = field(key);
  if (!f) {
    if (required) reader_->error(at_.mark, child_path(key), "required key is missing");
    return std::nullopt;
  }
  if (!f->node.IsScalar()) {
    reader_->error(f->mark, f->path, "expected a string, got " + describe_node(f->node));
    return std::nullopt;
  }
  return f->node.Scalar();
}

std::optional<bool> MapView::boolean(const std::string& key) const {
  auto f = field(key);
  if (!f) return std::nullopt;
  if (f->node.IsScalar() && f->node.Tag() == "?") {
    if (f->node.Scalar() == "true") return true;
    if (f->node.Scalar() == "false") return false;
  }
  reader_->error(f->mark, f->path, "expected true or false, got " + describe_node(f->node));
  return std::nullopt;
}

std::optional<std::int64_t> MapView::integer(const std::string& key, std::int64_t min, std::int64_t max) const {
  auto f = field(key);
  if (!f) return std::nullopt;
  const std::string text = f->node.IsScalar() ? f->node.Scalar() : "";
  bool digits = !text.empty() && text.size() <= 18 &&
                std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(), [](unsigned char c) { return std::isdigit(c); }) &&
                text != "-" && f->node.Tag() == "?";
  if (!digits) {
    reader_->error(f->mark, f->path, "expected a whole number, got " + describe_node(f->node));
    return std::nullopt;
  }
  std::int64_t v = std::stoll(text);
  if (v < min || v > max) {
    reader_->error(f->mark, f->path,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text);
    return std::nullopt;
  }
  return v;
}

namespace {

std::string describe_duration(std::int64_t seconds) {
  for (auto [unit, size] : {std::pair{'d', 86400}, std::pair{'h', 3600}, std::pair{'m', 60}})
    if (seconds % size == 0) return std::to_string(seconds / size) + unit;
  return std::to_string(seconds) + "s";
}

}  // namespace

std::optional<std::int64_t> MapView::duration(const std::string& key, std::int64_t min_seconds,
                                               std::int64_t max_seconds) const {
  auto f = field(key);
  if (!f) return std::nullopt;
  const std::string text = f->node.IsScalar() ? f->node.Scalar() : "";
  std::int64_t unit = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
    }
  }
  std::string number = unit ? text.substr(0, text.size() - 1) : "";
  bool digits = !number.empty() && number.size() <= 9 &&
                std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits) {
    reader_->error(f->mark, f->path,
                   "expected a duration like 30m, 36h or 7d (a whole number and s, m, h or d), got " +
                       describe_node(f->node));
    return std::nullopt;
  }
  std::int64_t seconds = std::stoll(number) * unit;
  if (seconds < min_seconds || seconds > max_seconds) {
    reader_->error(f->mark, f->path,
                   "must be between " + describe_duration(min_seconds) + " and " + describe_duration(max_seconds) +
                       ", got " + text);
    return std::nullopt;
  }
  return seconds;
}

std::optional<std::string> MapView::choice(const std::string& key, std::initializer_list<const char*> choices) const {
  auto value = string(key, false);
  if (!value) return std::nullopt;
  std::vector<std::string> options(choices.begin(), choices.end());
  if (std::find(options.begin(), options.end(), *value) != options.end()) return value;
  std::string hint = closest_match(*value, options);
  reader_->error(field(key)->mark, child_path(key),
                 "must be one of " + join(choices) + ", got " + quoted(*value) +
                     (hint.empty() ? "" : " (did you mean " + quoted(hint) + "?)"));
  return std::nullopt;
}

std::optional<MapView> MapView::map(const std::string& key, std::initializer_list<const char*> known,
                                    bool required) const {
  auto f = field(key);
  if (!f) {
    if (required) {
      reader_->error(at_.mark, child_path(key), "required key is missing");
      return std::nullopt;
    }
    return reader_->map(Located{YAML::Node(), at_.mark, child_path(key)}, known);
  }
  return reader_->map(*f, known);
}

std::vector<Located> MapView::list(const std::string& key) const {
  auto f = field(key);
  if (!f) return {};
  if (!f->node.IsSequence()) {
    reader_->error(f->mark, f->path, "expected a list, got " + describe_node(f->node));
    return {};
  }
  std::vector<Located> out;
  for (size_t i = 0; i < f->node.size(); ++i) {
    YAML::Node item = f->node[i];
    YAML::Mark m = item.Mark().is_null() ? f->mark : item.Mark();
    out.push_back(Located{item, m, f->path + "[" + std::to_string(i) + "]"});
  }
  return out;
}

}  // namespace causeway
