#include "protocols/atproto/mst.h"

#include <algorithm>
#include <set>

#include "protocols/atproto/dag_cbor.h"

namespace causeway::atproto {
namespace {

struct Item {
  const std::string* key;
  const Cid* value;
  int height;
};

using Items = std::vector<Item>;

struct Builder {
  std::vector<std::pair<Cid, std::string>> nodes;
  // When set, collects the nodes whose key range covers one of these keys.
  const std::vector<std::string>* proof_keys = nullptr;
  std::vector<Cid> proof;

  // Builds the node for `items` at `layer` and returns its CID. `low`/`high` bound the keys the
  // node covers, for proof collection (empty = unbounded).
  Cid node(const Items& items, size_t begin, size_t end, int layer, const std::string& low, const std::string& high) {
    Array entries;
    std::optional<Cid> left;
    std::string previous_key;
    size_t run_start = begin;
    std::string run_low = low;
    for (size_t i = begin; i < end; ++i) {
      if (items[i].height != layer) continue;
      std::optional<Cid> subtree = child(items, run_start, i, layer, run_low, *items[i].key);
      if (entries.empty()) left = subtree;
      else attach_subtree(entries, subtree);
      const std::string& key = *items[i].key;
      size_t prefix = common_prefix_length(previous_key, key);
      entries.emplace_back(Value(Map{{"k", Value(Bytes{key.substr(prefix)})},
                                     {"p", Value(static_cast<std::int64_t>(prefix))},
                                     {"t", Value(nullptr)},
                                     {"v", Value(*items[i].value)}}));
      previous_key = key;
      run_start = i + 1;
      run_low = key;
    }
    std::optional<Cid> tail = child(items, run_start, end, layer, run_low, high);
    if (entries.empty()) left = tail;
    else attach_subtree(entries, tail);

    Value node(Map{{"e", Value(std::move(entries))}, {"l", left ? Value(*left) : Value(nullptr)}});
    std::string bytes = encode_dag_cbor(node);
    Cid cid = Cid::compute(kCodecDagCbor, bytes);
    if (proof_keys && covers(low, high)) proof.push_back(cid);
    nodes.emplace_back(cid, std::move(bytes));
    return cid;
  }

  // The subtree for items[begin, end) one layer down; nullopt when there are none.
  std::optional<Cid> child(const Items& items, size_t begin, size_t end, int layer, const std::string& low,
                           const std::string& high) {
    if (begin == end || layer == 0) return std::nullopt;
    return node(items, begin, end, layer - 1, low, high);
  }

  static void attach_subtree(Array& entries, const std::optional<Cid>& subtree) {
    if (!subtree) return;
    Map& last = entries.back().as_map();
    for (auto& [k, v] : last)
      if (k == "t") v = Value(*subtree);
  }

  bool covers(const std::string& low, const std::string& high) const {
    return std::any_of(proof_keys->begin(), proof_keys->end(), [&](const std::string& k) {
      return (low.empty() || k >= low) && (high.empty() || k <= high);
    });
  }
};

struct Loader {
  const Mst::BlockLookup& lookup;
  std::map<std::string, Cid> entries;
  std::set<std::string> visited;  // guards against cycles in hostile input
  int depth = 0;

