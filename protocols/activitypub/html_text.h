// Post bodies between ActivityPub's HTML `content` and the bridge's RichText (text + byte-range
// facets). Remote HTML is parsed with gumbo (the HTML5 algorithm, so any input yields a tree) and
// read the way a browser shows it; HTML we send is built from escaped text plus the markup Mastodon
// itself renders for links, mentions and hashtags. All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/rich_text.h"

namespace causeway::activitypub {

// A Mention or Hashtag entry of an object's AS2 `tag`: {type: "Mention", href: <actor id>,
// name: "@user@host"} or {type: "Hashtag", href: <tag page>, name: "#tag"}.
struct As2Tag {
  std::string type;
  std::string href;
  std::string name;

  bool operator==(const As2Tag&) const = default;
};

// The Mention and Hashtag entries of `note["tag"]` (an object or an array). Entries of other types,
// without href and name, or with an href or name over kMaxTagField bytes (no real account or tag is
// that long, and html_to_text repeats the name for every anchor) are skipped. Only the first kMaxTags
// entries are looked at: every tag may be searched for in the text, and no post names more.
inline constexpr std::size_t kMaxTagField = 2048;
inline constexpr std::size_t kMaxTags = 256;
std::vector<As2Tag> tags_of(const nlohmann::json& note);

inline constexpr std::size_t kMaxHtmlInput = 256 * 1024;

// The text a reader sees in `html`, with facets:
// - <p> blocks are separated by "\n\n", <br> is "\n" (runs of them leave at most one blank line,
//   as Bluesky clients show text), other blocks (div, li, blockquote, h1-h6, pre, ...) start on
//   their own line; whitespace collapses as in a browser except inside <pre>, whose text is kept
//   verbatim; the result is trimmed; script, style, template and similar are dropped.
// - List items start with "• ", or "1. ", "2. " ... in an <ol> (from its `start`); every line
//   of a blockquote starts with "> " per level (up to four).
// - An <img> is its alt text when it is a custom emoji (alt ":shortcode:", or class "emoji"), as
//   the author typed it; other images say nothing inline.
// - A mention anchor (class "mention" without "hashtag", or matching a Mention tag by href or by
//   user and host) keeps the text the author wrote ("@alice" stays "@alice"; an anchor whose text
//   is not an "@name" shows the tag's "@user@host"), with a mention facet whose target is the
//   tag's href (the actor id), else the anchor's href. Mastodon links the profile page, not the
//   actor id, hence the second way.
// - A hashtag anchor (class "hashtag", rel "tag", or "#name" matching a Hashtag tag) becomes
//   "#name" with a hashtag facet whose target is "name".
// - Any other anchor with an http(s) href is a link facet over its text (over its URL when it has
//   no text); Mastodon's shortened links come out whole because their hidden parts are text too.
//   Other anchors are plain text.
// Input over `max_input` bytes is cut there (at a UTF-8 boundary), and then before the first start
// tag past the default HtmlParseBudget (html_parse_budget.h: shapes that would make parsing slow);
// the prefix is converted, as a reader of a cut page would see it. Nothing fails, malformed HTML
// included.
RichText html_to_text(std::string_view html, const std::vector<As2Tag>& tags, std::size_t max_input = kMaxHtmlInput);

// How a mentioned actor (a DID or AP actor id) is linked: its (bridged) actor URL and its handle,
// with or without the leading '@'. An empty href leaves the mention as plain text.
struct MentionLink {
  std::string href;
  std::string text;
};
using MentionResolver = std::function<MentionLink(const std::string& target)>;

// Appends `s` escaped, safe both as element content and inside a double- or single-quoted
// attribute value.
void escape_into(std::string& out, std::string_view s);

// HTML for `rt`: the text escaped, "\n\n" (or more) separating <p> paragraphs, "\n" as <br>, and
// facets wrapped the way Mastodon renders them: links as <a rel="nofollow noopener">, mentions as
// an h-card with class "u-url mention", hashtags as <a rel="tag" class="mention hashtag"> to
// tag_base + the percent-encoded tag. Facets that are not well formed (well_formed_facets), that
// span a line break, or whose href would not be an http(s) URL stay plain text. `rt.text` is
// expected to be valid UTF-8, as Bluesky records are.
std::string text_to_html(const RichText& rt, const MentionResolver& mention, std::string_view tag_base);

}  // namespace causeway::activitypub
