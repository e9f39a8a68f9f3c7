#include "bridge/daemon/fediverse_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include "bridge/base/clock.h"
#include "bridge/rich_text.h"
#include "protocols/activitypub/as2.h"
#include "protocols/activitypub/group_policy.h"
#include "protocols/activitypub/html_text.h"
#include "protocols/atproto/post_record.h"
#include "protocols/atproto/watch_filter.h"

namespace causeway {
namespace {

using nlohmann::json;
namespace ap = activitypub;

constexpr std::size_t kMaxMentionedActors = 5;

// "at://did/collection/rkey" -> "collection/rkey"
std::string record_path(const std::string& at_uri) {
  auto slash = at_uri.find('/', 5);
  return slash == std::string::npos ? at_uri : at_uri.substr(slash + 1);
}

}  // namespace

FediverseWriter::FediverseWriter(FediverseWriterDeps deps)
    : d_(std::move(deps)),
      idmap_(d_.store),
      worker_(d_.queue, kToFediverseJob, [this](Job job) { handle(std::move(job)); }, [this] { settle_held(); }) {}

void FediverseWriter::settle_held() {
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

FediverseWriter::~FediverseWriter() { stop(); }
void FediverseWriter::start() { worker_.start(); }
void FediverseWriter::stop() { worker_.stop(); }

std::string FediverseWriter::group_id(const BridgeConfig& bridge) const {
  if (bridge.fediverse.host)
    if (const ap::LocalActor* g = d_.actors.by_key("group/" + bridge.fediverse.host->name)) return d_.actors.id(*g);
  return d_.router.group_id(bridge.name).value_or("");
}

bool FediverseWriter::handle_blocked(const BridgeConfig& bridge, const std::string& handle) const {
  auto in = [&](const std::vector<std::string>& list) {
    for (const auto& h : list)
      if (handle == h || (handle.size() > h.size() && handle.compare(handle.size() - h.size() - 1, h.size() + 1, "." + h) == 0))
        return true;
    return false;
  };
  return in(bridge.blocked.handles) || in(d_.config.blocked_accounts);
}

std::string FediverseWriter::note_html(const Event& event) {
  RichText text{event.content.text, event.content.facets};
  return ap::text_to_html(
      text,
      [this, made = std::size_t{0}](const std::string& did) mutable -> ap::MentionLink {
        for (const auto& b : d_.config.bridges)
          if (d_.router.mirror_did(b.name) == did) {
            std::string g = group_id(b);
            if (const ap::LocalActor* group = d_.actors.by_url(g))
              return {g, group->username + "@" + d_.actors.host()};
          }
        // A few mentions become bridged actors; a post cannot make causeway create thousands.
        if (made++ < kMaxMentionedActors)
          if (auto person = d_.bridged.ensure(did); person.ok())
            return {d_.actors.id(**person), (*person)->username + "@" + d_.actors.host()};
        return {"https://bsky.app/profile/" + did, did};
      },
      "https://bsky.app/hashtag/");
}

std::optional<std::string> FediverseWriter::group_refuses(const BridgeConfig& bridge, const ap::LocalActor& from) const {
  std::string g = group_id(bridge);
  if (g.empty() || bridge.fediverse.host) return std::nullopt;
  if (auto f = d_.social.following("bridge", g); f.ok() && f->has_value() && (*f)->state == "rejected")
    return "the group rejected the bridge's follow request";
  if (d_.social.is_blocked_by(g, from.key) || d_.social.is_blocked_by(g, "bridge"))
    return "the group blocks " + d_.actors.id(from);
  return std::nullopt;
}

Status FediverseWriter::publish_to_group(WriteBatch& batch, const BridgeConfig& bridge, const ap::LocalActor& from,
                                         const json& activity, const std::vector<std::string>& extra_actors,
                                         bool to_members) {
  std::vector<ap::Follower> direct;
  for (const auto& actor : extra_actors) {
    if (actor.empty() || d_.actors.by_url(actor)) continue;  // local actors need no delivery
    auto r = d_.recipient(actor);
    if (!r) return make_error("cannot reach " + actor + ": " + r.error());
    direct.push_back(*r);
  }
  // Fediverse users may follow a bridged actor directly: they get what it says too.
  if (auto own = d_.social.followers(from.key); own.ok()) direct.insert(direct.end(), own->begin(), own->end());
  if (bridge.fediverse.host) {
    const ap::LocalActor* group = d_.actors.by_key("group/" + bridge.fediverse.host->name);
    if (!group) return make_error("the hosted group is missing");
    auto view = ap::view_activity(activity);
    if (!view) return make_error("built an invalid activity: " + view.error());
    auto members = d_.social.followers(group->key);
    if (!members) return Error{members.error()};
    // Mastodon ignores a group's Announce of a Delete or Undo: those go to the members directly.
    if (to_members) direct.insert(direct.end(), members->begin(), members->end());
    d_.outbox.publish(batch, from, activity, direct);
    json announce = ap::group_announce(d_.actors, *group, *view, activity, iso8601_utc(now_us()));
    d_.outbox.publish(batch, *group, announce, *members);
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

StepOutcome FediverseWriter::reply(const BridgeConfig& bridge, const Event& event, WriteBatch& batch) {
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) return {Step::give_up, "deleted before it crossed", std::nullopt};
  auto person = d_.bridged.ensure(event.actor.id);
  if (!person) return {Step::retry, person.error(), std::nullopt};
  if (handle_blocked(bridge, (*person)->username))
    return {Step::give_up, "account blocked: " + (*person)->username, std::nullopt};
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
      if (still_coming(d_.router.decisions(), ref->id, event.received_at_us))
        return {Step::wait, "waiting for its parent to reach the fediverse", now_us() + 1'000'000};
    }
  }
  const ap::LocalActor& from = **person;
  if (auto refused = group_refuses(bridge, from)) return {Step::give_up, *refused, std::nullopt};
  std::string actor_id = d_.actors.id(from);
  std::string note_id = actor_id + "/" + record_path(event.origin.object.id);
  std::string published = iso8601_utc(event.created_at_us ? event.created_at_us : event.received_at_us);
  json to = json::array({ap::kPublic});
  json cc = json::array({d_.actors.followers(from)});
  if (!group.empty()) cc.push_back(group);
  if (!parent_author.empty()) cc.push_back(parent_author);
  json tags = json::array();
  for (const auto& f : event.content.facets) {
    if (f.type == Facet::Type::hashtag)
      tags.push_back({{"type", "Hashtag"}, {"name", "#" + f.target}, {"href", "https://bsky.app/hashtag/" + f.target}});
  }
  std::string html = note_html(event);
  std::size_t mentioned = 0;
  for (const auto& f : event.content.facets) {
    if (f.type != Facet::Type::mention || mentioned++ >= kMaxMentionedActors) continue;
    if (auto p = d_.bridged.ensure(f.target); p.ok())
      tags.push_back({{"type", "Mention"}, {"href", d_.actors.id(**p)}, {"name", "@" + (*p)->username + "@" + d_.actors.host()}});
  }
  json note{{"id", note_id},
            {"type", "Note"},
            {"attributedTo", actor_id},
            {"content", html},
            {"published", published},
            {"to", to},
            {"cc", cc},
            {"url", "https://bsky.app/profile/" + event.actor.id + "/post/" + atproto::rkey_of(event.origin.object.id)},
            {"tag", tags}};
  if (!group.empty()) note["audience"] = group;
  if (in_reply_to) note["inReplyTo"] = *in_reply_to;
  if (!event.content.languages.empty()) note["contentMap"] = {{event.content.languages.front(), html}};
  if (!event.content.labels.empty()) note["sensitive"] = true;
  json attachments = json::array();
  for (const auto& m : event.media) {
    // "at://<did>/blob/<cid>": served by the author's PDS.
    std::string cid = m.url.substr(m.url.rfind('/') + 1);
    std::string url = d_.bridged.blob_url(event.actor.id, cid);
    if (url.empty()) continue;
    json a{{"type", "Document"}, {"mediaType", m.mime_type}, {"url", url}, {"name", m.alt}};
    if (m.width && m.height) a["width"] = m.width, a["height"] = m.height;
    attachments.push_back(a);
  }
  if (!attachments.empty()) note["attachment"] = attachments;
  json create{{"@context", "https://www.w3.org/ns/activitystreams"},
              {"id", note_id + "/activity"},
              {"type", "Create"},
              {"actor", actor_id},
              {"object", note},
              {"to", to},
              {"cc", cc},
              {"published", published}};
  json stored_note = note;
  stored_note["@context"] = "https://www.w3.org/ns/activitystreams";
  batch.put(Family::local, "object/" + note_id, stored_note.dump());
  if (Status s = publish_to_group(batch, bridge, from, create, {parent_author}); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  BlueskyCopy copy;
  copy.bridge = bridge.name;
  copy.kind = "reply";
  copy.author = actor_id;
  copy.records = {StrongRef{event.origin.object.id, event.origin.object.cid}};
  copy.root = event.thread.root ? StrongRef{event.thread.root->id, event.thread.root->cid} : copy.records.front();
  if (event.thread.parent) copy.parent = StrongRef{event.thread.parent->id, event.thread.parent->cid};
  idmap_.link(batch, note_id, copy);
  return {Step::done, note_id, std::nullopt};
}

StepOutcome FediverseWriter::react(const BridgeConfig& bridge, const Event& event, bool like,
                                                WriteBatch& batch) {
  if (!event.subject) return {Step::give_up, "no subject", std::nullopt};
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) return {Step::give_up, "deleted before it crossed", std::nullopt};
  auto object = idmap_.ap_id(event.subject->id);
  if (!object) return {Step::retry, object.error(), std::nullopt};
  if (!object->has_value()) {
    // A like of the mirror's own post made on Bluesky: nothing on the fediverse to like.
    return {Step::give_up, "the liked or reposted post is not on the fediverse", std::nullopt};
  }
  auto person = d_.bridged.ensure(event.actor.id);
  if (!person) return {Step::retry, person.error(), std::nullopt};
  if (handle_blocked(bridge, (*person)->username))
    return {Step::give_up, "account blocked: " + (*person)->username, std::nullopt};
  if (auto refused = group_refuses(bridge, **person)) return {Step::give_up, *refused, std::nullopt};
  std::string author;
  if (auto copy = idmap_.bluesky_copy(**object); copy.ok() && copy->has_value()) author = (*copy)->author;
  std::string actor_id = d_.actors.id(**person);
  std::string id = actor_id + "/" + record_path(event.origin.object.id);
  std::string group = group_id(bridge);
  json activity{{"@context", "https://www.w3.org/ns/activitystreams"},
                {"id", id},
                {"type", like ? "Like" : "Announce"},
                {"actor", actor_id},
                {"object", **object},
                {"published", iso8601_utc(event.created_at_us ? event.created_at_us : event.received_at_us)}};
  json to = json::array(), cc = json::array();
  if (!author.empty()) to.push_back(author);
  if (!like) to.push_back(ap::kPublic), cc.push_back(d_.actors.followers(**person));
  if (!group.empty()) cc.push_back(group);
  activity["to"] = to;
  activity["cc"] = cc;
  if (!group.empty()) activity["audience"] = group;
  if (Status s = publish_to_group(batch, bridge, **person, activity, {author}); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  BlueskyCopy copy;
  copy.bridge = bridge.name;
  copy.kind = like ? "like" : "repost";
  copy.author = actor_id;
  copy.records = {StrongRef{event.origin.object.id, event.origin.object.cid}};
  idmap_.link(batch, id, copy);
  return {Step::done, id, std::nullopt};
}

StepOutcome FediverseWriter::remove(const BridgeConfig& bridge, const Event& event, WriteBatch& batch) {
  const std::string& at_uri = event.subject ? event.subject->id : event.origin.object.id;
  // Only a repo's own account removes what it wrote (the router checked; checked again here).
  if (atproto::at_uri_authority(at_uri) != event.actor.id)
    return {Step::give_up, "only its author may edit or delete it; this came from " + event.actor.id, std::nullopt};
  auto ap_id = idmap_.ap_id(at_uri);
  if (!ap_id) return {Step::retry, ap_id.error(), std::nullopt};
  if (!ap_id->has_value()) return {Step::give_up, "its copy is unknown (never bridged, or already deleted)", std::nullopt};
  auto copy = idmap_.bluesky_copy(**ap_id);
  if (!copy || !copy->has_value()) return {Step::give_up, "its copy is unknown", std::nullopt};
  const ap::LocalActor* person = d_.actors.by_key(std::string(atproto::at_uri_authority(at_uri)));
  if (!person) return {Step::give_up, "its bridged actor is unknown", std::nullopt};
  std::string actor_id = d_.actors.id(*person);
  json activity;
  std::vector<std::string> extra;
  if ((*copy)->kind == "reply") {
    activity = {{"@context", "https://www.w3.org/ns/activitystreams"},
                {"id", **ap_id + "#delete"},
                {"type", "Delete"},
                {"actor", actor_id},
                {"object", {{"id", **ap_id}, {"type", "Tombstone"}}},
                {"to", json::array({ap::kPublic})}};
    // Both the note and its Create answer with a Tombstone from now on.
    for (const std::string& id : {**ap_id, **ap_id + "/activity"})
      batch.put(Family::local, "object/" + id,
                json{{"@context", "https://www.w3.org/ns/activitystreams"}, {"id", id}, {"type", "Tombstone"}}.dump());
    if (!(*copy)->parent.uri.empty())
      if (auto parent = idmap_.ap_id((*copy)->parent.uri); parent.ok() && parent->has_value())
        if (auto pc = idmap_.bluesky_copy(**parent); pc.ok() && pc->has_value()) extra.push_back((*pc)->author);
  } else {
    auto original = d_.outbox.object(**ap_id);
    json inner = original.ok() && original->has_value() ? **original : json{{"id", **ap_id}};
    inner.erase("@context");
    activity = {{"@context", "https://www.w3.org/ns/activitystreams"},
                {"id", **ap_id + "#undo"},
                {"type", "Undo"},
                {"actor", actor_id},
                {"object", inner},
                {"to", inner.value("to", json::array())}};
    if (inner.contains("to") && inner["to"].is_array())
      for (const auto& t : inner["to"])
        if (t.is_string() && t != ap::kPublic) extra.push_back(t);
  }
  std::string group = group_id(bridge);
  if (!group.empty()) activity["cc"] = json::array({group});
  if (Status s = publish_to_group(batch, bridge, *person, activity, extra, true); !s.ok())
    return {Step::retry, s.error(), std::nullopt};
  idmap_.unlink(batch, **ap_id, **copy);
  return {Step::done, "deleted " + **ap_id, std::nullopt};
}

void FediverseWriter::handle(Job job) {
  auto loaded = load_bridge_job(job, d_.queue, d_.events, d_.config, "the fediverse");
  if (!loaded) return;
  const std::string& op = loaded->job.op;
  WriteBatch batch = d_.store.batch();
  StepOutcome outcome;
  if (op == "reply") outcome = reply(*loaded->bridge, loaded->event, batch);
  else if (op == "like" || op == "repost") outcome = react(*loaded->bridge, loaded->event, op == "like", batch);
  else if (op == "delete") outcome = remove(*loaded->bridge, loaded->event, batch);
  else outcome = {Step::give_up, "unknown operation " + op, std::nullopt};
  // A Bluesky delete that came while the copy was being made saw it still queued and left a
  // tombstone instead of a delete job: checked again under the ingest lock for the record (kept
  // until the job is settled). Nothing has gone out yet: the activities leave with this batch.
  std::optional<IngestLocks::Guard> settling;
  const Event& event = loaded->event;
  if (outcome.step == Step::done && op != "delete") {
    settling.emplace(d_.events.locks().lock({event.origin.object.id}));
    if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) {
      settling.reset();
      batch = d_.store.batch();
      outcome = {Step::give_up, "deleted while its copy was being made; the copy was not sent", std::nullopt};
    }
  }
  settle_bridge_job(Settle{d_.queue, d_.store, d_.router.decisions(), d_.metrics, "activitypub"}, job, *loaded, outcome,
                    batch);
}

}  // namespace causeway
