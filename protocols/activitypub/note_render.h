// Renders Events that came from Bluesky into the AS2 objects and activities causeway sends for
// bridged actors: the Note and its Create, an Update, a Delete, a Like, an Announce and an Undo.
// Pure: no network, store or clock. Everything the rendering depends on (ids, the time, the group,
// who a DID is on the fediverse, where a blob is served) comes in through NoteContext as plain data
// or as std::function lookups, which the caller may back with its store and network; a lookup
// left empty answers "unknown". Ids are derived only from what is passed in, so a retried job
// renders byte-identical ids and receivers dedupe. Functions are thread-safe if the lookups are.
// Nothing throws; what cannot be rendered is refused with a reason.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge/base/result.h"
#include "bridge/event.h"

namespace causeway::activitypub {

// Who a DID is on the fediverse when causeway speaks for it: its bridged actor here (or the group,
// for a bridge's mirror account). `handle` is "user@host", without the leading '@'.
struct MentionedActor {
  std::string id;
  std::string handle;
};

struct NoteContext {
  std::string actor_id;   // the bridged actor the Note is attributed to
  std::string followers;  // its followers collection
  std::string note_id;    // bridged_object_id(actor_id, the post's at-uri)
  std::string group;      // the group it goes to ("" for none): cc'd and named as `audience`
  // How the Note names the group so that it passes the Note on ("@name@host" for a boost group,
  // "!name@host" for a Friendica forum): a Mention tag and the handle opening the text. Empty: not
  // named (hosted groups, Lemmy communities).
  std::string group_mention;
  bool group_in_to = false;  // the group in `to` as well (Lemmy communities look there)
  std::optional<std::string> in_reply_to;  // the fediverse post it answers
  std::string parent_author;               // that post's author, cc'd so they are notified
  std::string tag_base{"https://bsky.app/hashtag/"};  // where hashtags link (hashtag_link.h)

  // A mentioned DID's bridged actor; nullopt leaves it a link to its bsky.app profile.
  std::function<std::optional<MentionedActor>(const std::string& did)> mentioned_actor;
  // The original fediverse actor id of a Bluesky account bridged by Bridgy Fed, asked with the
  // "user@host" that bridgy_fed_fediverse_handle made of the mention's handle (a WebFinger
  // lookup), or with the DID when the mention's text is not such a handle.
  std::function<std::optional<std::string>(const std::string& did_or_handle)> fediverse_actor;
  // The fediverse id of a Bluesky record (an at-uri), when it is the copy of a fediverse post.
  std::function<std::optional<std::string>(const std::string& at_uri)> fediverse_id;
  // Where a blob of `did` is served over https ("" when it cannot be).
  std::function<std::string(const std::string& did, const std::string& cid)> blob_url;
};

struct RenderedNote {
  nlohmann::json note;    // the Note, with its "@context" (what the object's id serves)
  nlohmann::json create;  // the Create of it, the Note embedded without "@context"
  // Remote actors the Note names that must receive it to be notified: the parent's author and
  // mentioned fediverse actors (Bridgy Fed's bridged users). Local actors are not listed.
  std::vector<std::string> recipients;
};

// Distinct mentions resolved per post: each may cost the caller a lookup (or an actor made).
inline constexpr std::size_t kMaxResolvedMentions = 16;

// The Note of a post, reply or update and its Create. Refused when the event is not one of those
// kinds or the context names no actor or note id.
Result<RenderedNote> render_note(const Event& event, const NoteContext& context);

// The Update of a rendered Note: `version` (the new record's CID) makes its id unique per version,
// `updated` (ISO 8601) is when the edit was made.
nlohmann::json render_update(const nlohmann::json& note, const std::string& version, const std::string& updated);

// A Like or Announce by a bridged actor. `id` is bridged_object_id(actor, the like's at-uri).
struct ReactionContext {
  std::string id;
  std::string actor_id;
  std::string followers;      // announces are public: cc'd to the actor's followers
  std::string object_id;      // the fediverse post liked or announced
  std::string object_author;  // its author ("" when unknown): addressed so they are notified
  std::string group;
  std::string published;  // ISO 8601
};
nlohmann::json render_like(const ReactionContext& reaction);
nlohmann::json render_announce(const ReactionContext& reaction);

// The Delete of a bridged Note: id "<object_id>#delete", a Tombstone, public, cc'd to `group`.
nlohmann::json render_delete(const std::string& object_id, const std::string& actor_id, const std::string& group);
// What a deleted object's id serves from now on.
nlohmann::json render_tombstone(const std::string& id);
// The Undo of a Like or Announce: id "<object_id>#undo", the original activity embedded (without
// "@context"; just its id when it is no longer known) and addressed as it was, cc'd to `group`.
nlohmann::json render_undo(const std::string& object_id, const std::optional<nlohmann::json>& original,
                           const std::string& actor_id, const std::string& group);

// The id of what a bridged actor did on Bluesky: "<actor_id>/<collection>/<rkey>" of the record's
// at-uri (its whole text when it is not one).
std::string bridged_object_id(const std::string& actor_id, const std::string& at_uri);

// "user@host" of a Bluesky handle Bridgy Fed made for a fediverse account, else nullopt. Bridgy
// Fed names `@user@host` on Bluesky "user.host.ap.brid.gy" (snarfed/bridgy-fed, ids.py,
// translate_handle: the '@' becomes '.' and the protocol's subdomain is appended); Mastodon
// usernames have no '.', so the first label is the user. Bluesky handles cannot hold '_', which
// Bridgy Fed writes as '-': the "user@host" given back keeps the '-', for WebFinger to settle.
std::optional<std::string> bridgy_fed_fediverse_handle(std::string_view bluesky_handle);

// The content warning Bluesky shows for a self-label it defines (porn, sexual, nudity,
// graphic-media and the older gore), else nullopt: other values are not warnings.
std::optional<std::string> self_label_warning(std::string_view label);

}  // namespace causeway::activitypub
