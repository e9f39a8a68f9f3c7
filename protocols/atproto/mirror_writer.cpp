#include "protocols/atproto/mirror_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "bridge/base/clock.h"
#include "bridge/rich_text.h"
#include "config/secret_value.h"
#include "protocols/atproto/post_options.h"
#include "protocols/atproto/post_render.h"
#include "protocols/atproto/threadgate.h"

namespace causeway::atproto {
namespace {

constexpr const char* kPost = "app.bsky.feed.post";
constexpr std::int64_t kLoginRetryUs = 60'000'000;  // a failing account is tried again after a minute

// The router lets only an item's author change or remove its copy; checked again where it happens.
std::optional<StepOutcome> not_the_author(const BlueskyCopy& copy, const Event& event) {
  if (copy.author.empty() || copy.author == event.actor.id) return std::nullopt;
  // A removal the bridge's followed group passed on: the group decides what stays in it (the
  // router routed it only for that group's bridge).
  if (event.kind == EventKind::remove && !event.origin.relayed_by.empty()) return std::nullopt;
  return StepOutcome{Step::give_up, "only its author may edit or delete it; this came from " + event.actor.id, std::nullopt};
}

std::string join(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

}  // namespace

MirrorWriter::MirrorWriter(MirrorWriterDeps deps)
    : d_(std::move(deps)), idmap_(d_.store), controls_(d_.store, d_.queue, d_.clock) {
  for (const auto& b : d_.config.bridges) {
    if (!b.bluesky) continue;
    std::string name = b.name;
    d_.metrics.gauge("causeway_bridge_failing", "1 while a bridge's mirror account cannot log in.",
                     [this, name] { return failing(name) ? 1.0 : 0.0; }, {{"bridge", name}});
  }
}

bool MirrorWriter::failing(const std::string& bridge) const {
  std::lock_guard lock(failing_mu_);
  auto it = failing_.find(bridge);
  return it != failing_.end() && it->second;
}

void MirrorWriter::set_failing(const std::string& bridge, bool failing) {
  std::lock_guard lock(failing_mu_);
  failing_[bridge] = failing;
}

XrpcClient* MirrorWriter::client_for(const BridgeConfig& bridge, std::string& error) {
  std::lock_guard lock(mu_);
  auto& slot = clients_[bridge.name];
  if (slot && slot->did()) return slot.get();
  auto password = read_secret(bridge.bluesky->app_password);
  if (!password) {
    error = "app password: " + password.error();
    set_failing(bridge.name, true);
    return nullptr;
  }
  if (!slot) {
    std::string origin = bridge.bluesky->pds.scheme + "://" + bridge.bluesky->pds.authority();
    slot = std::make_unique<XrpcClient>(origin, d_.http, d_.store, d_.vault, d_.clock,
                                                 [](std::chrono::microseconds d) { std::this_thread::sleep_for(d); });
  }
  auto login = slot->login(bridge.bluesky->handle, *password);
  if (!login.ok()) {
    error = "cannot log in as " + bridge.bluesky->handle + ": " + login.error().describe();
    set_failing(bridge.name, login.error().kind == XrpcError::Kind::auth || failing(bridge.name));
    return nullptr;
  }
  set_failing(bridge.name, false);
  return slot.get();
}

StepOutcome MirrorWriter::from_error(const XrpcError& error, const std::string& bridge) {
  using K = XrpcError::Kind;
  switch (error.kind) {
    case K::auth:
      set_failing(bridge, true);
      return {Step::retry, error.describe(), d_.clock() + kLoginRetryUs};
    case K::rate_limited:
      return {Step::retry, error.describe(), d_.clock() + std::chrono::microseconds(error.retry_after).count()};
    case K::transport:
    case K::timeout:
    case K::server:
      return {Step::retry, error.describe(), std::nullopt};
    case K::invalid:
    case K::not_found:
    case K::conflict:
      return {Step::give_up, error.describe(), std::nullopt};
  }
  return {Step::retry, error.describe(), std::nullopt};
}

Result<RenderedPost> MirrorWriter::render(const BridgeConfig& bridge, const Event& event) {
  PostContext context;
  if (d_.member_profile)
    if (auto p = d_.member_profile(event.actor.id)) context.author = {p->name, p->handle};
  context.mention_did = d_.bridged_did;
  context.bluesky_copy = [this](const NativeRef& quoted) -> std::optional<StrongRef> {
    auto copy = idmap_.bluesky_copy(quoted.id);
    if (!copy.ok() || !copy->has_value() || (*copy)->records.empty()) return std::nullopt;
    return (*copy)->records.front();
  };
  return render_post(event, post_options_for(bridge), context);
}

std::vector<ImageEmbed> MirrorWriter::upload_images(XrpcClient& client, const std::vector<Media>& media,
                                                              std::vector<std::string>& notes) {
  std::vector<ImageEmbed> images;
  for (const auto& m : media) {
    HttpRequest request{"GET", m.url, {{"Accept", "image/*"}}, ""};
    FetchResult r = d_.http.fetch(request, FetchLimits{kMaxImageBytes + 1, std::chrono::seconds(20), 3});
    if (!r.ok() || r.response.status != 200) {
      notes.push_back("image not fetched (" + (r.ok() ? "HTTP " + std::to_string(r.response.status) : r.message) +
                      "): " + m.url);
      continue;
    }
    if (r.response.body.size() > kMaxImageBytes) {
      notes.push_back("image over 1 MB not carried: " + m.url);
      continue;
    }
    std::string mime = r.response.header("content-type");
    mime = mime.substr(0, mime.find(';'));
    if (mime.rfind("image/", 0) != 0) mime = m.mime_type;
    auto blob = client.upload_blob(r.response.body, mime);
    if (!blob) {
      notes.push_back("image upload failed (" + blob.error().describe() + "): " + m.url);
      continue;
    }
    images.push_back(ImageEmbed{*blob, m.alt, m.width, m.height});
  }
  return images;
}

void MirrorWriter::attach_images(XrpcClient& client, const Event& event, RenderedPost& rendered,
                                  std::vector<std::string>& notes) {
  if (rendered.images.empty()) return;
  PostFields& first = rendered.parts.front();
  first.images = upload_images(client, rendered.images, notes);
  // No image could be carried: the post gets the card a text post gets (its link is in the text).
  if (first.images.empty() && !first.quote) {
    PostAuthor author;
    if (d_.member_profile)
      if (auto p = d_.member_profile(event.actor.id)) author = {p->name, p->handle};
    add_card(first, event, author);
  }
}

StepOutcome MirrorWriter::post(const BridgeConfig& bridge, XrpcClient& client, const Event& event,
                                WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) {
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id))
    return {Step::give_up, "deleted before it crossed", std::nullopt};
  // Checked again here, not only when routed: another job for the same post may have made it.
  if (auto made = idmap_.bluesky_copy(event.origin.object.id); made.ok() && made->has_value() && !(*made)->records.empty())
    return {Step::give_up, "already bridged as " + (*made)->records.front().uri, std::nullopt};
  std::vector<std::string> notes;
  std::optional<ReplyRefs> reply;
  if (event.thread.parent) {
    auto copy = idmap_.bluesky_copy(event.thread.parent->id);
    if (!copy) return {Step::retry, copy.error(), std::nullopt};
    if (copy->has_value() && !(*copy)->records.empty()) {
      const BlueskyCopy& c = **copy;
      StrongRef root = c.root.uri.empty() ? c.records.front() : c.root;
      reply = ReplyRefs{root, c.records.front()};
    } else {
      if (d_.router.decisions().still_coming(event.thread.parent->id, event.received_at_us, d_.clock()))
        return {Step::wait, "waiting for its parent to reach Bluesky", d_.clock() + 1'000'000};
      return {Step::give_up, "it replies to a post that is not on Bluesky (" + event.thread.parent->id + ")", std::nullopt};
    }
  }
  auto rendered = render(bridge, event);
  if (!rendered) return {Step::give_up, rendered.error(), std::nullopt};
  notes = rendered->notes;
  auto* parts = &rendered->parts;
  attach_images(client, event, *rendered, notes);
  std::int64_t micros = event_id_time_us(event.id);
  unsigned sequence = event_id_sequence(event.id);
  std::string head_rkey = deterministic_rkey(micros, sequence, 0);
  auto on_error = [&](const XrpcError& e) { return from_error(e, bridge.name); };
  bool gated = false;  // a root post: its reply controls are on the PDS before it is
  if (!reply)
    if (auto stopped = controls_.gate_root(bridge, client, "at://" + client.did().value_or("") + "/" + kPost + "/" + head_rkey,
                                           micros, batch, gated, on_error))
      return *stopped;
  auto drop_gate = [&] {
    if (gated) (void)client.delete_record(kThreadgateCollection, head_rkey);
  };
  std::vector<StrongRef> refs;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    PostFields& f = (*parts)[i];
    if (i == 0) f.reply = reply;
    else f.reply = ReplyRefs{reply ? reply->root : refs[0], refs[i - 1]};
    std::string rkey = deterministic_rkey(micros, sequence, i);
    auto made = client.create_record(kPost, post_record(f), rkey);
    // The key is this job's own: an earlier try wrote it with other inputs (a profile fetched
    // since, an image that failed then). This version replaces it.
    if (!made && made.error().kind == XrpcError::Kind::conflict) made = client.put_record(kPost, rkey, post_record(f));
    if (!made) {
      StepOutcome failed = from_error(made.error(), bridge.name);
      if (failed.step == Step::give_up) {  // leave no half thread behind, unmapped
        for (const auto& r : refs) (void)client.delete_record(kPost, rkey_of(r.uri));
        drop_gate();
      }
      return failed;
    }
    refs.push_back(*made);
  }
  // A Delete that came while the records were being made saw the post still queued and left a
  // tombstone instead of a delete job: checked again now, under the ingest lock for the post's
  // id (kept until the job is settled), so a Delete either shows here or finds the copy mapped.
  settling.emplace(d_.events.locks().lock({event.origin.object.id}));
  if (Router::gone(d_.store, event.origin.object.id, event.actor.id)) {
    settling.reset();
    std::string left;
    for (const auto& r : refs) {
      auto removed = client.delete_record(kPost, rkey_of(r.uri));
      if (!removed.ok() && removed.error().kind != XrpcError::Kind::not_found)
        left += (left.empty() ? "" : ", ") + r.uri + " (" + removed.error().describe() + ")";
    }
    drop_gate();
    if (!left.empty()) {
      spdlog::error("bridge {}: {} was deleted while its copy was being made, and removing the copy failed: {}",
                    bridge.name, event.origin.object.id, left);
      return {Step::give_up, "deleted while its copy was being made; removing the copy failed: " + left, std::nullopt};
    }
    return {Step::give_up, "deleted while its copy was being made; the copy was removed", std::nullopt};
  }
  BlueskyCopy copy;
  copy.bridge = bridge.name;
  copy.kind = CopyKind::post;
  copy.author = event.actor.id;
  copy.records = refs;
  copy.root = reply ? reply->root : refs.front();
  if (reply) copy.parent = reply->parent;
  idmap_.link(batch, event.origin.object.id, copy);
  return {Step::done, refs.front().uri + (notes.empty() ? "" : "\n" + join(notes)), std::nullopt};
}

