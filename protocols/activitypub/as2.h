// Parsing ActivityStreams 2.0 JSON from remote servers: bounded (size and nesting), tolerant of
// what real servers add (LD signatures, FEP-8b32 proofs, extension fields), strict about what the
// inbox relies on (id, type, actor, object, addressing).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/base/result.h"

namespace causeway::activitypub {

inline constexpr const char* kPublic = "https://www.w3.org/ns/activitystreams#Public";
inline constexpr const char* kActivityJson = "application/activity+json";
// Whether an address is the public collection, in any of the forms servers write it: the full IRI
// (https or http), or JSON-LD's compacted "as:Public" (Fedify) and "Public". The one rule for every
// place that reads addressing.
bool is_public_address(std::string_view id);

struct As2Limits {
  std::size_t max_bytes = 1 << 20;
  int max_depth = 32;
};

// Parses a JSON object, rejecting bodies over the limits and nesting deeper than max_depth before
// building anything.
Result<nlohmann::json> parse_as2(std::string_view body, const As2Limits& limits = {});

// A string member of a remote object; "" when absent, null or of another type (never throws).
std::string string_member(const nlohmann::json& object, const char* key);

// The id of a value that is either a string or an object with an "id" (AS2 allows both).
std::optional<std::string> id_of(const nlohmann::json& value);
// All ids in a property that may be a string, an object or a list of them ("to", "cc", "tag" ...).
std::vector<std::string> ids_of(const nlohmann::json& object, const char* property);

// The parts of an activity the inbox needs, checked to be present and well formed.
struct ActivityView {
  std::string id;
  std::string type;
  std::string actor;
  std::optional<std::string> object_id;
  const nlohmann::json* object = nullptr;  // the embedded object when there is one
  std::vector<std::string> to, cc, audience;

  bool addressed_to(const std::string& id) const;
  bool is_public() const;  // addressed to the Public collection in to or cc
};

Result<ActivityView> view_activity(const nlohmann::json& activity);

// Whether a Content-Type (or Accept) value names ActivityPub JSON.
bool is_activity_json_type(std::string_view content_type);

}  // namespace causeway::activitypub