  Status walk(const Cid& cid, std::optional<int> expected_layer, std::string& last_key) {
    if (++depth > 128) return make_error("MST is nested deeper than 128 levels");
    if (!visited.insert(cid.to_bytes()).second) return make_error("MST node " + cid.to_string() + " appears twice");
    auto block = lookup(cid);
    if (!block) return make_error("MST node " + cid.to_string() + " is missing");
    auto node = decode_dag_cbor(*block);
    if (!node) return make_error("MST node " + cid.to_string() + ": " + node.error());
    const Value* left = node->find("l");
    const Value* list = node->find("e");
    if (!node->is_map() || !left || !list || !list->is_array())
      return make_error("MST node " + cid.to_string() + " is not {l, e}");
    std::optional<int> layer = expected_layer;
    // The first entry has no prefix, so its key (and the node's layer) is known before descending.
    if (!layer && !list->as_array().empty())
      if (const Value* k = list->as_array()[0].find("k"); k && k->is_bytes()) layer = mst_key_height(k->as_bytes());
    if (left->is_link()) {
      if (Status s = walk(left->as_link(), layer ? std::optional<int>(*layer - 1) : std::nullopt, last_key); !s.ok())
        return s;
    } else if (!left->is_null()) {
      return make_error("MST node " + cid.to_string() + ": l must be a link or null");
    }
    std::string previous;
    for (const auto& entry : list->as_array()) {
      const std::int64_t* p = entry.find_integer("p");
      const Value* k = entry.find("k");
      const Cid* v = entry.find_link("v");
      const Value* t = entry.find("t");
      if (!p || !k || !k->is_bytes() || !v || !t) return make_error("MST node " + cid.to_string() + " has a malformed entry");
      if (*p < 0 || static_cast<size_t>(*p) > previous.size())
        return make_error("MST node " + cid.to_string() + ": prefix length out of range");
      std::string key = previous.substr(0, static_cast<size_t>(*p)) + k->as_bytes();
      if (!last_key.empty() && key <= last_key)
        return make_error("MST node " + cid.to_string() + ": keys out of order at \"" + key + "\"");
      int height = mst_key_height(key);
      if (!layer) layer = height;
      if (height != *layer)
        return make_error("MST node " + cid.to_string() + ": key \"" + key + "\" has height " + std::to_string(height) +
                          " in a node of layer " + std::to_string(*layer));
      entries.emplace(key, *v);
      last_key = key;
      previous = key;
      if (t->is_link()) {
        if (Status s = walk(t->as_link(), *layer - 1, last_key); !s.ok()) return s;
      } else if (!t->is_null()) {
        return make_error("MST node " + cid.to_string() + ": t must be a link or null");
      }
    }
    --depth;
    return {};
  }
};

Items items_of(const std::map<std::string, Cid>& entries) {
  Items items;
  items.reserve(entries.size());
  for (const auto& [key, value] : entries) items.push_back({&key, &value, mst_key_height(key)});
  return items;
}

int top_layer(const Items& items) {
  int top = 0;
  for (const auto& item : items) top = std::max(top, item.height);
  return top;
}

}  // namespace

int mst_key_height(std::string_view key) {
  std::uint8_t digest[32];
  sha256(key, digest);
  int zeros = 0;
  for (unsigned char byte : digest) {
    if (byte == 0) {
      zeros += 8;
      continue;
    }
    zeros += __builtin_clz(static_cast<unsigned>(byte)) - 24;
    break;
  }
  return zeros / 2;
}

size_t common_prefix_length(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

Result<std::optional<Cid>> mst_lookup(const Cid& root, std::string_view key,
                                      const std::function<std::optional<std::string_view>(const Cid&)>& lookup) {
  Cid cid = root;
  for (int depth = 0; depth < 128; ++depth) {
    auto block = lookup(cid);
    if (!block) return make_error("MST node " + cid.to_string() + " is missing");
    auto node = decode_dag_cbor(*block);
    if (!node) return make_error("MST node " + cid.to_string() + ": " + node.error());
    const Value* left = node->find("l");
    const Value* list = node->find("e");
    if (!node->is_map() || !left || !list || !list->is_array())
      return make_error("MST node " + cid.to_string() + " is not {l, e}");
    // The subtree holding keys below the first entry greater than `key`.
    const Value* next = left;
    std::string previous;
    for (const auto& entry : list->as_array()) {
      const std::int64_t* p = entry.find_integer("p");
      const Value* k = entry.find("k");
      const Cid* v = entry.find_link("v");
      const Value* t = entry.find("t");
      if (!p || !k || !k->is_bytes() || !v || !t || *p < 0 || static_cast<size_t>(*p) > previous.size())
        return make_error("MST node " + cid.to_string() + " has a malformed entry");
      std::string entry_key = previous.substr(0, static_cast<size_t>(*p)) + k->as_bytes();
      if (entry_key == key) return std::optional<Cid>(*v);
      if (entry_key > key) break;
      next = t;
      previous = std::move(entry_key);
    }
    if (next->is_null()) return std::optional<Cid>();
    if (!next->is_link()) return make_error("MST node " + cid.to_string() + ": a subtree is not a link or null");
    cid = next->as_link();
  }
  return make_error("MST is nested deeper than 128 levels");
}

Result<Mst> Mst::load(const Cid& root, const BlockLookup& lookup) {
  Loader loader{lookup, {}, {}, 0};
  std::string last_key;
  if (Status s = loader.walk(root, std::nullopt, last_key); !s.ok()) return Error{s.error()};
  return Mst(std::move(loader.entries));
}

Mst::Built Mst::build() const {
  Items items = items_of(entries_);
  Builder builder;
  Cid root = builder.node(items, 0, items.size(), top_layer(items), "", "");
  std::reverse(builder.nodes.begin(), builder.nodes.end());
  return {root, std::move(builder.nodes)};
}

std::vector<Cid> Mst::proof_nodes(const std::vector<std::string>& keys) const {
  Items items = items_of(entries_);
  Builder builder;
  builder.proof_keys = &keys;
  builder.node(items, 0, items.size(), top_layer(items), "", "");
  return builder.proof;
}

std::vector<MstChange> Mst::diff_from(const Mst& before) const {
  std::vector<MstChange> changes;
  auto a = before.entries_.begin(), b = entries_.begin();
  while (a != before.entries_.end() || b != entries_.end()) {
    if (b == entries_.end() || (a != before.entries_.end() && a->first < b->first)) {
      changes.push_back({a->first, a->second, std::nullopt});
      ++a;
    } else if (a == before.entries_.end() || b->first < a->first) {
      changes.push_back({b->first, std::nullopt, b->second});
      ++b;
    } else {
      if (!(a->second == b->second)) changes.push_back({a->first, a->second, b->second});
      ++a;
      ++b;
    }
  }
  return changes;
}

}  // namespace causeway::atproto