StepOutcome MirrorWriter::remove(const BridgeConfig& bridge, XrpcClient& client,
                                             const Event& event, WriteBatch& batch) {
  std::string target = event.subject ? event.subject->id : event.origin.object.id;
  auto copy = idmap_.bluesky_copy(target);
  if (!copy) return {Step::retry, copy.error(), std::nullopt};
  if (!copy->has_value()) return {Step::give_up, "its copy is unknown (never bridged, or already deleted)", std::nullopt};
  if ((*copy)->bridge != bridge.name) return {Step::give_up, "its copy belongs to the bridge " + (*copy)->bridge, std::nullopt};
  if (auto refused = not_the_author(**copy, event)) return *refused;
  for (const auto& r : (*copy)->records) {
    auto gone = client.delete_record(kPost, rkey_of(r.uri));
    if (!gone.ok() && gone.error().kind != XrpcError::Kind::not_found)
      return from_error(gone.error(), bridge.name);
  }
  if ((*copy)->parent.uri.empty()) {  // a root post: its threadgate goes with it
    auto gate = client.delete_record(kThreadgateCollection, rkey_of((*copy)->records.front().uri));
    if (!gate.ok() && gate.error().kind != XrpcError::Kind::not_found) return from_error(gate.error(), bridge.name);
  }
  idmap_.unlink(batch, target, **copy);
  return {Step::done, "deleted " + (*copy)->records.front().uri, std::nullopt};
}

