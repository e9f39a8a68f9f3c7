// Facets for plain text (AS2 `mediaType: text/plain`, Misskey's source), found the way Bluesky's
// own clients detect them (atproto's rich-text detection: bare URLs and domains, #hashtags,
// @mentions), so a plain-text post reads the same on Bluesky as one typed there. Pure and
// thread-safe; never fails.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/event.h"

namespace causeway::activitypub {

// The target of a written mention ("alice", "alice@host.example", "handle.bsky.social", without
// the '@'), or "" to leave it plain text: only the caller knows who a name stands for.
using MentionLookup = std::function<std::string(std::string_view written)>;

// Link, hashtag and (resolved) mention facets over `text`, ordered by start, not overlapping.
// Links: "https://..." or a scheme-less domain with a plausible TLD ("example.com/x" targets
// "https://example.com/x"), trailing punctuation and an unbalanced ')' left out. Hashtags: '#' or
// '＃' after a space or the start, not all digits or punctuation, at most 64 UTF-16 units after
// trailing punctuation is dropped; the target is the tag without its '#'. Mentions: '@' after a
// space, '(' or the start, then a name and optionally "@host".
std::vector<Facet> plain_text_facets(std::string_view text, const MentionLookup& mention = nullptr);

}  // namespace causeway::activitypub
