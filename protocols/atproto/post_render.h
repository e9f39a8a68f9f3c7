// Event -> the app.bsky.feed.post records a bridge's mirror account writes for it: attribution line,
// title, content warning and excerpt, the text with its facets, the link to the original, splitting
// into a numbered thread or truncating, self-labels from the configured table, the embed (images,
// quoted post, link card) and the date. Pure: no network, store or clock; what it would need from
// them (who the author is, which DID a mentioned actor is, which Bluesky copy a quoted post has)
// comes in as data or as lookups in `PostContext`, so `causeway convert` runs exactly what the
// writer runs. Thread-safe as long as the lookups are.
//
// Images are chosen here (at most 4, only images, only those that may fit Bluesky's 1 MB) but
// uploaded by the writer, which fills `PostFields::images` of the first part from `images`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridge/base/result.h"
#include "bridge/event.h"
#include "protocols/atproto/post_record.h"
#include "protocols/atproto/post_text.h"

namespace causeway::atproto {

// One row of the content-warning -> self-label table: the label is given when any of the words
// appears in the content warning as a whole word, or as one of the post's hashtags. Words are
// compared case-insensitively; "18+" is a word.
struct LabelRule {
  std::string label;  // a Bluesky self-label value: porn, sexual, nudity, graphic-media
  std::vector<std::string> words;
};

// The table used when a bridge configures none (mirror.labels).
std::vector<LabelRule> default_label_rules();
// The self-labels Bluesky defines for posts; only these are written.
bool is_bluesky_self_label(const std::string& label);

// Bluesky's limit for one image in a post; the writer checks fetched images against it too.
inline constexpr std::size_t kMaxImageBytes = 1'000'000;

struct PostOptions {
  // "{name}" and "{handle}" are replaced with the author's; "" writes no attribution line.
  std::string attribution;
  enum class LongPosts { thread, truncate } long_posts = LongPosts::thread;
  std::vector<LabelRule> labels = default_label_rules();
  // The label for media the author marked sensitive when no rule matched; "" for none.
  std::string sensitive_media_label = "graphic-media";
  PostLimits limits;
};

struct PostAuthor {
  std::string name;    // display name, may be ""
  std::string handle;  // "user@host", may be ""
};

struct PostContext {
  PostAuthor author;
  // The DID of a mentioned fediverse actor that is a Bluesky user (bridged here, or by another
  // bridge); nullopt makes the mention a link. Unset: every mention becomes a link.
  std::function<std::optional<std::string>(const std::string& actor_id)> mention_did;
  // The Bluesky copy of a quoted post (its first record); nullopt: quoted by a link.
  std::function<std::optional<StrongRef>(const NativeRef& quoted)> bluesky_copy;
};

struct RenderedPost {
  std::vector<PostFields> parts;  // in thread order; reply refs and image blobs are the writer's
  std::vector<Media> images;      // to upload, for the first part
  std::vector<std::string> notes;  // what was left out or changed, and why (for `why`)
};

// The records for a post or reply event; an error (with the reason) when there is nothing to
// carry. Never throws.
Result<RenderedPost> render_post(const Event& event, const PostOptions& options, const PostContext& context);

// The link card a text post gets when it has no images: the post's own link card when it has one
// (a Lemmy link post), else a card to the original post.
void add_card(PostFields& first, const Event& event, const PostAuthor& author);

// When `event` claimed to be made: its created_at unless that is before 2000 or over a day after
// it was received (then its receipt time), as an atproto datetime.
std::string claimed_datetime(const Event& event);

}  // namespace causeway::atproto
