#include "bridge/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bridge/base/at_uri.h"
#include "bridge/base/url.h"
#include "bridge/reply_controls.h"

namespace causeway {
namespace {

constexpr std::uint64_t kMaxBlobBytes = 50'000'000;  // a PDS takes no larger blob

bool mirrors(MirrorDirection d, bool to_bluesky) {
  return d == MirrorDirection::both || d == (to_bluesky ? MirrorDirection::to_bluesky : MirrorDirection::to_fediverse);
}

const char* visibility_reason(Visibility v) {
  return v == Visibility::followers_only ? "followers-only" : "direct message";
}

std::string not_the_author(const Event& event) {
  return "only its author may edit or delete it; this came from " + event.actor.id;
}

}  // namespace

// A Create speaks for its object only when the object is the actor's own: attributed to it and on
// its server (the inbox reads content only from such objects).
std::optional<std::string> Router::attribution_refusal(const Event& event) {
  const std::string& author = event.origin.object_author;
  if (author.empty()) return "its object names no author (attributedTo), so it is not the actor " + event.actor.id + "'s own";
  if (author != event.actor.id) return "its object is attributed to " + author + ", not to the actor " + event.actor.id;
  if (host_of_url(event.origin.object.id) != host_of_url(event.actor.id))
    return "its object " + event.origin.object.id + " is not on the server of its actor " + event.actor.id;
  return std::nullopt;
}

Router::Router(const Config& config, Store& store, DeliveryQueue& queue, Metrics& metrics, RouterHooks hooks,
               std::function<std::int64_t()> clock)
    : config_(config),
      store_(store),
      queue_(queue),
      metrics_(metrics),
      hooks_(std::move(hooks)),
      clock_(std::move(clock)),
      decisions_(store),
      moderation_(store),
      idmap_(store),
      events_(store) {
  for (const auto& b : config.bridges) routes_.push_back(Route{&b, "", ""});
}

void Router::set_group_id(const std::string& bridge, const std::string& group_id) {
  std::lock_guard lock(mu_);
  for (auto& r : routes_)
    if (r.bridge->name == bridge) r.group_id = group_id;
}

void Router::set_mirror_did(const std::string& bridge, const std::string& did) {
  std::lock_guard lock(mu_);
  for (auto& r : routes_)
    if (r.bridge->name == bridge) r.mirror_did = did;
}

std::optional<std::string> Router::mirror_did(const std::string& bridge) const {
  auto r = by_bridge(bridge);
  if (!r || r->mirror_did.empty()) return std::nullopt;
  return r->mirror_did;
}

std::optional<std::string> Router::group_id(const std::string& bridge) const {
  auto r = by_bridge(bridge);
  if (!r || r->group_id.empty()) return std::nullopt;
  return r->group_id;
}

std::optional<Router::Route> Router::by_bridge(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& r : routes_)
    if (r.bridge->name == name) return r;
  return std::nullopt;
}

