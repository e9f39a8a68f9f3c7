#include "protocols/activitypub/inbox.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "bridge/base/clock.h"
#include "bridge/decisions.h"
#include "protocols/activitypub/group_policy.h"
#include "protocols/activitypub/note_event.h"
#include "protocols/activitypub/stable_id.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

EventKind kind_of(const ActivityView& a) {
  if (a.type == "Create") return a.object && a.object->contains("inReplyTo") && !(*a.object)["inReplyTo"].is_null()
                                     ? EventKind::reply
                                     : EventKind::post;
  if (a.type == "Announce") return EventKind::repost;
  if (a.type == "Like") return EventKind::like;
  if (a.type == "Follow") return EventKind::follow;
  if (a.type == "Undo") return EventKind::unfollow;
  if (a.type == "Accept") return EventKind::accept;
  if (a.type == "Reject") return EventKind::reject;
  if (a.type == "Delete") return EventKind::remove;
  if (a.type == "Block") return EventKind::block;
  if (a.type == "Flag") return EventKind::flag;
  if (a.type == "Update") return EventKind::update;
  return EventKind::other;
}

Event event_from(const ActivityView& a, const LocalActors& actors) {
  Event e;
  e.kind = kind_of(a);
  e.origin.network = Network::activitypub;
  e.origin.activity_id = a.id;
  e.origin.object = {Network::activitypub, a.object_id.value_or(a.id), ""};
  e.actor.id = a.actor;
  if (a.object_id && a.type != "Create") e.subject = NativeRef{Network::activitypub, *a.object_id, ""};
  // Said, not proven: the router refuses a post whose object names another author than the actor.
  if (a.object && a.object->is_object() && a.object->contains("attributedTo"))
    e.origin.object_author = id_of((*a.object)["attributedTo"]).value_or("");
  // Content is taken only from an object its own server sent us. An Announce (or anything else)
  // embedding another server's object could put words in its author's mouth; such objects are
  // fetched from their origin before anyone sees them.
  // And only when its author is the activity's actor: nobody speaks for someone else.
  bool own_object = a.object && a.object_id && host_of_url(*a.object_id) == host_of_url(a.actor) &&
                    (a.type == "Create" || a.type == "Update") && a.object->contains("attributedTo") &&
                    id_of((*a.object)["attributedTo"]).value_or("") == a.actor;
  if (own_object) read_object(*a.object, e);
  // The activity's addressing decides who sees it (the object's usually says the same).
  json addressing{{"to", a.to}, {"cc", a.cc}};
  e.audience.visibility = visibility_of(addressing);
  for (const auto* actor : actors.all())
    if (actor->kind == LocalActor::Kind::group && is_for_group(actors, *actor, a)) e.audience.group = actors.id(*actor);
  return e;
}

// The local actor an activity is about: the object of a Follow, or the followed actor of an
// Undo/Accept/Reject, read from the embedded object when there is one.
const LocalActor* local_object(const LocalActors& actors, const ActivityView& a) {
  if (a.object && a.object->contains("object"))
    if (auto inner = id_of((*a.object)["object"])) return actors.by_url(*inner);
  return a.object_id ? actors.by_url(*a.object_id) : nullptr;
}

Follower follower_from(const std::string& actor_id, const std::string& follow_id, const json& actor_doc,
                       std::int64_t now) {
  Follower f{actor_id, string_member(actor_doc, "inbox"), "", follow_id, now};
  if (auto endpoints = actor_doc.find("endpoints"); endpoints != actor_doc.end() && endpoints->is_object())
    f.shared_inbox = string_member(*endpoints, "sharedInbox");
  return f;
}

json response_activity(const LocalActors& actors, const LocalActor& local, const char* type, const Follower& request) {
  return {{"@context", "https://www.w3.org/ns/activitystreams"},
          {"id", actors.id(local) + "/" + std::string(type == std::string("Accept") ? "accept" : "reject") + "/" +
                     stable_id(request.follow_id)},
          {"type", type},
          {"actor", actors.id(local)},
          {"object", {{"id", request.follow_id}, {"type", "Follow"}, {"actor", request.actor}, {"object", actors.id(local)}}},
          {"to", {request.actor}}};
}

}  // namespace

Status accept_follow_request(WriteBatch& batch, SocialGraph& social, Outbox& outbox, const LocalActors& actors,
                             const LocalActor& local, const Follower& request) {
  if (request.inbox.empty()) return make_error("follower " + request.actor + " has no inbox");
  social.add_follower(batch, local.key, request);
  outbox.publish(batch, local, response_activity(actors, local, "Accept", request), {request});
  return {};
}

