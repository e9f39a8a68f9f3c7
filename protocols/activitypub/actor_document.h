// The JSON-LD documents causeway serves for its own actors and their collections. Only well-known
// @context URLs are used: peers do not fetch unknown contexts.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/activitypub/local_actors.h"

namespace causeway::activitypub {

nlohmann::json actor_document(const LocalActors& actors, const LocalActor& actor, const std::string& public_key_pem);

// An OrderedCollection of `items` (ids, newest first) served in pages of `page_size`: page 0 is
// the collection itself (totalItems, first, last); pages 1.. hold the items.
nlohmann::json ordered_collection(const std::string& collection_id, const std::vector<std::string>& items, int page,
                                  int page_size = 50);

nlohmann::json default_context();

}  // namespace causeway::activitypub