StepOutcome MirrorWriter::update(const BridgeConfig& bridge, XrpcClient& client,
                                             const Event& event, WriteBatch& batch) {
  const std::string& target = event.origin.object.id;
  auto copy = idmap_.bluesky_copy(target);
  if (!copy) return {Step::retry, copy.error(), std::nullopt};
  if (!copy->has_value()) return {Step::give_up, "its copy is unknown (never bridged, or deleted)", std::nullopt};
  if (auto refused = not_the_author(**copy, event)) return *refused;
  if (bridge.mirror.updates == MirrorConfig::Updates::recreate) {
    StepOutcome removed = remove(bridge, client, event, batch);
    if (removed.step != Step::done) return removed;
    Event fresh = event;
    fresh.thread.parent.reset();
    if (!(*copy)->parent.uri.empty()) {
      // Keep it where it was in the thread.
      auto parent_ap = idmap_.ap_id((*copy)->parent.uri);
      if (parent_ap.ok() && parent_ap->has_value()) fresh.thread.parent = NativeRef{Network::activitypub, **parent_ap, ""};
    }
    std::optional<IngestLocks::Guard> settling;
    StepOutcome made = post(bridge, client, fresh, batch, settling);
    if (made.step == Step::done) made.message += "\nedited: deleted and posted again (mirror.updates: recreate)";
    return made;
  }
  auto rendered = render(bridge, event);
  if (!rendered) return {Step::give_up, rendered.error(), std::nullopt};
  std::vector<std::string> notes = rendered->notes;
  auto* parts = &rendered->parts;
  const BlueskyCopy& old = **copy;
  attach_images(client, event, *rendered, notes);
  std::int64_t micros = event_id_time_us(event.id);
  std::vector<StrongRef> refs;
  for (std::size_t i = 0; i < parts->size(); ++i) {
    PostFields& f = (*parts)[i];
    if (i == 0 && !old.parent.uri.empty())
      f.reply = ReplyRefs{old.root, old.parent};
    if (i > 0)
      f.reply = ReplyRefs{old.root.uri.empty() ? refs[0] : old.root, refs[i - 1]};
    XrpcResult<StrongRef> written =
        i < old.records.size() ? client.put_record(kPost, rkey_of(old.records[i].uri), post_record(f))
                               : client.create_record(kPost, post_record(f),
                                                      deterministic_rkey(micros, event_id_sequence(event.id), i));
    if (!written) return from_error(written.error(), bridge.name);
    refs.push_back(*written);
  }
  for (std::size_t i = parts->size(); i < old.records.size(); ++i) {
    auto gone = client.delete_record(kPost, rkey_of(old.records[i].uri));
    if (!gone.ok() && gone.error().kind != XrpcError::Kind::not_found) return from_error(gone.error(), bridge.name);
  }
  BlueskyCopy updated = old;
  updated.records = refs;
  if (old.parent.uri.empty()) updated.root = refs.front();
  idmap_.unlink(batch, target, old);
  idmap_.link(batch, target, updated);
  notes.push_back("edited in place (putRecord; Bluesky's app does not show edits as such)");
  return {Step::done, refs.front().uri + "\n" + join(notes), std::nullopt};
}

