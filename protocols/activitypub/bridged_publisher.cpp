#include "protocols/activitypub/bridged_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "bridge/base/clock.h"
#include "bridge/base/at_uri.h"
#include "bridge/base/url.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/group_policy.h"
#include "protocols/activitypub/hashtag_link.h"
#include "protocols/activitypub/note_render.h"
#include "protocols/activitypub/stable_id.h"

namespace causeway::activitypub {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxMentionedActors = 5;

}  // namespace

BridgedPublisher::BridgedPublisher(BridgedPublisherDeps deps) : d_(std::move(deps)), idmap_(d_.store) {}

void BridgedPublisher::idle() {
  for (const auto& bridge : d_.config.bridges) {
    if (bridge.bluesky_posting != BlueskyPosting::approved) continue;
    WriteBatch batch = d_.store.batch();
    auto settled = d_.router.moderation().settle_decided(batch, d_.queue, bridge.name);
    if (!settled) {
      spdlog::warn("bridge {}: held items: {}", bridge.name, settled.error());
    } else if (*settled > 0) {
      if (Status s = d_.store.write(batch); !s.ok()) spdlog::error("bridge {}: held items: {}", bridge.name, s.error());
      else spdlog::info("bridge {}: {} held item(s) of already decided accounts settled", bridge.name, *settled);
    }
  }
}

std::string BridgedPublisher::group_id(const BridgeConfig& bridge) const {
  if (bridge.fediverse.host)
    if (const LocalActor* g = d_.actors.by_key(group_key(bridge.fediverse.host->name))) return d_.actors.id(*g);
  return d_.router.group_id(bridge.name).value_or("");
}

bool BridgedPublisher::handle_blocked(const BridgeConfig& bridge, const std::string& handle) const {
  // A handle is a domain name: blocking "spam.example" blocks its subdomains' accounts too.
  return domain_in(handle, bridge.blocked.handles) || domain_in(handle, d_.config.blocked_accounts);
}

NoteContext BridgedPublisher::note_context(const Event& event) {
  NoteContext c;
  c.tag_base = std::string(kBlueskyHashtagBase);
  c.mentioned_actor = [this, made = std::size_t{0}](const std::string& did) mutable -> std::optional<MentionedActor> {
    for (const auto& b : d_.config.bridges)
      if (d_.router.mirror_did(b.name) == did) {
        std::string g = group_id(b);
        if (const LocalActor* group = d_.actors.by_url(g)) return MentionedActor{g, group->username + "@" + d_.actors.host()};
      }
    // A few mentions become bridged actors; a post cannot make causeway create thousands.
    if (made++ < kMaxMentionedActors)
      if (auto person = d_.bridged_actor(did); person.ok())
        return MentionedActor{d_.actors.id(**person), (*person)->username + "@" + d_.actors.host()};
    return std::nullopt;
  };
  c.fediverse_actor = d_.fediverse_actor;
  c.fediverse_id = [this](const std::string& at_uri) -> std::optional<std::string> {
    auto ap_id = idmap_.ap_id(at_uri);
    if (!ap_id || !ap_id->has_value()) return std::nullopt;
    return **ap_id;
  };
  c.blob_url = [this, did = event.actor.id](const std::string& blob_did, const std::string& cid) {
    // Only the author's own blobs are served for them.
    return blob_did == did ? d_.blob_url(did, cid) : std::string();
  };
  return c;
}

Result<const LocalActor*, StepOutcome> BridgedPublisher::sender(const BridgeConfig& bridge, const Event& event) {
  auto person = d_.bridged_actor(event.actor.id);
  if (!person) return StepOutcome{Step::retry, person.error(), std::nullopt};
  if (handle_blocked(bridge, (*person)->username))
    return StepOutcome{Step::give_up, "account blocked: " + (*person)->username, std::nullopt};
  return *person;
}

std::vector<std::string> BridgedPublisher::reachable(const std::vector<std::string>& named, const std::string& parent_author,
                                                     const std::string& note_id) {
  std::vector<std::string> out;
  for (const auto& actor : named) {
    if (actor == parent_author || d_.recipient(actor).ok()) out.push_back(actor);
    else spdlog::warn("{}: the mentioned {} cannot be reached; it goes without it", note_id, actor);
  }
  return out;
}