std::optional<Router::Route> Router::by_group(const std::string& group_id) const {
  if (group_id.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  for (const auto& r : routes_)
    if (r.group_id == group_id) return r;
  return std::nullopt;
}

std::optional<Router::Route> Router::by_mirror_did(const std::string& did) const {
  if (did.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  for (const auto& r : routes_)
    if (r.mirror_did == did) return r;
  return std::nullopt;
}

std::optional<Router::Route> Router::by_mirror_uri(const std::string& at_uri) const {
  return by_mirror_did(std::string(at_uri_authority(at_uri)));
}

std::optional<Router::Route> Router::by_mapped_ap(const std::string& ap_id) const {
  auto copy = idmap_.bluesky_copy(ap_id);
  if (!copy.ok() || !copy->has_value()) return std::nullopt;
  return by_bridge((*copy)->bridge);
}

std::optional<Router::Route> Router::by_mapped_at(const std::string& at_uri) const {
  auto v = store_.get(Family::idmap, "at/" + at_uri);
  if (!v.ok() || !v->has_value()) return std::nullopt;
  auto j = nlohmann::json::parse(**v, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return by_bridge(j.value("bridge", ""));
}

std::optional<Router::Pending> Router::pending(const std::string& native_id) const {
  auto about = decisions_.about(native_id);
  if (!about.ok() || about->empty()) return std::nullopt;
  const Decision& last = about->back();
  if (last.outcome != Outcome::queued && last.outcome != Outcome::held) return std::nullopt;
  auto route = by_bridge(last.bridge);
  if (!route) return std::nullopt;
  return Pending{*route, last.event_id};
}

// Tombstones "gone/<native id>\n<author>" (idmap family): one per deleter, so one that is not the
// author can neither cancel the copy nor overwrite the author's own tombstone.
void Router::mark_gone(WriteBatch& batch, const std::string& native_id, const std::string& author,
                       const std::string& event_id) {
  for (unsigned char c : native_id + author)
    if (c < 0x20 || c == 0x7f) return;
  batch.put(Family::idmap, "gone/" + native_id + "\n" + author, event_id);
}

bool Router::gone(const Store& store, const std::string& native_id, const std::string& author) {
  auto v = store.get(Family::idmap, "gone/" + native_id + "\n" + author);
  return v.ok() && v->has_value();
}

void Router::change_before_crossing(WriteBatch& batch, const Event& event, const Pending& waiting,
                                    const std::string& target, bool deleting) {
  const std::string& name = waiting.route.bridge->name;
  auto queued = events_.get(waiting.event_id);
  // A followed group's Announce names no author: the post is fetched from its origin later, and
  // only someone on that server can be its author (the writer checks the tombstone against the
  // author it fetched). Otherwise the author is the queued event's actor.
  bool known = queued.ok() && queued->has_value() && (*queued)->kind != EventKind::repost;
  bool by_author = known ? (*queued)->actor.id == event.actor.id : host_of_url(event.actor.id) == host_of_url(target);
  // Said of this activity only: the queued copy's own story stays "queued".
  if (!by_author) return decide(batch, event, name, Outcome::not_bridged, not_the_author(event), false);
  if (!deleting)
    return decide(batch, event, name, Outcome::not_bridged,
                  known ? "edited before it crossed; the version already on its way goes"
                        : "edited before it crossed; the version its server gives when fetched goes",
                  false);
  mark_gone(batch, target, event.actor.id, event.id);
  if (known) return decide(batch, event, name, Outcome::not_bridged, "deleted before it crossed; its copy will not be made");
  decide(batch, event, name, Outcome::not_bridged,
         "deleted before it crossed; its copy will not be made if " + event.actor.id + " wrote it", false);
}

std::optional<std::string> Router::direct_post_refusal(const Route& route, const Event& event) const {
  const BridgeConfig& bridge = *route.bridge;
  if (!bridge.fediverse.group || event.actor.id == route.group_id) return std::nullopt;  // the group's own words
  switch (bridge.fediverse_replies) {
    case FediverseReplies::anyone:
      return std::nullopt;
    case FediverseReplies::members:
      if (moderation_.was_announced(bridge.name, event.actor.id)) return std::nullopt;
      return "sent to causeway directly by " + event.actor.id +
             ", whom the group never announced (members.fediverse_replies: members)";
    case FediverseReplies::via_group:
      break;
  }
  return std::string("sent to causeway directly, not announced by the group (members.fediverse_replies: via_group)");
}

void Router::count(const Event& event, const std::string& bridge, const char* outcome) {
  metrics_
      .counter("causeway_bridge_events_total", "Events routed, by bridge, source network, kind and outcome.",
               {{"bridge", bridge.empty() ? "-" : bridge},
                {"from", to_string(event.origin.network)},
                {"kind", to_string(event.kind)},
                {"outcome", outcome}})
      .inc();
}

void Router::decide(WriteBatch& batch, const Event& event, const std::string& bridge, Outcome outcome,
                    const std::string& reason, bool about_object) {
  Decision d{event.origin.activity_id, bridge, outcome, reason, "", event.id, clock_()};
  decisions_.record(batch, d);
  if (about_object && !event.origin.object.id.empty() && event.origin.object.id != event.origin.activity_id) {
    d.native_id = event.origin.object.id;
    decisions_.record(batch, d);
  }
  if (!event.origin.relayed_id.empty()) {
    d.native_id = event.origin.relayed_id;  // the group's Announce, as it arrived
    decisions_.record(batch, d);
  }
  count(event, bridge, outcome == Outcome::not_bridged ? "not_bridged" : outcome == Outcome::held ? "held" : "queued");
  if (!bridge.empty())
    batch.put(Family::meta, "bridge-last/" + bridge,
              nlohmann::json{{"event", event.id},
                             {"id", event.origin.activity_id},
                             {"from", to_string(event.origin.network)},
                             {"kind", to_string(event.kind)},
                             {"outcome", to_string(outcome)},
                             {"at_us", d.at_us}}
                  .dump());
  if (outcome == Outcome::not_bridged)
    spdlog::info("bridge {}: {} {} not bridged: {}", bridge.empty() ? "-" : bridge, to_string(event.kind),
                 event.origin.activity_id, reason);
}

void Router::enqueue(WriteBatch& batch, const Event& event, const Route& route, const char* kind,
                     JobOp op, const std::string& target) {
  Job job;
  job.id = event.id + "." + route.bridge->name;
  job.kind = kind;
  job.target = target;
  job.payload = encode_bridge_job({event.id, route.bridge->name, op, ""});
  bool from_bluesky = event.origin.network == Network::atproto;
  if (from_bluesky && op == JobOp::update && route.bridge->bluesky_posting == BlueskyPosting::approved &&
      moderation_.verdict(route.bridge->name, event.actor.id) == Verdict::denied) {
    // Denied after their post was let in: they cannot change what it says either.
    decide(batch, event, route.bridge->name, Outcome::not_bridged, "the author was denied by an operator");
    return;
  }
  if (from_bluesky && (op == JobOp::reply) && route.bridge->bluesky_posting == BlueskyPosting::approved) {
    Verdict v = moderation_.verdict(route.bridge->name, event.actor.id);
    if (v == Verdict::denied) {
      decide(batch, event, route.bridge->name, Outcome::not_bridged, "the author was denied by an operator");
      return;
    }
    if (v == Verdict::none) {
      moderation_.hold(batch, route.bridge->name, event.actor.id, event.id, job);
      decide(batch, event, route.bridge->name, Outcome::held,
             "waiting for an operator: causeway members approve --bridge " + route.bridge->name + " " + event.actor.id);
      return;
    }
  }
  queue_.enqueue(batch, std::move(job));
  decide(batch, event, route.bridge->name, Outcome::queued, job_op_name(op));
}

std::optional<std::string> Router::post_refusal(const BridgeConfig& bridge, const Event& event) const {
  std::string host = host_of_url(event.actor.id);
  if (domain_in(host, config_.blocked_domains) || domain_in(host, bridge.blocked.domains))
    return "author's domain blocked: " + host;
  if (moderation_.is_deleted_account(event.actor.id)) return std::string("its author deleted their account");
  if (!event.may_cross()) return std::string(visibility_reason(event.audience.visibility));
  const std::string& type = event.origin.object_type;
  if (!type.empty() && type != "Note" && type != "Article" && type != "Page")
    return type == "Question" ? "polls cannot be represented on Bluesky" : type + " cannot be represented on Bluesky";
  for (const auto& m : event.media)
    if (m.mime_type.rfind("video/", 0) == 0 && m.size > kMaxBlobBytes) return std::string("a video over Bluesky's 50 MB limit");
  if (event.kind == EventKind::reply && !mirrors(bridge.mirror.replies, true))
    return std::string("replies are not mirrored to Bluesky (mirror.replies)");
  return std::nullopt;
}

void Router::route(WriteBatch& batch, const Event& event) {
  if (event.origin.network == Network::activitypub) route_from_fediverse(batch, event);
  else route_from_bluesky(batch, event);
}

void Router::route_from_fediverse(WriteBatch& batch, const Event& event) {
  if (!event.origin.relayed_by.empty()) return route_relayed(batch, event);
  const std::string& object = event.origin.object.id;
  std::optional<Route> route;
  JobOp op = JobOp::post;
  switch (event.kind) {
    case EventKind::post:
    case EventKind::reply:
      route = by_group(event.audience.group);
      // A followed group's own post (a boost group's channel writing itself).
      if (!route)
        if (auto own = by_group(event.actor.id); own && own->bridge->fediverse.group) route = own;
      if (!route && event.thread.parent) route = by_mapped_ap(event.thread.parent->id);
      op = JobOp::post;
      break;
    case EventKind::repost:
      // A followed remote group boosting a member's post: that is how its posts reach us.
      route = by_group(event.actor.id);
      if (route && route->bridge->fediverse.group) op = JobOp::fetch_post;
      else route.reset();
      break;
    case EventKind::update:
    case EventKind::remove: {
      // An account deleted by its own server (Delete whose object is the actor, signed by it):
      // its posts' copies go from every bridge.
      if (event.kind == EventKind::remove && event.subject && event.subject->id == event.actor.id)
        return route_account_deletion(batch, event);
      op = event.kind == EventKind::update ? JobOp::update : JobOp::remove;
      const std::string& target = op == JobOp::remove && event.subject ? event.subject->id : object;
      auto copy = idmap_.bluesky_copy(target);
      if (copy.ok() && copy->has_value()) {
        route = by_bridge((*copy)->bridge);
        if (route && op == JobOp::remove && removed_by_group(*route, event, **copy))
          return route_group_removal(batch, event, route->bridge->name, target);
        // Only the author may change or remove what was bridged of theirs (said of this activity
        // only: the copy's own story stays "bridged").
        if (route && !(*copy)->author.empty() && (*copy)->author != event.actor.id)
          return decide(batch, event, route->bridge->name, Outcome::not_bridged, not_the_author(event), false);
      } else if (auto waiting = pending(target)) {
        return change_before_crossing(batch, event, *waiting, target, op == JobOp::remove);
      }
      if (route && op == JobOp::update && event.origin.object_type.empty())
        return decide(batch, event, route->bridge->name, Outcome::not_bridged,
                      "the edit carries no content from its author's server");
      break;
    }
    default:
      return;  // follows, accepts, likes ...: the ActivityPub side's own business
  }
  if (!route) return;  // nothing to do with any bridge
  const std::string& name = route->bridge->name;
  if (op == JobOp::post || op == JobOp::fetch_post) {
    // The same post can reach us twice (addressed to us, and announced by a group).
    auto copy = idmap_.bluesky_copy(object);
    if (copy.ok() && copy->has_value() && !(*copy)->records.empty())
      return decide(batch, event, name, Outcome::not_bridged, "already bridged as " + (*copy)->records.front().uri, false);
    // (Said of this activity only: the post's own story stays "queued", then "bridged".)
    if (pending(object)) return decide(batch, event, name, Outcome::not_bridged, "already on its way", false);
  }
  if (op == JobOp::post) {
    // About the object only when it is in the actor's own namespace: a forged claim on someone
    // else's post must not become that post's story.
    bool own_id = host_of_url(object) == host_of_url(event.actor.id);
    if (auto refused = attribution_refusal(event)) return decide(batch, event, name, Outcome::not_bridged, *refused, own_id);
    if (auto refused = direct_post_refusal(*route, event)) return decide(batch, event, name, Outcome::not_bridged, *refused);
  }
  if (hooks_.is_local && (hooks_.is_local(event.actor.id) || hooks_.is_local(object)))
    return decide(batch, event, name, Outcome::not_bridged, "written by causeway itself (loop prevention)");
  if (!route->bridge->bluesky) return decide(batch, event, name, Outcome::not_bridged, "the bridge has no Bluesky side");
  if (op == JobOp::remove) {
    // Deletes always go through: what was bridged before a block must still be removable.
  } else if (op == JobOp::post || op == JobOp::update) {
    if (auto refused = post_refusal(*route->bridge, event)) return decide(batch, event, name, Outcome::not_bridged, *refused);
    if (route->bridge->fediverse.host && hooks_.is_member && !hooks_.is_member(route->group_id, event.actor.id))
      return decide(batch, event, name, Outcome::not_bridged, "the author is not a member of the group");
  } else {
    std::string host = host_of_url(event.actor.id);
    if (domain_in(host, config_.blocked_domains) || domain_in(host, route->bridge->blocked.domains))
      return decide(batch, event, name, Outcome::not_bridged, "the group's domain is blocked: " + host);
  }
  enqueue(batch, event, *route, kToBlueskyJob, op, route->bridge->bluesky->pds.to_string());
}

void Router::route_from_bluesky(WriteBatch& batch, const Event& event) {
  const std::string& author = event.actor.id;
  std::optional<Route> route;
  JobOp op = JobOp::post;
  switch (event.kind) {
    case EventKind::reply:
      if (event.thread.root) route = by_mirror_uri(event.thread.root->id);
      if (!route && event.thread.parent) route = by_mirror_uri(event.thread.parent->id);
      if (!route && event.thread.parent) route = by_mapped_at(event.thread.parent->id);
      op = JobOp::reply;
      break;
    case EventKind::post:
      for (const auto& f : event.content.facets)
        if (!route && f.type == Facet::Type::mention) route = by_mirror_did(f.target);
      op = JobOp::reply;  // a mention of the mirror account starts a thread in the group
      break;
    case EventKind::like:
    case EventKind::repost:
      if (event.subject) route = by_mirror_uri(event.subject->id);
      if (!route && event.subject) route = by_mapped_at(event.subject->id);
      op = event.kind == EventKind::like ? JobOp::like : JobOp::repost;
      break;
    case EventKind::follow:
      if (event.subject) route = by_mirror_did(event.subject->id);
      if (route && author != route->mirror_did) {
        moderation_.add_follower(batch, route->bridge->name, author, event.origin.activity_id);
        decide(batch, event, route->bridge->name, Outcome::not_bridged,
               "recorded: the account follows the mirror account (it counts for members.bluesky_posting: followers)");
      }
      return;
    case EventKind::remove: {
      if (!event.subject) return;
      const std::string& target = event.subject->id;
      // The firehose cannot even say otherwise (the at-uri names the repo), but an event is not
      // trusted to: only a repo's own account deletes its records.
      auto refuse = [&](const std::string& bridge) {
        spdlog::warn("bluesky: delete of {} by {} refused: only its author may delete it", target, author);
        // Said of this event only, never as the record's own story (a firehose delete has its id).
        if (event.origin.activity_id != target) decide(batch, event, bridge, Outcome::not_bridged, not_the_author(event), false);
      };
      if (at_uri_authority(target) != author) return refuse("");
      if (moderation_.remove_follow_record(batch, target)) return;
      route = by_mapped_at(target);
      if (!route)
        if (auto waiting = pending(target)) {
          auto queued = events_.get(waiting->event_id);
          if (!queued.ok() || !queued->has_value() || (*queued)->actor.id != author)
            return refuse(waiting->route.bridge->name);
          mark_gone(batch, target, author, event.id);
          return decide(batch, event, waiting->route.bridge->name, Outcome::not_bridged,
                        "deleted before it crossed; its copy will not be made");
        }
      op = JobOp::remove;
      break;
    }
    case EventKind::update:
      // An edit (putRecord) of a post brought over: its Note is updated. Only a repo's own
      // account edits its records; the mirror account's own edits are causeway's (below).
      if (at_uri_authority(event.origin.object.id) != author) return;
      route = by_mapped_at(event.origin.object.id);
      op = JobOp::update;
      break;
    default:
      return;
  }
  if (!route) return;
  const std::string& name = route->bridge->name;
  if (author == route->mirror_did || by_mirror_did(author))
    return decide(batch, event, name, Outcome::not_bridged, "written by causeway itself (the mirror account)");
  auto blocked = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), author) != list.end();
  };
  if (op != JobOp::remove && (blocked(config_.blocked_accounts) || blocked(route->bridge->blocked.dids)))
    return decide(batch, event, name, Outcome::not_bridged, "account blocked: " + author);
  if ((op == JobOp::reply || op == JobOp::update) && !mirrors(route->bridge->mirror.replies, false))
    return decide(batch, event, name, Outcome::not_bridged, "replies are not mirrored to the fediverse (mirror.replies)");
  if (op == JobOp::like && !mirrors(route->bridge->mirror.likes, false))
    return decide(batch, event, name, Outcome::not_bridged, "likes are not mirrored to the fediverse (mirror.likes)");
  if (op == JobOp::repost && !mirrors(route->bridge->mirror.reposts, false))
    return decide(batch, event, name, Outcome::not_bridged, "reposts are not mirrored to the fediverse (mirror.reposts)");
  if (op == JobOp::reply && route->bridge->bluesky_posting == BlueskyPosting::followers &&
      !moderation_.is_follower(name, author))
    return decide(batch, event, name, Outcome::not_bridged,
                  "the author does not follow the mirror account (members.bluesky_posting: followers)");
  enqueue(batch, event, *route, kToFediverseJob, op, route->group_id.empty() ? name : route->group_id);
}