std::optional<StepOutcome> MirrorWriter::claim_fetched(const BridgeConfig& bridge, const Event& announce,
                                                       const Event& fetched, bool& note_story) {
  note_story = false;
  const std::string& note = fetched.origin.object.id;
  // Announced by its own id: the router checked that id when the Announce came.
  if (note.empty() || note == announce.origin.object.id) return std::nullopt;
  // An Announce of a Create (FEP-1b12) was routed under the Create's id, while a direct Create of
  // the post, or its author's Delete, names the post's own id: checked and claimed under that id,
  // holding its ingest lock as the inbox does while it routes them.
  auto guard = d_.events.locks().lock({note});
  auto copy = idmap_.bluesky_copy(note);
  if (!copy) return StepOutcome{Step::retry, copy.error(), std::nullopt};
  if (copy->has_value() && !(*copy)->records.empty())
    return StepOutcome{Step::give_up, "already bridged as " + (*copy)->records.front().uri, std::nullopt};
  auto about = d_.router.decisions().about(note);
  if (!about) return StepOutcome{Step::retry, about.error(), std::nullopt};
  bool ours = false;
  if (!about->empty()) {
    const Decision& last = about->back();
    bool waiting = last.outcome == Outcome::queued || last.outcome == Outcome::held;
    if (waiting && last.event_id != announce.id)
      return StepOutcome{Step::give_up, "already on its way (as " + note + ")", std::nullopt};
    ours = waiting;  // claimed by an earlier try of this job
  }
  if (Router::gone(d_.store, note, fetched.actor.id))
    return StepOutcome{Step::give_up, "deleted before it crossed", std::nullopt};
  if (!ours) {
    WriteBatch batch = d_.store.batch();
    d_.router.decisions().record(batch, Decision{note, bridge.name, Outcome::queued, "fetch_post", "", announce.id, d_.clock()});
    if (Status s = d_.store.write(batch); !s.ok()) return StepOutcome{Step::retry, s.error(), std::nullopt};
  }
  note_story = true;
  return std::nullopt;
}

