// What an ActivityPub object (a Note, Article, Question ...) says, read into the canonical Event:
// its text and facets (from the HTML and its Mention/Hashtag tags), reply target, content warning,
// languages (contentMap), sensitivity, attachments, and its type. Used for objects that came from
// their own server: embedded in their author's Create/Update, or fetched from their origin.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "bridge/event.h"

namespace causeway::activitypub {

void read_object(const nlohmann::json& object, Event& event);

// Who an object says made it: `attributedTo` as an id, an object, or a list (PeerTube and
// Mobilizon name the person and the channel: the Person wins, else the first that is no Group).
std::optional<std::string> author_of(const nlohmann::json& object);

// The visibility of an object or activity from its addressing.
Visibility visibility_of(const nlohmann::json& object);

}  // namespace causeway::activitypub
