// The object's Mention and Hashtag tags that its HTML did not anchor (Misskey, Pleroma and plain
// text name them in `tag` and write them as plain text): each gets a facet where its text appears,
// and hashtags that appear nowhere are kept for the record-level tags. Pure and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "bridge/rich_text.h"
#include "protocols/activitypub/html_text.h"

namespace causeway::activitypub {

inline constexpr std::size_t kMaxUnplacedTags = 32;

// Adds to `rt` a mention facet (target: the tag's href) over the first free occurrence of the
// mention's name as written ("@alice@host.example", else "@alice"), and a hashtag facet over
// "#name" (any case), for tags no facet covers yet. Occurrences must stand as words and not
// overlap another facet. Returns the hashtags (without '#', deduplicated, at most
// kMaxUnplacedTags) that found no place.
std::vector<std::string> place_unanchored_tags(RichText& rt, const std::vector<As2Tag>& tags);

}  // namespace causeway::activitypub