bool Router::removed_by_group(const Route& route, const Event& remove_event, const BlueskyCopy& copy) {
  // A followed group's own Delete of the Note causeway made for a Bluesky reply: its moderators
  // took the reply out of the group (a hosted group's moderators are causeway's operators).
  return copy.kind == CopyKind::reply && route.bridge->fediverse.group && !route.group_id.empty() &&
         remove_event.actor.id == route.group_id;
}

void Router::route_group_removal(WriteBatch& batch, const Event& remove_event, const std::string& bridge_name,
                                 const std::string& note_id) {
  auto route = by_bridge(bridge_name);
  if (!route) return;
  auto copy = idmap_.bluesky_copy(note_id);
  if (!copy.ok() || !copy->has_value() || (*copy)->kind != CopyKind::reply || (*copy)->records.empty() ||
      (*copy)->bridge != bridge_name)
    return decide(batch, remove_event, bridge_name, Outcome::not_bridged,
                  "removed by the group, but " + note_id + " is no Bluesky reply brought over: nothing to hide", false);
  if (!route->bridge->bluesky) return decide(batch, remove_event, bridge_name, Outcome::not_bridged, "the bridge has no Bluesky side");
  // The reply stays on Bluesky (it is its author's), hidden under the group's post as the group
  // no longer shows it; its copy in the group is the group's to delete, so the mapping stays.
  queue_.enqueue(batch, reply_control_job(*route->bridge, JobOp::hide, remove_event.id, (*copy)->records.front().uri, clock_()));
  decide(batch, remove_event, bridge_name, Outcome::queued, "hidden on Bluesky: removed by the group's moderators");
}

void Router::route_account_deletion(WriteBatch& batch, const Event& event) {
  const std::string& actor = event.actor.id;
  // Forgotten from now on: what is still on its way is not made.
  moderation_.set_deleted_account(batch, actor, event.id);
  bool any = false;
  for (const auto& bridge : config_.bridges) {
    auto copies = idmap_.posts_by(bridge.name, actor, 1);
    if (!bridge.bluesky || !copies.ok() || copies->empty()) continue;
    any = true;
    Job job;
    job.id = event.id + "." + bridge.name;
    job.kind = kToBlueskyJob;
    job.target = bridge.bluesky->pds.to_string();
    job.payload = encode_bridge_job({event.id, bridge.name, JobOp::remove_author, actor});
    queue_.enqueue(batch, std::move(job));
    decide(batch, event, bridge.name, Outcome::queued, "the account was deleted: every copy of its posts goes", false);
  }
  if (!any) decide(batch, event, "", Outcome::not_bridged, "the account " + actor + " was deleted; none of its posts was mirrored", false);
}

}  // namespace causeway
