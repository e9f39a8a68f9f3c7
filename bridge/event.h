// The canonical Event: what happened, independent of either network (DESIGN.md, "The canonical
// event model"). Adapters turn native traffic into Events and Events back into native objects;
// the core routes, stores and queues nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace causeway {

enum class Network { activitypub, atproto };

enum class EventKind {
  post, reply, repost, like, follow, unfollow, accept, reject, remove, update, profile, block, flag,
  dislike,                    // a downvote (Lemmy, PieFed, Mbin): counted, never shown on Bluesky
  unlike, unrepost, unblock,  // an Undo, told apart by what it undoes (Undo of a Follow: unfollow)
  other  // an activity type the bridge does not act on (EmojiReact, Add, Move ...)
};

// A native id on one network: an ActivityPub URI, or an at-uri with the CID of the version meant.
struct NativeRef {
  Network network = Network::activitypub;
  std::string id;
  std::string cid;  // atproto only; empty otherwise

  bool operator==(const NativeRef&) const = default;
};

struct Origin {
  Network network = Network::activitypub;
  std::string activity_id;  // AP activity id, or the at-uri of the record that is the action
  NativeRef object;         // the object created/changed (the Note, the post record)
  std::string object_type;  // its native type: "Note", "Question", "app.bsky.feed.post" ...
  // Whom the object itself names as its author (ActivityPub attributedTo of an embedded object),
  // as the adapter read it; "" when it names nobody or nothing was embedded. Not trusted as an
  // identity: the router compares it with the actor, whose signature was checked.
  std::string object_author;
  // The group that passed this activity on: the actor of a FEP-1b12 Announce wrapping it (a Lemmy
  // community relaying a member's Create, Update, Delete, Like ...), or the signer of an activity
  // it forwarded (Mastodon's inbox forwarding). Its signature was checked; what it says the inner
  // activity is, is its claim (actor, activity_id and object then describe the inner activity,
  // and relayed_id is the relaying activity's id). "" for activities received first-hand.
  std::string relayed_by;
  std::string relayed_id;

  bool operator==(const Origin&) const = default;
};

// What the bridge knew of the actor's profile when the event was made.
struct ProfileSnapshot {
  std::string handle;  // "@user@host" or "alice.bsky.social"
  std::string display_name;
  std::string summary;
  std::string avatar_url;

  bool operator==(const ProfileSnapshot&) const = default;
};

struct ActorRef {
  std::string id;  // AP actor URI or DID
  ProfileSnapshot profile;

  bool operator==(const ActorRef&) const = default;
};

struct Thread {
  std::optional<NativeRef> parent;
  std::optional<NativeRef> root;

  bool operator==(const Thread&) const = default;
};

// A span of the text, by UTF-8 byte offsets (end exclusive), with what it points at.
struct Facet {
  enum class Type { link, mention, hashtag };
  Type type = Type::link;
  std::uint32_t byte_start = 0;
  std::uint32_t byte_end = 0;
  std::string target;  // link URI, mentioned actor id (AP URI or DID), or tag without '#'

  bool operator==(const Facet&) const = default;
};

struct Content {
  std::string title;  // the headline of an Article/Page/Video (AS2 `name`); "" for notes
  std::string text;   // plain UTF-8
  std::vector<Facet> facets;
  std::vector<std::string> languages;  // BCP-47 tags, the primary language first
  std::string content_warning;         // shown before the text (AS2 `summary` of a Note)
  std::string excerpt;                 // a teaser of a long text (AS2 `summary` of an Article)
  // Hashtags the author attached that have no place in the text (AS2 `tag` entries not anchored,
  // Bluesky's record-level `tags`), without '#'.
  std::vector<std::string> tags;
  std::vector<std::string> labels;  // sensitivity labels (Bluesky self-label values)
  std::string html;                 // the original HTML of ActivityPub posts

  bool operator==(const Content&) const = default;
};

struct Media {
  std::string url;
  std::string mime_type;
  std::uint64_t size = 0;
  std::string alt;
  std::uint32_t width = 0;
  std::uint32_t height = 0;

  bool operator==(const Media&) const = default;
};

// A link preview: the external page a post is about (Lemmy link posts, Bluesky link cards).
struct LinkCard {
  std::string url;
  std::string title;
  std::string description;
  std::string thumb_url;

  bool operator==(const LinkCard&) const = default;
};

// What a post shows besides its text and media: the post it quotes and the page it links to.
struct Embed {
  // The quoted post: an AP object id or URL, or an at-uri with its CID.
  std::optional<NativeRef> quote;
  std::optional<LinkCard> link;

  bool operator==(const Embed&) const = default;
};

enum class Visibility { public_, unlisted, followers_only, direct };

struct Audience {
  Visibility visibility = Visibility::public_;
  std::string group;  // the group actor it is addressed to, if any

  bool operator==(const Audience&) const = default;
};

struct Event {
  std::string id;  // assigned by the store's EventIdGenerator; time-ordered
  EventKind kind = EventKind::post;
  Origin origin;
  ActorRef actor;
  std::optional<NativeRef> subject;  // the object acted on (reply/like/repost/delete/follow ...)
  Thread thread;
  Content content;
  std::vector<Media> media;
  Embed embed;
  Audience audience;
  std::int64_t created_at_us = 0;   // as claimed by the source, microseconds since the epoch
  std::int64_t received_at_us = 0;  // when causeway received it
  std::string bridge;               // name of the bridge that routed it, once routed

  bool operator==(const Event&) const = default;

  // Only public and unlisted items ever cross the bridge.
  bool may_cross() const {
    return audience.visibility == Visibility::public_ || audience.visibility == Visibility::unlisted;
  }
};

const char* to_string(EventKind kind);
const char* to_string(Network network);
const char* to_string(Visibility visibility);

}  // namespace causeway
