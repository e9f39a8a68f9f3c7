// The one spelling of a hashtag's link: the tag page under `tag_base` with the tag percent-encoded
// as UTF-8 (tags may be any Unicode). The anchor in a Note's HTML and its `Hashtag` tag both use
// it, so a receiver that matches the two by href (Mastodon does) finds them equal. Pure.
#pragma once

#include <string>
#include <string_view>

#include "bridge/base/url.h"

namespace causeway::activitypub {

// Where Bluesky shows a hashtag's posts: the tag page bridged hashtags link to.
inline constexpr std::string_view kBlueskyHashtagBase = "https://bsky.app/hashtag/";

inline std::string hashtag_href(std::string_view tag_base, std::string_view tag) {
  return std::string(tag_base) + percent_encode(tag);
}

}  // namespace causeway::activitypub