void reject_follow_request(WriteBatch& batch, SocialGraph& social, Outbox& outbox, const LocalActors& actors,
                           const LocalActor& local, const Follower& request) {
  social.drop_request(batch, local.key, request.actor);
  if (!request.inbox.empty()) outbox.publish(batch, local, response_activity(actors, local, "Reject", request), {request});
}

InboxResponse Inbox::reject(int status, const std::string& reason, const InboxRequest& request) {
  // The label is the reason's kind: "signature: expired" rather than the whole message.
  size_t cut = reason.find(':');
  if (reason.rfind("signature:", 0) == 0) cut = reason.find(':', cut + 1);
  std::string reason_label = reason.substr(0, cut);
  spdlog::warn("inbox {} from {}: rejected ({}): {}", request.http.target, request.remote_address, status, reason);
  d_.metrics
      .counter("causeway_inbox_rejected_total", "Inbox POSTs rejected, by HTTP status and reason.",
               {{"status", std::to_string(status)}, {"reason", reason_label}})
      .inc();
  return {status, reason};
}

InboxResponse Inbox::receive(const InboxRequest& request) {
  auto content_type = request.http.combined_header("content-type");
  if (!content_type || !is_activity_json_type(*content_type))
    return reject(400, "not ActivityPub JSON: Content-Type must be application/activity+json", request);
  auto owner = d_.authenticate(request);
  if (!owner) return reject(401, "signature: " + owner.error(), request);
  auto activity = parse_as2(request.http.body);
  if (!activity) return reject(400, "body: " + activity.error(), request);
  auto view = view_activity(*activity);
  if (!view) return reject(400, "activity: " + view.error(), request);
  if (*owner != view->actor)
    return reject(401, "key owner mismatch: signed by " + *owner + " for an activity of " + view->actor, request);
  if (host_of_url(view->id) != host_of_url(view->actor))
    return reject(400, "activity id " + view->id + " is not on its actor's host", request);
  if (d_.domain_blocked && d_.domain_blocked(host_of_url(view->actor))) {
    // Nothing of it is stored, but the operator can still ask why it never crossed.
    WriteBatch batch = d_.store.batch();
    Decisions decisions(d_.store);
    std::string reason = "author's domain blocked: " + host_of_url(view->actor) + " (fediverse.blocked_domains)";
    decisions.record(batch, Decision{view->id, "", Outcome::not_bridged, reason, "", "", d_.clock()});
    if (view->object_id && *view->object_id != view->id)
      decisions.record(batch, Decision{*view->object_id, "", Outcome::not_bridged, reason, "", "", d_.clock()});
    (void)d_.store.write(batch, Durability::buffered);
    return reject(403, "domain blocked: " + host_of_url(view->actor), request);
  }

  auto seen = d_.store.get(Family::seen, "ap/" + view->id);
  if (seen.ok() && seen->has_value()) {
    d_.metrics.counter("causeway_inbox_total", "Inbox POSTs by outcome.", {{"outcome", "duplicate"}}).inc();
    return {202, "duplicate"};
  }

  std::int64_t now = d_.clock();
  WriteBatch batch = d_.store.batch();
  batch.put(Family::seen, "ap/" + view->id, std::to_string(now));
  Event event = event_from(*view, d_.actors);
  d_.events.append(batch, event, now);

  if (view->type == "Follow") handle_follow(batch, *view, *activity);
  else if (view->type == "Undo") handle_undo(batch, *view);
  else if (view->type == "Block") handle_block(batch, view->object_id.value_or(""), view->actor, true);
  else if (view->type == "Accept" || view->type == "Reject") handle_accept_reject(batch, *view);
  else if (view->type == "Flag") handle_flag(batch, *view, *activity);
  else if (view->type == "Create" || view->type == "Update" || view->type == "Delete" || view->type == "Like")
    handle_group_posts(batch, *view, *activity);
  else if (view->type != "Announce" && view->type != "Block")
    spdlog::info("inbox: {} {} from {} stored and otherwise ignored (unknown type)", view->type, view->id, view->actor);

  if (Status written = d_.store.write(batch); !written.ok()) {
    spdlog::error("inbox: cannot store {}: {}", view->id, written.error());
    return {503, "storage unavailable"};
  }
  spdlog::info("inbox: {} {} from {} stored as event {}", view->type, view->id, view->actor, event.id);
  d_.metrics.counter("causeway_inbox_total", "Inbox POSTs by outcome.", {{"outcome", "accepted"}}).inc();
  return {202, "accepted"};
}