std::optional<std::string> BridgedPublisher::group_refuses(const BridgeConfig& bridge, const LocalActor& from) const {
  std::string g = group_id(bridge);
  if (g.empty() || bridge.fediverse.host) return std::nullopt;
  if (auto f = d_.social.following("bridge", g); f.ok() && f->has_value() && (*f)->state == "rejected")
    return "the group rejected the bridge's follow request";
  if (d_.social.is_blocked_by(g, from.key) || d_.social.is_blocked_by(g, "bridge"))
    return "the group blocks " + d_.actors.id(from);
  return std::nullopt;
}

void BridgedPublisher::address_group(const BridgeConfig& bridge, NoteContext& context) const {
  if (!bridge.fediverse.group || !d_.remote_group) return;
  auto group = d_.remote_group(bridge.name);
  if (!group || group->id != context.group) {
    context.group_in_to = true;
    return;
  }
  // Lemmy takes a comment from anyone when the community is in to/cc or audience
  // (crates/apub/src/activities/create_or_update/comment.rs); boost groups and Friendica forums
  // pass on only what mentions them.
  context.group_in_to = group->kind == RemoteGroupKind::community;
  context.group_mention = group_mention_text(*group).value_or("");
}

std::optional<StepOutcome> BridgedPublisher::await_group_follow(const BridgeConfig& bridge, const LocalActor& from,
                                                                 const Event& event) {
  constexpr std::int64_t kRecheckUs = 10'000'000, kBoundUs = 24LL * 3600 * 1'000'000;
  if (!bridge.fediverse.group || !d_.remote_group) return std::nullopt;
  auto group = d_.remote_group(bridge.name);
  if (!group || group->kind != RemoteGroupKind::boost || !group->locked) return std::nullopt;
  auto f = d_.social.following(from.key, group->id);
  if (!f) return StepOutcome{Step::retry, f.error(), std::nullopt};
  std::int64_t now = d_.clock();
  if (f->has_value() && (*f)->state == "accepted") return std::nullopt;
  if (f->has_value() && (*f)->state == "rejected")
    return StepOutcome{Step::give_up, "the group " + group->id + " rejected " + d_.actors.id(from) + "'s follow", std::nullopt};
  if (now - event.received_at_us > kBoundUs)
    return StepOutcome{Step::give_up, "the locked group " + group->id + " did not accept " + d_.actors.id(from) +
                                          "'s follow within a day", std::nullopt};
  std::string waiting = "waiting for the locked group " + group->id + " to accept " + d_.actors.id(from) + "'s follow";
  WriteBatch batch = d_.store.batch();
  if (!f->has_value()) {
    auto target = d_.recipient(group->id);
    if (!target) return StepOutcome{Step::retry, "cannot reach the group " + group->id + ": " + target.error(), std::nullopt};
    std::string follow_id = d_.actors.id(from) + "/follow/" + stable_id(group->id);
    json follow = {{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", follow_id}, {"type", "Follow"},
                   {"actor", d_.actors.id(from)}, {"object", group->id}, {"to", {group->id}}};
    d_.social.set_following(batch, from.key, {group->id, follow_id, "pending", now});
    d_.outbox.publish(batch, from, follow, {*target});
  }
  // Held, so `causeway why` and `status` show what it waits for (the job's own batch is dropped
  // on wait); said once, not at every recheck.
  auto about = d_.router.decisions().about(event.origin.activity_id);
  if (!about.ok() || about->empty() || about->back().reason != waiting)
    d_.router.decisions().record(batch, Decision{event.origin.activity_id, bridge.name, Outcome::held, waiting, "", event.id, now});
  if (Status s = d_.store.write(batch); !s.ok()) return StepOutcome{Step::retry, s.error(), std::nullopt};
  return StepOutcome{Step::wait, waiting, now + kRecheckUs};
}

Status BridgedPublisher::publish_to_group(WriteBatch& batch, const BridgeConfig& bridge, const LocalActor& from,
                                         const json& activity, const std::vector<std::string>& extra_actors,
                                         bool to_members) {
  std::vector<Follower> direct;
  for (const auto& actor : extra_actors) {
    if (actor.empty() || d_.actors.by_url(actor)) continue;  // local actors need no delivery
    auto r = d_.recipient(actor);
    if (!r) return make_error("cannot reach " + actor + ": " + r.error());
    direct.push_back(*r);
  }
  // Fediverse users may follow a bridged actor directly: they get what it says too.
  if (auto own = d_.social.followers(from.key); own.ok()) direct.insert(direct.end(), own->begin(), own->end());
  if (bridge.fediverse.host) {
    const LocalActor* group = d_.actors.by_key(group_key(bridge.fediverse.host->name));
    if (!group) return make_error("the hosted group is missing");
    auto view = view_activity(activity);
    if (!view) return make_error("built an invalid activity: " + view.error());
    auto members = d_.social.followers(group->key);
    if (!members) return Error{members.error()};
    // Mastodon ignores a group's Announce of a Delete or Undo: those go to the members directly.
    if (to_members) direct.insert(direct.end(), members->begin(), members->end());
    d_.outbox.publish(batch, from, activity, direct);
    GroupAnnounces announces = group_announces(d_.actors, *group, *view, activity, iso8601_utc(d_.clock()));
    d_.outbox.publish(batch, *group, announces.of_activity, *members, announces.boost ? &*announces.boost : nullptr);
    return {};
  }
  std::string g = group_id(bridge);
  if (g.empty()) return make_error("the remote group is not resolved yet");
  auto r = d_.recipient(g);
  if (!r) return make_error("cannot reach the group " + g + ": " + r.error());
  direct.push_back(*r);
  d_.outbox.publish(batch, from, activity, direct);
  return {};
}

StepOutcome BridgedPublisher::reply(const BridgeConfig& bridge, const Event& event, WriteBatch& batch) {
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) return {Step::give_up, "deleted before it crossed", std::nullopt};
  auto person = sender(bridge, event);
  if (!person) return person.error();
  std::string group = group_id(bridge);
  // What it answers on the fediverse: the parent's counterpart, else the thread root's.
  std::optional<std::string> in_reply_to;
  std::string parent_author;
  for (const auto* ref : {event.thread.parent ? &*event.thread.parent : nullptr, event.thread.root ? &*event.thread.root : nullptr}) {
    if (!ref || in_reply_to) continue;
    auto ap_id = idmap_.ap_id(ref->id);
    if (!ap_id) return {Step::retry, ap_id.error(), std::nullopt};
    if (ap_id->has_value()) {
      in_reply_to = **ap_id;
      if (auto copy = idmap_.bluesky_copy(**ap_id); copy.ok() && copy->has_value()) parent_author = (*copy)->author;
    } else if (ref == &*event.thread.parent) {
      if (d_.router.decisions().still_coming(ref->id, event.received_at_us, d_.clock()))
        return {Step::wait, "waiting for its parent to reach the fediverse", d_.clock() + 1'000'000};
    }
  }
  const LocalActor& from = **person;
  if (auto refused = group_refuses(bridge, from)) return {Step::give_up, *refused, std::nullopt};
  if (auto waiting = await_group_follow(bridge, from, event)) return *waiting;
  std::string actor_id = d_.actors.id(from);
  NoteContext context = note_context(event);
  context.actor_id = actor_id;
  context.followers = d_.actors.followers(from);
  context.note_id = bridged_object_id(actor_id, event.origin.object.id);
  context.group = group;
  address_group(bridge, context);
  context.in_reply_to = in_reply_to;
  context.parent_author = parent_author;
  auto rendered = render_note(event, context);
  if (!rendered) return {Step::give_up, rendered.error(), std::nullopt};
  const std::string& note_id = context.note_id;
  batch.put(Family::local, "object/" + note_id, rendered->note.dump());
  // The parent's author must get the reply; a mentioned fediverse account that cannot be reached
  // now does not hold the post back.
  std::vector<std::string> recipients = reachable(rendered->recipients, parent_author, note_id);
  if (Status s = publish_to_group(batch, bridge, from, rendered->create, recipients); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  BlueskyCopy copy;
  copy.bridge = bridge.name;
  copy.kind = CopyKind::reply;
  copy.author = actor_id;
  copy.records = {StrongRef{event.origin.object.id, event.origin.object.cid}};
  copy.root = event.thread.root ? StrongRef{event.thread.root->id, event.thread.root->cid} : copy.records.front();
  if (event.thread.parent) copy.parent = StrongRef{event.thread.parent->id, event.thread.parent->cid};
  idmap_.link(batch, note_id, copy);
  return {Step::done, note_id, std::nullopt};
}

StepOutcome BridgedPublisher::update(const BridgeConfig& bridge, const Event& event, WriteBatch& batch) {
  const std::string& at_uri = event.origin.object.id;
  // Only a repo's own account edits its records (the router checked; checked again here).
  if (at_uri_authority(at_uri) != event.actor.id)
    return {Step::give_up, "only its author may edit or delete it; this came from " + event.actor.id, std::nullopt};
  auto note_id = idmap_.ap_id(at_uri);
  if (!note_id) return {Step::retry, note_id.error(), std::nullopt};
  if (!note_id->has_value()) return {Step::give_up, "its copy is unknown (never bridged, or deleted)", std::nullopt};
  auto copy = idmap_.bluesky_copy(**note_id);
  if (!copy) return {Step::retry, copy.error(), std::nullopt};
  // A like or repost is not edited; the mirror's own posts are the fediverse's to edit.
  if (!copy->has_value() || (*copy)->kind != CopyKind::reply)
    return {Step::give_up, "only posts brought over from Bluesky are edited here", std::nullopt};
  auto person = sender(bridge, event);
  if (!person) return person.error();
  const LocalActor& from = **person;
  if (auto refused = group_refuses(bridge, from)) return {Step::give_up, *refused, std::nullopt};
  // The edited Note keeps its id and its place in the thread: it answers what the Note as sent
  // answered (a parent, or the thread's root when the parent never crossed).
  const BlueskyCopy& old = **copy;
  auto sent = d_.outbox.object(**note_id);
  if (!sent) return {Step::retry, sent.error(), std::nullopt};
  const json previous = sent->value_or(json::object());
  // Edits are taken in in order, but a retried older one must not undo a newer one.
  if (std::int64_t shown = parse_iso8601_us(string_member(previous, "updated")); shown > event.received_at_us)
    return {Step::give_up, "a newer edit of it is already shown", std::nullopt};
  std::string actor_id = d_.actors.id(from);
  NoteContext context = note_context(event);
  context.actor_id = actor_id;
  context.followers = d_.actors.followers(from);
  context.note_id = **note_id;
  context.group = group_id(bridge);
  address_group(bridge, context);
  if (std::string answered = string_member(previous, "inReplyTo"); !answered.empty()) {
    context.in_reply_to = answered;
    if (auto pc = idmap_.bluesky_copy(answered); pc.ok() && pc->has_value()) context.parent_author = (*pc)->author;
  }
  auto rendered = render_note(event, context);
  if (!rendered) return {Step::give_up, rendered.error(), std::nullopt};
  std::string version = event.origin.object.cid.empty() ? std::to_string(event.received_at_us) : event.origin.object.cid;
  // When the edit reached causeway: the order edits are shown in (see above).
  std::string edited_at = iso8601_utc(event.received_at_us);
  json activity = render_update(rendered->note, version, edited_at);
  json stored = rendered->note;  // what its id answers from now on: the edited Note, marked so
  stored["updated"] = edited_at;
  batch.put(Family::local, "object/" + context.note_id, stored.dump());
  // Whoever the edited post names gets the Update, as the Create went (an unreachable mention
  // does not hold it back).
  std::vector<std::string> recipients = reachable(rendered->recipients, context.parent_author, context.note_id);
  if (!context.parent_author.empty() &&
      std::find(recipients.begin(), recipients.end(), context.parent_author) == recipients.end())
    recipients.push_back(context.parent_author);
  if (Status s = publish_to_group(batch, bridge, from, activity, recipients); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  BlueskyCopy updated = old;
  if (!updated.records.empty()) updated.records.front().cid = event.origin.object.cid;
  idmap_.unlink(batch, context.note_id, old);
  idmap_.link(batch, context.note_id, updated);
  return {Step::done, activity.value("id", context.note_id) + "\nedited: the Note is updated in place", std::nullopt};
}

StepOutcome BridgedPublisher::react(const BridgeConfig& bridge, const Event& event, bool like,
                                                WriteBatch& batch) {
  if (!event.subject) return {Step::give_up, "no subject", std::nullopt};
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) return {Step::give_up, "deleted before it crossed", std::nullopt};
  auto object = idmap_.ap_id(event.subject->id);
  if (!object) return {Step::retry, object.error(), std::nullopt};
  if (!object->has_value()) {
    // A like of the mirror's own post made on Bluesky: nothing on the fediverse to like.
    return {Step::give_up, "the liked or reposted post is not on the fediverse", std::nullopt};
  }
  auto person = sender(bridge, event);
  if (!person) return person.error();
  if (auto refused = group_refuses(bridge, **person)) return {Step::give_up, *refused, std::nullopt};
  std::string author;
  if (auto copy = idmap_.bluesky_copy(**object); copy.ok() && copy->has_value()) author = (*copy)->author;
  std::string actor_id = d_.actors.id(**person);
  ReactionContext reaction{bridged_object_id(actor_id, event.origin.object.id),
                               actor_id,
                               d_.actors.followers(**person),
                               **object,
                               author,
                               group_id(bridge),
                               iso8601_utc(event.created_at_us ? event.created_at_us : event.received_at_us)};
  const std::string& id = reaction.id;
  json activity = like ? render_like(reaction) : render_announce(reaction);
  if (Status s = publish_to_group(batch, bridge, **person, activity, {author}); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  BlueskyCopy copy;
  copy.bridge = bridge.name;
  copy.kind = like ? CopyKind::like : CopyKind::repost;
  copy.author = actor_id;
  copy.records = {StrongRef{event.origin.object.id, event.origin.object.cid}};
  idmap_.link(batch, id, copy);
  return {Step::done, id, std::nullopt};
}

StepOutcome BridgedPublisher::remove(const BridgeConfig& bridge, const Event& event, WriteBatch& batch) {
  const std::string& at_uri = event.subject ? event.subject->id : event.origin.object.id;
  // Only a repo's own account removes what it wrote (the router checked; checked again here).
  std::string authority(at_uri_authority(at_uri));
  if (authority != event.actor.id)
    return {Step::give_up, "only its author may edit or delete it; this came from " + event.actor.id, std::nullopt};
  auto ap_id = idmap_.ap_id(at_uri);
  if (!ap_id) return {Step::retry, ap_id.error(), std::nullopt};
  if (!ap_id->has_value()) return {Step::give_up, "its copy is unknown (never bridged, or already deleted)", std::nullopt};
  auto copy = idmap_.bluesky_copy(**ap_id);
  if (!copy || !copy->has_value()) return {Step::give_up, "its copy is unknown", std::nullopt};
  const LocalActor* person = d_.actors.by_key(authority);
  if (!person) return {Step::give_up, "its bridged actor is unknown", std::nullopt};
  std::string actor_id = d_.actors.id(*person);
  std::string group = group_id(bridge);
  json activity;
  std::vector<std::string> extra;
  if ((*copy)->kind == CopyKind::reply) {
    activity = render_delete(**ap_id, actor_id, group);
    // Both the note and its Create answer with a Tombstone from now on.
    for (const std::string& id : {**ap_id, **ap_id + "/activity"})
      batch.put(Family::local, "object/" + id, render_tombstone(id).dump());
    if (!(*copy)->parent.uri.empty())
      if (auto parent = idmap_.ap_id((*copy)->parent.uri); parent.ok() && parent->has_value())
        if (auto pc = idmap_.bluesky_copy(**parent); pc.ok() && pc->has_value()) extra.push_back((*pc)->author);
  } else {
    auto original = d_.outbox.object(**ap_id);
    std::optional<json> known;
    if (original.ok() && original->has_value()) known = **original;
    activity = render_undo(**ap_id, known, actor_id, group);
    for (const auto& t : activity["to"])
      if (t.is_string() && t != kPublic) extra.push_back(t);
  }
  if (Status s = publish_to_group(batch, bridge, *person, activity, extra, true); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  idmap_.unlink(batch, **ap_id, **copy);
  return {Step::done, "deleted " + **ap_id, std::nullopt};
}

StepOutcome BridgedPublisher::write(LoadedJob& loaded, WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) {
  const JobOp op = loaded.job.op;
  StepOutcome outcome;
  if (op == JobOp::reply) outcome = reply(*loaded.bridge, loaded.event, batch);
  else if (op == JobOp::update) outcome = update(*loaded.bridge, loaded.event, batch);
  else if (op == JobOp::like || op == JobOp::repost) outcome = react(*loaded.bridge, loaded.event, op == JobOp::like, batch);
  else if (op == JobOp::remove) outcome = remove(*loaded.bridge, loaded.event, batch);
  else outcome = {Step::give_up, std::string("not an operation towards the fediverse: ") + job_op_name(op), std::nullopt};
  // A Bluesky delete that came while the copy was being made saw it still queued and left a
  // tombstone instead of a delete job: checked again under the ingest lock for the record (kept
  // until the job is settled). Nothing has gone out yet: the activities leave with this batch.
  const Event& event = loaded.event;
  if (outcome.step == Step::done && op != JobOp::remove) {
    settling.emplace(d_.events.locks().lock({event.origin.object.id}));
    if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) {
      settling.reset();
      batch = d_.store.batch();
      outcome = {Step::give_up, "deleted while its copy was being made; the copy was not sent", std::nullopt};
    }
  }
  return outcome;
}

}  // namespace causeway::activitypub
