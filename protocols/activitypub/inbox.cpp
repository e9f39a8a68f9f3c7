#include "protocols/activitypub/inbox.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <future>

#include "bridge/base/clock.h"
#include "bridge/base/utf8.h"
#include "bridge/decisions.h"
#include "bridge/flag_reports.h"
#include "bridge/seen_ids.h"
#include "protocols/activitypub/group_policy.h"
#include "protocols/activitypub/note_event.h"
#include "protocols/activitypub/stable_id.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

// What the reader needs of this server: which local group an activity is addressed to.
ParseContext parse_context(const LocalActors& actors) {
  return {[&actors](const ActivityView& a) {
    std::string group;
    for (const auto* actor : actors.all())
      if (actor->kind == LocalActor::Kind::group && is_for_group(actors, *actor, a)) group = actors.id(*actor);
    return group;
  }};
}

// The post an activity is about, for the ingest lock: the object, or for a group's Announce of an
// activity (FEP-1b12) the object inside, so that Lemmy's two announces of one post
// (Announce{Create{Page}} and Announce{Page}) and the author's own Create take turns.
std::string locked_object(const ActivityView& v) {
  if (v.type == "Announce" && v.object && v.object->is_object() && v.object->contains("object")) {
    std::string inner = string_member(*v.object, "type");
    if (inner == "Create" || inner == "Update" || inner == "Delete") return id_of((*v.object)["object"]).value_or("");
  }
  return v.object_id.value_or("");
}