void Inbox::handle_follow(WriteBatch& batch, const ActivityView& a, const json& activity) {
  const LocalActor* local = a.object_id ? d_.actors.by_url(*a.object_id) : nullptr;
  if (!local || d_.actors.id(*local) != *a.object_id) return;
  auto actor_doc = d_.resolve_actor(a.actor);
  if (!actor_doc) {
    spdlog::warn("inbox: Follow {} of {}: cannot fetch the follower: {}", a.id, *a.object_id, actor_doc.error());
    return;
  }
  Follower request = follower_from(a.actor, a.id, *actor_doc, d_.clock());
  if (local->manually_approves_followers) {
    d_.social.hold_request(batch, local->key, request);
    spdlog::info("inbox: follow of {} by {} held for approval", local->username, a.actor);
    return;
  }
  if (Status s = accept_follow_request(batch, d_.social, d_.outbox, d_.actors, *local, request); !s.ok())
    spdlog::warn("inbox: Follow {}: {}", a.id, s.error());
}

void Inbox::handle_block(WriteBatch& batch, const std::string& target, const std::string& by, bool blocked) {
  const LocalActor* local = d_.actors.by_url(target);
  if (!local || d_.actors.id(*local) != target) return;
  d_.social.set_blocked_by(batch, by, local->key, blocked);
  spdlog::info("inbox: {} {} {}", by, blocked ? "blocks" : "no longer blocks", target);
}

void Inbox::handle_undo(WriteBatch& batch, const ActivityView& a) {
  if (!a.object || !a.object->is_object()) return;
  auto type = a.object->find("type");
  if (type != a.object->end() && type->is_string() && *type == "Block") {
    if (a.object->contains("object"))
      if (auto target = id_of((*a.object)["object"])) handle_block(batch, *target, a.actor, false);
    return;
  }
  if (type == a.object->end() || !type->is_string() || *type != "Follow") return;
  if (a.object->contains("actor") && id_of((*a.object)["actor"]).value_or("") != a.actor) return;
  if (const LocalActor* local = local_object(d_.actors, a)) d_.social.remove_follower(batch, local->key, a.actor);
}

void Inbox::handle_accept_reject(WriteBatch& batch, const ActivityView& a) {
  // Our Follow of a.actor was answered; it is recorded against the local actor that sent it.
  for (const auto* local : d_.actors.all()) {
    auto f = d_.social.following(local->key, a.actor);
    if (!f.ok() || !f->has_value()) continue;
    Following updated = **f;
    updated.state = a.type == "Accept" ? "accepted" : "rejected";
    d_.social.set_following(batch, local->key, updated);
    spdlog::info("inbox: {} {} our follow of {}", a.actor, a.type == "Accept" ? "accepted" : "rejected", a.actor);
  }
}

void Inbox::handle_group_posts(WriteBatch& batch, const ActivityView& a, const json& activity) {
  for (const auto* group : d_.actors.all()) {
    if (group->kind != LocalActor::Kind::group) continue;
    bool member = d_.social.is_follower(group->key, a.actor);
    bool blocked = d_.domain_blocked && d_.domain_blocked(host_of_url(a.actor));
    GroupDecision decision = decide_group_announce(d_.actors, *group, a, member, blocked);
    if (!decision.announce) {
      if (is_for_group(d_.actors, *group, a))
        spdlog::info("group {}: not announcing {}: {}", group->username, a.id, decision.reason);
      continue;
    }
    auto followers = d_.social.followers(group->key);
    if (!followers) {
      spdlog::error("group {}: cannot list members: {}", group->username, followers.error());
      continue;
    }
    json announce = group_announce(d_.actors, *group, a, activity, iso8601_utc(d_.clock()));
    d_.outbox.publish(batch, *group, announce, *followers);
    spdlog::info("group {}: announcing {} to {} members", group->username, a.id, followers->size());
  }
}

void Inbox::handle_flag(WriteBatch& batch, const ActivityView& a, const json& activity) {
  batch.put(Family::social, "flag/" + a.id, activity.dump());
  spdlog::warn("inbox: report {} from {} stored for the operator", a.id, a.actor);
}

}  // namespace causeway::activitypub