StepOutcome MirrorWriter::remove_author(const BridgeConfig& bridge, XrpcClient& client, const LoadedJob& job,
                                        WriteBatch& batch) {
  // Bounded per job: what is deleted here is forgotten in this job's batch, and a next job (queued
  // in the same batch) takes the rest; a record already gone reads as deleted.
  constexpr std::size_t kPerJob = 200;
  const std::string& author = job.job.subject;
  auto ids = idmap_.posts_by(bridge.name, author, kPerJob + 1);
  if (!ids) return {Step::retry, ids.error(), std::nullopt};
  std::size_t deleted = 0;
  for (const auto& id : *ids) {
    if (deleted == kPerJob) break;
    auto copy = idmap_.bluesky_copy(id);
    if (!copy) return {Step::retry, copy.error(), std::nullopt};
    if (!copy->has_value() || (*copy)->bridge != bridge.name) continue;
    for (const auto& r : (*copy)->records) {
      auto gone = client.delete_record(kPost, rkey_of(r.uri));
      if (!gone.ok() && gone.error().kind != XrpcError::Kind::not_found) return from_error(gone.error(), bridge.name);
    }
    idmap_.unlink(batch, id, **copy);
    ++deleted;
  }
  std::string done = "deleted the copies of " + std::to_string(deleted) + " posts of the deleted account " + author;
  if (ids->size() > kPerJob) {
    Job next;
    next.id = job.event.id + "." + bridge.name + ".more" + std::to_string(d_.clock());
    next.kind = kToBlueskyJob;
    next.target = bridge.bluesky->pds.to_string();
    next.payload = encode_bridge_job({job.job.event_id, bridge.name, JobOp::remove_author, author});
    d_.queue.enqueue(batch, std::move(next));
    done += "; more follow";
  }
  return {Step::done, done, std::nullopt};
}