// The local actor an activity is about: the object of a Follow, or the followed actor of an
// Undo/Accept/Reject, read from the embedded object when there is one.
const LocalActor* local_object(const LocalActors& actors, const ActivityView& a) {
  if (a.object && a.object->contains("object"))
    if (auto inner = id_of((*a.object)["object"])) return actors.by_url(*inner);
  return a.object_id ? actors.by_url(*a.object_id) : nullptr;
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

InboxResponse Inbox::reject(int status, const std::string& reason_class, const std::string& detail,
                            const InboxRequest& request) {
  // The detail may quote remote documents: kept to a line's worth.
  spdlog::warn("inbox {} from {}: rejected ({}, {}): {}", request.http.target, request.remote_address, status,
               reason_class, utf8_prefix(detail, 1024));
  d_.metrics
      .counter("causeway_inbox_rejected_total", "Inbox POSTs rejected, by HTTP status and reason.",
               {{"status", std::to_string(status)}, {"reason", reason_class}})
      .inc();
  return {status, reason_class};
}

void Inbox::receive(std::shared_ptr<const InboxRequest> request, std::function<void(InboxResponse)> done) {
  auto content_type = request->http.combined_header("content-type");
  if (!content_type || !is_activity_json_type(*content_type))
    return done(reject(400, "content_type", "Content-Type must be application/activity+json", *request));
  d_.authenticate(request, [this, request, done = std::move(done)](Result<Signer> signer) {
    if (!signer) {
      // "<failure class>: <why>": the class is the sender's to know, the rest the log's.
      const std::string& why = signer.error();
      std::string failure = why.substr(0, why.find(':'));
      return done(reject(401, "signature: " + failure, why, *request));
    }
    done(accept(*request, *signer));
  });
}

InboxResponse Inbox::receive(const InboxRequest& request) {
  std::promise<InboxResponse> promise;
  auto answer = promise.get_future();
  receive(std::make_shared<const InboxRequest>(request), [&promise](InboxResponse r) { promise.set_value(std::move(r)); });
  return answer.get();
}

bool Inbox::follows_group(const std::string& actor) const {
  auto f = d_.social.following(d_.actors.service().key, actor);
  return f.ok() && f->has_value() && (*f)->state != "rejected";
}

InboxResponse Inbox::accept(const InboxRequest& request, const Signer& signer) {
  auto activity = parse_as2(request.http.body);
  if (!activity) return reject(400, "body", activity.error(), request);
  auto view = view_activity(*activity);
  if (!view) return reject(400, "activity", view.error(), request);
  // A group the bridge follows forwards its members' activities signed with its own key
  // (Mastodon's inbox forwarding: a boost-bot group passing on a Delete of a post it boosted;
  // Friendica forums): taken as relayed by that group, whose word counts only where the group is
  // the authority (router) and whose content is fetched from the origin.
  bool forwarded = signer.actor != view->actor && follows_group(signer.actor);
  if (signer.actor != view->actor && !forwarded)
    return reject(401, "signature: key_owner_mismatch",
                  "signed by " + signer.actor + " for an activity of " + view->actor, request);
  if (host_of_url(view->id) != host_of_url(view->actor))
    return reject(400, "activity: foreign_id", "activity id " + view->id + " is not on its actor's host", request);
  if (d_.domain_blocked && d_.domain_blocked(host_of_url(view->actor))) {
    // Nothing of it is stored, but the operator can still ask why it never crossed.
    WriteBatch batch = d_.store.batch();
    Decisions decisions(d_.store);
    std::string reason = "author's domain blocked: " + host_of_url(view->actor) + " (fediverse.blocked_domains)";
    decisions.record(batch, Decision{view->id, "", Outcome::not_bridged, reason, "", "", d_.clock()});
    // Said of the object only when it is the actor's own: a blocked actor must not rewrite the
    // story of somebody else's post (its last decision is what "still queued?" reads).
    if (view->object_id && *view->object_id != view->id && host_of_url(*view->object_id) == host_of_url(view->actor))
      decisions.record(batch, Decision{*view->object_id, "", Outcome::not_bridged, reason, "", "", d_.clock()});
    (void)d_.store.write(batch, Durability::buffered);
    return reject(403, "domain_blocked", "domain blocked: " + host_of_url(view->actor), request);
  }

  // From the duplicate check to the write, no other copy of this activity (or of its object) is
  // being stored: the check and the write are one step. The object's id is locked only for the
  // activities the router checks against the object's other copies (posts arriving directly and
  // announced, their edits and deletes): a thousand Likes of one post must not queue behind each other.
  bool about_the_object = view->type == "Create" || view->type == "Announce" || view->type == "Update" ||
                          view->type == "Delete";
  // A forwarded copy is the forwarder's: it must not take the id its author's own delivery will
  // come with (a group forwarding a made-up Delete would otherwise silence the real one).
  const std::string seen_id = forwarded ? signer.actor + "\n" + view->id : view->id;
  auto guard = d_.events.locks().lock({view->id, about_the_object ? locked_object(*view) : ""});
  auto seen = d_.store.get(Family::seen, SeenIds::activitypub_key(seen_id));
  if (seen.ok() && seen->has_value()) {
    d_.metrics.counter("causeway_inbox_total", "Inbox POSTs by outcome.", {{"outcome", "duplicate"}}).inc();
    return {202, "duplicate"};
  }

  std::int64_t now = d_.clock();
  WriteBatch batch = d_.store.batch();
  SeenIds::mark_received(batch, SeenIds::activitypub_key(seen_id), now);
  ParseContext context = parse_context(d_.actors);
  auto parsed = event_from_activity(*activity, context);
  if (parsed && forwarded) {
    // Its words are the forwarder's claim: the envelope only, fetched from the origin to cross.
    Event bare = envelope_of(*view, context);
    bare.thread = parsed->thread;
    bare.origin.relayed_by = signer.actor;
    bare.origin.relayed_id = view->id;
    *parsed = std::move(bare);
  }
  if (!parsed) {
    // Nothing of it can cross (no author, nothing to show): the operator can ask why, and the
    // activity still counts as received; group members on the fediverse still see it.
    Decisions(d_.store).record(batch, Decision{view->id, "", Outcome::not_bridged, parsed.error(), "", "", now});
    spdlog::info("inbox: {} {} from {} not bridged: {}", view->type, view->id, view->actor, utf8_prefix(parsed.error(), 1024));
  }
  Event event = parsed ? std::move(*parsed) : envelope_of(*view, context);
  if (parsed && !event.may_cross()) {
    // Direct and followers-only content is never bridged, so it is not kept: the event says only
    // what it was and why its content is gone.
    std::string why = event.audience.visibility == Visibility::direct ? "direct message" : "followers-only";
    event.content = Content{};
    event.media.clear();
    Decisions(d_.store).record(batch, Decision{view->id, "", Outcome::not_bridged,
                                               "not public (" + why + "): its content is not kept", "", "", now});
  }
  if (parsed) d_.events.append(batch, event, now);

  bool answered = false;  // one of our follows was accepted or rejected
  if (forwarded) {
    // Passed on by a followed group: routed only, never acted on as the author's own request.
  } else if (view->type == "Follow") handle_follow(batch, *view, signer);
  else if (view->type == "Undo") handle_undo(batch, *view, *activity);
  else if (view->type == "Block") handle_block(batch, view->object_id.value_or(""), view->actor, true);
  else if (view->type == "Accept" || view->type == "Reject") answered = handle_accept_reject(batch, *view);
  else if (view->type == "Flag") handle_flag(batch, *view, *activity);
  else if (view->type == "Create" || view->type == "Update" || view->type == "Delete" || view->type == "Like")
    handle_group_posts(batch, *view, *activity);
  else if (view->type != "Announce" && view->type != "Block")
    spdlog::info("inbox: {} {} from {} stored and otherwise ignored (unknown type)", view->type, view->id, view->actor);

  if (Status written = d_.store.write(batch); !written.ok()) {
    spdlog::error("inbox: cannot store {}: {}", view->id, written.error());
    return {503, "storage_unavailable"};
  }
  spdlog::info("inbox: {} {} from {} stored as event {}", view->type, view->id, view->actor, event.id);
  if (!forwarded && view->type == "Update" && view->object_id == view->actor && d_.actor_updated)
    d_.actor_updated(view->actor);
  if (answered && d_.follow_answered) d_.follow_answered();
  d_.metrics.counter("causeway_inbox_total", "Inbox POSTs by outcome.", {{"outcome", "accepted"}}).inc();
  return {202, "accepted"};
}

void Inbox::handle_follow(WriteBatch& batch, const ActivityView& a, const Signer& signer) {
  const LocalActor* local = a.object_id ? d_.actors.by_url(*a.object_id) : nullptr;
  if (!local || d_.actors.id(*local) != *a.object_id) return;
  // The follower's inboxes come from its own document, read when its key was proven: no fetch here.
  Follower request{a.actor, signer.inbox, signer.shared_inbox, a.id, d_.clock()};
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

void Inbox::handle_undo(WriteBatch& batch, const ActivityView& a, const json& activity) {
  // Told apart by what it undoes: a membership or a block changes state here; a Like or an
  // Announce is the members' to see undone, so the group relays it (FEP-1b12 Announce of the Undo).
  std::string undone = a.object && a.object->is_object() ? string_member(*a.object, "type") : "";
  if (undone == "Block") {
    if (a.object->contains("object"))
      if (auto target = id_of((*a.object)["object"])) handle_block(batch, *target, a.actor, false);
  } else if (undone == "Follow") {
    if (a.object->contains("actor") && id_of((*a.object)["actor"]).value_or("") != a.actor) return;
    if (const LocalActor* local = local_object(d_.actors, a)) d_.social.remove_follower(batch, local->key, a.actor);
  } else if (undone == "Like" || undone == "Announce") {
    handle_group_posts(batch, a, activity);
  } else {
    spdlog::info("inbox: Undo {} from {} ignored: {}", a.id, a.actor,
                 undone.empty() ? "what it undoes is not embedded, so it is unknown"
                                : "an Undo of " + undone + " changes nothing here");
  }
}

bool Inbox::handle_accept_reject(WriteBatch& batch, const ActivityView& a) {
  // Our Follow of a.actor was answered; it is recorded against the local actor that sent it, and
  // only when the answer names that Follow (an Accept of one bridged actor's follow is not
  // everyone's).
  bool matched = false;
  for (const auto* local : d_.actors.all()) {
    auto f = d_.social.following(local->key, a.actor);
    if (!f.ok() || !f->has_value()) continue;
    if (a.object_id && !(*f)->follow_id.empty() && *a.object_id != (*f)->follow_id) continue;
    matched = true;
    Following updated = **f;
    updated.state = a.type == "Accept" ? "accepted" : "rejected";
    d_.social.set_following(batch, local->key, updated);
    spdlog::info("inbox: {} {} our follow of {}", a.actor, a.type == "Accept" ? "accepted" : "rejected", a.actor);
  }
  return matched;
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
    GroupAnnounces announces = group_announces(d_.actors, *group, a, activity, iso8601_utc(d_.clock()));
    d_.outbox.publish(batch, *group, announces.of_activity, *followers, announces.boost ? &*announces.boost : nullptr);
    spdlog::info("group {}: announcing {} to {} members", group->username, a.id, followers->size());
  }
}

void Inbox::handle_flag(WriteBatch& batch, const ActivityView& a, const json& activity) {
  FlagReports::record(batch, a.id, activity.dump(), d_.clock());
  spdlog::warn("inbox: report {} from {} stored for the operator", a.id, a.actor);
}

}  // namespace causeway::activitypub
