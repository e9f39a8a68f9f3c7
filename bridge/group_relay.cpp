// Router::route_relayed: what a followed remote group passes on (see router.h). The group is the
// authority over what is in the group (a removal, a ban), never over what its members wrote: a
// relayed Create or Update crosses with the words its author's server gives when fetched, unless
// the group's own server holds both author and object (it then speaks for its own users).
#include <spdlog/spdlog.h>

#include "bridge/base/url.h"
#include "bridge/router.h"

namespace causeway {

namespace {

// A ban the group announced (not forwarded), of an http(s) actor id of bounded size.
bool ban_like(const Event& event) {
  if (!event.subject || event.origin.relayed_id == event.origin.activity_id) return false;
  const std::string& who = event.subject->id;
  return who.size() <= 2048 && (who.rfind("https://", 0) == 0 || who.rfind("http://", 0) == 0);
}

}  // namespace

void Router::route_relayed(WriteBatch& batch, const Event& event) {
  const std::string& group = event.origin.relayed_by;
  auto route = by_group(group);
  if (!route || !route->bridge->fediverse.group) {
    // An Announce or forward from an actor no bridge follows: nothing of it is anyone's business.
    if (event.kind == EventKind::post || event.kind == EventKind::reply || event.kind == EventKind::update ||
        event.kind == EventKind::remove)
      decide(batch, event, "", Outcome::not_bridged, "passed on by " + group + ", which is not a group any bridge follows",
             false);
    return;
  }
  const BridgeConfig& bridge = *route->bridge;
  const std::string& name = bridge.name;
  const std::string& author = event.actor.id;
  const std::string& object = event.origin.object.id;
  count_relayed(bridge.name, event.kind);
  // Said of the object itself only when it lives on the group's own server: a claim about somebody
  // else's post must not become that post's story (its last decision is what "still on its way?"
  // reads).
  const bool own_object = host_of_url(object) == host_of_url(group);
  if (!bridge.bluesky) return decide(batch, event, name, Outcome::not_bridged, "the bridge has no Bluesky side", false);
  // The group removing a Note causeway made for a Bluesky reply: its moderators' word on it.
  if (event.kind == EventKind::remove && event.subject && hooks_.is_local && hooks_.is_local(event.subject->id))
    return route_group_removal(batch, event, name, event.subject->id);
  if (hooks_.is_local && (hooks_.is_local(author) || hooks_.is_local(object)))
    return decide(batch, event, name, Outcome::not_bridged, "written by causeway itself (loop prevention)", false);
  switch (event.kind) {
    case EventKind::post:
    case EventKind::reply: {
      if (moderation_.is_banned(name, author))
        return decide(batch, event, name, Outcome::not_bridged, "the author is banned from the group by its moderators",
                      own_object);
      auto copy = idmap_.bluesky_copy(object);
      if (copy.ok() && copy->has_value() && !(*copy)->records.empty())
        return decide(batch, event, name, Outcome::not_bridged, "already bridged as " + (*copy)->records.front().uri, false);
      if (pending(object)) return decide(batch, event, name, Outcome::not_bridged, "already on its way", false);
      bool vouched = !event.origin.object_type.empty() && !attribution_refusal(event);
      if (!vouched) {
        std::string host = host_of_url(author);
        if (domain_in(host, config_.blocked_domains) || domain_in(host, bridge.blocked.domains))
          return decide(batch, event, name, Outcome::not_bridged, "author's domain blocked: " + host, own_object);
        return enqueue(batch, event, *route, kToBlueskyJob, JobOp::fetch_post, bridge.bluesky->pds.to_string());
      }
      if (auto refused = post_refusal(bridge, event))
        return decide(batch, event, name, Outcome::not_bridged, *refused, own_object);
      moderation_.add_announced_author(batch, name, author, event.id);
      return enqueue(batch, event, *route, kToBlueskyJob, JobOp::post, bridge.bluesky->pds.to_string());
    }
    case EventKind::update: {
      auto copy = idmap_.bluesky_copy(object);
      if (!copy.ok() || !copy->has_value()) {
        if (auto waiting = pending(object)) return change_before_crossing(batch, event, *waiting, object, false);
        return decide(batch, event, name, Outcome::not_bridged, "an edit of a post that was never bridged", false);
      }
      if ((*copy)->bridge != name)
        return decide(batch, event, name, Outcome::not_bridged, "its copy belongs to the bridge " + (*copy)->bridge, false);
      if (moderation_.is_banned(name, (*copy)->author))
        return decide(batch, event, name, Outcome::not_bridged, "the author is banned from the group by its moderators", false);
      // Always the origin's version: the group may relay an edit in anybody's name.
      return enqueue(batch, event, *route, kToBlueskyJob, JobOp::fetch_update, bridge.bluesky->pds.to_string());
    }
    case EventKind::remove: {
      if (!event.subject) return;
      const std::string& target = event.subject->id;
      if (target == author)
        return decide(batch, event, name, Outcome::not_bridged,
                      "an account deletion passed on by the group; only its own server's word deletes its copies", false);
      auto copy = idmap_.bluesky_copy(target);
      if (copy.ok() && copy->has_value()) {
        if ((*copy)->bridge != name)
          return decide(batch, event, name, Outcome::not_bridged, "its copy belongs to the bridge " + (*copy)->bridge, false);
        // The group decides what stays in the group: its author's delete or its moderators' removal.
        return enqueue(batch, event, *route, kToBlueskyJob, JobOp::remove, bridge.bluesky->pds.to_string());
      }
      if (auto waiting = pending(target)) {
        if (waiting->route.bridge->name != name) return;
        // A removal before the copy is made: a tombstone under the group's id, which only this
        // bridge's writer checks (the post may be on its way on another bridge too).
        mark_gone(batch, target, group, event.id);
        return decide(batch, event, name, Outcome::not_bridged, "removed from the group before it crossed; its copy will not be made");
      }
      return;
    }
    case EventKind::block:
      // Lemmy's ban: Block{object: the member, target: the community}, announced by the community.
      // Not a member's own Block that a boost group or forum forwarded.
      if (!ban_like(event)) return;
      moderation_.set_banned(batch, name, event.subject->id, event.id, true);
      return decide(batch, event, name, Outcome::not_bridged,
                    "recorded: the group's moderators banned " + event.subject->id + "; their posts no longer cross", false);
    case EventKind::unblock:
      // The adapter names the Block's object (the member) as the Undo's subject.
      if (!ban_like(event)) return;
      moderation_.set_banned(batch, name, event.subject->id, event.id, false);
      return decide(batch, event, name, Outcome::not_bridged,
                    "recorded: the group's moderators lifted the ban of " + event.subject->id, false);
    case EventKind::like:
    case EventKind::dislike:
    case EventKind::unlike:
      // Counted (count_relayed), not posted: Bluesky has no way to show them as the group's.
      return decide(batch, event, name, Outcome::not_bridged,
                    std::string("counted, not posted: a ") + to_string(event.kind) +
                        " the group passed on (causeway_group_relayed_total)",
                    false);
    default:
      return;
  }
}

void Router::count_relayed(const std::string& bridge, EventKind kind) {
  metrics_
      .counter("causeway_group_relayed_total", "Activities a followed group passed on, by bridge and kind.",
               {{"bridge", bridge}, {"kind", to_string(kind)}})
      .inc();
}

}  // namespace causeway