std::optional<StepOutcome> MirrorWriter::flood_gate(const BridgeConfig& bridge, const Event& event) {
  // A group hosted here is paced by its own operators (members are vetted); a followed group on
  // another server is not ours to trust with the mirror account's rate.
  if (!bridge.fediverse.group) return std::nullopt;
  const double per_us = bridge.mirror.max_posts_per_hour / 3.6e9;
  const double capacity = std::max(1.0, bridge.mirror.max_posts_per_hour / 4.0);
  std::int64_t now = d_.clock();
  std::int64_t due = 0;
  {
    std::lock_guard lock(buckets_mu_);
    Bucket& b = buckets_[bridge.name];
    if (b.tokens < 0) b = {capacity, now};
    b.tokens = std::min(capacity, b.tokens + (now - b.at_us) * per_us);
    b.at_us = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return std::nullopt;
    }
    due = now + static_cast<std::int64_t>((1 - b.tokens) / per_us) + 1;
  }
  d_.metrics
      .counter("causeway_bridge_rate_limited_total", "Posts made to wait by mirror.max_posts_per_hour, by bridge.",
               {{"bridge", bridge.name}})
      .inc();
  std::string why = "waiting its turn: the group posts faster than mirror.max_posts_per_hour (" +
                    std::to_string(bridge.mirror.max_posts_per_hour) + ")";
  auto about = d_.router.decisions().about(event.origin.activity_id);
  if (about.ok() && (about->empty() || about->back().reason != why)) {
    WriteBatch note = d_.store.batch();
    d_.router.decisions().record(note, Decision{event.origin.activity_id, bridge.name, Outcome::queued, why, "", event.id, now});
    // The post's own story too, where an operator looks first (still "queued": nothing is lost).
    if (const std::string& post = event.origin.object.id; !post.empty() && post != event.origin.activity_id)
      d_.router.decisions().record(note, Decision{post, bridge.name, Outcome::queued, why, "", event.id, now});
    (void)d_.store.write(note);
  }
  return StepOutcome{Step::wait, why, due};
}

Result<Event, FetchFailure> MirrorWriter::fetch(const Event& event) {
  if (!d_.fetch_post) return FetchFailure{true, "fetching is not wired"};
  // The group that announced or relayed it: an Announce's actor, or the relaying group.
  const std::string& group = event.origin.relayed_by.empty() ? event.actor.id : event.origin.relayed_by;
  return d_.fetch_post(event.origin.object.id, group);
}

StepOutcome MirrorWriter::fetch_update(const BridgeConfig& bridge, XrpcClient& client, const Event& event,
                                       WriteBatch& batch) {
  auto fetched = fetch(event);
  if (!fetched) {
    const FetchFailure& failure = fetched.error();
    return {failure.permanent ? Step::give_up : Step::retry, "fetching the edited post: " + failure.message, std::nullopt};
  }
  if (auto refused = d_.router.post_refusal(bridge, *fetched)) return {Step::give_up, *refused, std::nullopt};
  // The origin's version, under this job's event (the record keys of new parts derive from it).
  fetched->id = event.id;
  fetched->kind = EventKind::update;
  fetched->origin.activity_id = event.origin.activity_id;
  fetched->received_at_us = event.received_at_us;
  return update(bridge, client, *fetched, batch);
}

