// A small schema checker over yaml-cpp nodes. yaml-cpp itself reports positions only for syntax
// errors; this keeps the key path and position of every value so each schema error can say
// "FILE:LINE:COL: key.path: message".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace causeway {

class SchemaReader;

// A YAML value with where it was found.
struct Located {
  YAML::Node node;
  YAML::Mark mark;   // of the value, or of its key when the value is empty
  std::string path;  // e.g. "bridges[0].bluesky.handle"
};

// One map node being read. Unknown and duplicate keys are reported when the view is made.
class MapView {
 public:
  const std::string& path() const { return at_.path; }
  const YAML::Mark& mark() const { return at_.mark; }
  bool has(const std::string& key) const { return field(key).has_value(); }

  // Present and non-empty value of `key`.
  std::optional<Located> field(const std::string& key) const;

  // A scalar read as a string. Missing and required: reported, nullopt.
  std::optional<std::string> string(const std::string& key, bool required) const;
  std::optional<bool> boolean(const std::string& key) const;
  // A whole number in [min, max].
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max) const;
  // A duration written as a whole number and a unit: "90s", "30m", "36h", "7d"; in seconds, within
  // [min_seconds, max_seconds] (messages show the bounds in the largest whole unit).
  std::optional<std::int64_t> duration(const std::string& key, std::int64_t min_seconds, std::int64_t max_seconds) const;
  // One of `choices`; anything else is reported with the list and a "did you mean" when close.
  std::optional<std::string> choice(const std::string& key, std::initializer_list<const char*> choices) const;
  // A nested map with its own known keys; nullopt when absent (reported if required) or not a map.
  std::optional<MapView> map(const std::string& key, std::initializer_list<const char*> known, bool required) const;
  // A list; empty when absent. Elements carry "key[i]" paths.
  std::vector<Located> list(const std::string& key) const;

  std::string child_path(const std::string& key) const { return at_.path.empty() ? key : at_.path + "." + key; }

 private:
  friend class SchemaReader;
  MapView(SchemaReader* reader, Located at) : reader_(reader), at_(std::move(at)) {}
  SchemaReader* reader_;
  Located at_;
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs_;  // key, value; first occurrence only
};

class SchemaReader {
 public:
  explicit SchemaReader(std::string file_label) : file_(std::move(file_label)) {}

  // Reads `at` as a map whose keys must be among `known`. A null value is an empty map.
  std::optional<MapView> map(const Located& at, std::initializer_list<const char*> known);

  void error(const YAML::Mark& mark, const std::string& path, const std::string& message);
  size_t error_count() const { return errors_.size(); }
  // Every error so far, in order of position in the file.
  std::vector<std::string> errors() const;

 private:
  struct Positioned {
    int line, column;
    std::string text;
  };
  std::string file_;
  std::vector<Positioned> errors_;
};

// What kind of YAML value a node is, for messages: "a map", "a list", "a string", "empty".
std::string describe_node(const YAML::Node& node);

// The closest of `candidates` to `word` when it is plausibly a typo, else empty.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace causeway
