// ActivityPub -> Event: what an activity, or an object (Note, Article, Page, Question, Video,
// Event ...), says, read into the canonical Event. The one reading used by the inbox, by
// `causeway convert` and for objects fetched from their origin. Covers the shapes real servers
// send (Mastodon, Lemmy, Misskey, GoToSocial, PeerTube, Friendica, WordPress, Mobilizon, Plume):
// titles, link cards, excerpts and content warnings, alt texts, authors among several
// attributedTo, languages, HTML / markdown / plain text, unanchored tags, custom emoji, quotes,
// and Bluesky users bridged by Bridgy Fed.
//
// Pure: no network, store or clock; thread-safe. Hostile input never throws or crashes: sizes are
// bounded (kMaxAttachments, kMaxTags ...) and wrong types read as absent.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "bridge/base/result.h"
#include "bridge/event.h"
#include "protocols/activitypub/as2.h"

namespace causeway::activitypub {

inline constexpr std::size_t kMaxAttachments = 16;
inline constexpr std::size_t kMaxAltBytes = 2000;  // Bluesky shows alt texts of about this much
inline constexpr std::size_t kMaxPollOptions = 20;

// What the reader needs to know about this side that the document cannot say.
struct ParseContext {
  // The id of the local group an activity is addressed to, "" when none (audience.group). Unset:
  // no group.
  std::function<std::string(const ActivityView&)> group_of;
};

// The Event an activity describes, or for a bare object (a type that is not an activity: Note,
// Article, Page, Question, Video, Event, Audio ...) the post it is, as if Created by its author.
// The content of a Create/Update is read only from an object its actor's server sent as the
// actor's own (same host as the actor, attributedTo the actor); others keep only the envelope and
// are fetched from their origin before anyone sees them. Errors say why a post cannot cross, in
// words an operator can act on: not an object, no type, no id or actor (view_activity), an object
// whose attributedTo names no person, or a post with nothing to show (no text, title, media, link
// or quote).
Result<Event> event_from_activity(const nlohmann::json& activity_or_object, const ParseContext& context = {});

// The activity a group's Announce wraps (FEP-1b12: Announce{Create|Update|Delete|Like|Dislike|
// Undo|Block}), read as that activity with origin.relayed_by/relayed_id naming the group and its
// Announce. Content is kept only when the object, its actor and the group share a host (the
// group's server then speaks for its own users); otherwise only the envelope, to be fetched from
// the origin. An inner activity whose id is not on its actor's host is an error.
// event_from_activity calls this for such Announces.
Result<Event> relayed_event(const ActivityView& announce, const ParseContext& context = {});

// The envelope of an activity: kind, ids, actor, subject, audience, the author the object claims;
// no content. What the inbox keeps of an activity whose content it refuses.
Event envelope_of(const ActivityView& activity, const ParseContext& context = {});

// The author an object names: the first Person (or Service/Application) in attributedTo (a
// string, an object or a list), else the object's own `actor` (Mobilizon names the group in
// attributedTo and the organizer there), else the first entry that is not a Group; nullopt when
// none.
std::optional<std::string> object_author(const nlohmann::json& object);

// Reads an object's content into `event` (text, title, facets, thread, warnings, languages,
// labels, media, embeds, date, origin.object_type). Objects that are not JSON objects leave it
// unchanged.
void read_object(const nlohmann::json& object, Event& event);

// The visibility of an object or activity from its addressing.
Visibility visibility_of(const nlohmann::json& object);

}  // namespace causeway::activitypub