StepOutcome MirrorWriter::write(LoadedJob& loaded, WriteBatch& batch, std::optional<IngestLocks::Guard>& settling) {
  const BridgeConfig& bridge = *loaded.bridge;
  const JobOp op = loaded.job.op;
  Event& event = loaded.event;
  StepOutcome outcome;
  std::string note;                            // a fetched post's own id, when its story is told here too
  std::string error;
  XrpcClient* client = bridge.bluesky ? client_for(bridge, error) : nullptr;
  if (!bridge.bluesky) {
    outcome = {Step::give_up, "the bridge has no Bluesky side", std::nullopt};
  } else if (!client) {
    outcome = {Step::retry, error, d_.clock() + kLoginRetryUs};
  } else if ((op == JobOp::post || op == JobOp::fetch_post) && !event.origin.relayed_by.empty() &&
             Router::gone(d_.store, event.origin.object.id, event.origin.relayed_by)) {
    outcome = {Step::give_up, "removed from the group before it crossed", std::nullopt};
  } else if (auto waiting = op == JobOp::post || op == JobOp::fetch_post ? flood_gate(bridge, event) : std::nullopt) {
    outcome = *waiting;
  } else if (op == JobOp::post) {
    outcome = post(bridge, *client, event, batch, settling);
  } else if (op == JobOp::fetch_update) {
    outcome = fetch_update(bridge, *client, event, batch);
  } else if (op == JobOp::fetch_post) {
    auto fetched = fetch(event);
    if (!fetched) {
      const FetchFailure& failure = fetched.error();
      outcome = {failure.permanent ? Step::give_up : Step::retry,
                 failure.permanent ? failure.message : "fetching the announced post: " + failure.message, std::nullopt};
    } else {
      // Its origin named the author: the group has announced them (members.fediverse_replies: members).
      d_.router.moderation().add_announced_author(batch, bridge.name, fetched->actor.id, event.id);
      if (d_.router.moderation().is_banned(bridge.name, fetched->actor.id)) {
        outcome = {Step::give_up, "the author is banned from the group by its moderators", std::nullopt};
      } else if (auto refused = d_.router.post_refusal(bridge, *fetched)) {
        outcome = {Step::give_up, *refused, std::nullopt};
      } else {
        fetched->id = event.id;
        fetched->origin.activity_id = event.origin.activity_id;
        fetched->received_at_us = event.received_at_us;
        bool note_story = false;
        if (auto refused = claim_fetched(bridge, event, *fetched, note_story)) outcome = *refused;
        else outcome = post(bridge, *client, *fetched, batch, settling);
        if (note_story) note = fetched->origin.object.id;
      }
    }
  } else if (op == JobOp::update) {
    outcome = update(bridge, *client, event, batch);
  } else if (op == JobOp::remove) {
    outcome = remove(bridge, *client, event, batch);
  } else if (op == JobOp::remove_author) {
    outcome = remove_author(bridge, *client, loaded, batch);
  } else if (op == JobOp::hide || op == JobOp::list_add || op == JobOp::list_remove) {
    auto on_error = [&](const XrpcError& e) { return from_error(e, bridge.name); };
    const std::string& subject = loaded.job.subject;
    outcome = op == JobOp::hide       ? controls_.hide(*client, subject, on_error)
              : op == JobOp::list_add ? controls_.list_add(bridge, *client, subject, batch, on_error)
                                      : controls_.list_remove(bridge, *client, subject, on_error);
  } else {
    outcome = {Step::give_up, std::string("not an operation towards Bluesky: ") + job_op_name(op), std::nullopt};
  }
  if (outcome.step == Step::done) set_failing(bridge.name, false);  // it wrote: the account works
  if (!note.empty() && (outcome.step == Step::done || outcome.step == Step::give_up)) {
    // The fetched post's own id was claimed as queued: its story ends with this job's.
    auto nl = outcome.message.find('\n');
    bool done = outcome.step == Step::done;
    d_.router.decisions().record(
        batch, Decision{note, bridge.name, done ? Outcome::bridged : Outcome::not_bridged,
                        done ? (nl == std::string::npos ? "" : outcome.message.substr(nl + 1)) : outcome.message,
                        done ? outcome.message.substr(0, nl) : "", event.id, d_.clock()});
  }
  return outcome;
}

}  // namespace causeway::atproto
