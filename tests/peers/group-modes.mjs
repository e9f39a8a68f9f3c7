// Remote fediverse groups for causeway's tests: the three kinds of group that real servers run,
// hosted as actors of the Fedify test peer (fedify-peer.mjs imports this module).
//
//   lemmy      a Lemmy 0.19 community (also what PieFed and Mbin do): takes posts (Page), comments
//              (Note), edits, deletions and votes from anyone not banned, and Announces the
//              activity itself to its followers (FEP-1b12), plus an Announce of the bare Page for
//              a post; moderators remove things and ban people through Announced Delete/Block.
//   boostbot   a Mastodon account that boosts what mentions it (Newsmast/Patchwork channels,
//              Guppe groups): Announce of the note's id (or web url), Mastodon inbox forwarding of
//              the author's Delete/Update, Undo(Announce) when the note goes.
//   friendica  a Friendica 2024.08 forum: relays members' posts that mention it (!forum@host),
//              and every public reply in such a thread, as an Announce of the object's id.
//
// Each behaviour names the real server's source it follows (file and function). The group gets a
// moderator Person actor `{name}_mod` on the same peer.
//
// The peer gives this module what it needs through `peer` (see createGroups below); the module
// keeps each group's state on its actor record (`actor.group`).

import { randomUUID } from "node:crypto";
import { Temporal } from "@js-temporal/polyfill";
import { Accept, Announce, Reject, Service, Undo } from "@fedify/vocab";

import { addressees, contentOf, firstId, ids, mentionHrefs, PUBLIC, webUrl, withoutContext } from "./group-json.mjs";

export const GROUP_KINDS = ["lemmy", "boostbot", "friendica"];

// Lemmy 0.19 sends FEDERATION_CONTEXT (crates/apub/src/lib.rs): ["https://join-lemmy.org/context.json",
// "https://www.w3.org/ns/activitystreams"]. join-lemmy.org cannot be fetched here (Fedify peers
// would fail to read the Announce), so the peer sends ActivityStreams and security v1 instead.
const LEMMY_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];

// Lemmy's post types (crates/apub/src/protocol/objects/page.rs, PageType) and what a comment is.
const POST_TYPES = new Set(["Page", "Article", "Note", "Video", "Event", "Question"]);

/**
 * `peer` = {
 *   actors, origin(), context(), HttpError, errors,
 *   createActor(name, displayName), describeActor(name),
 *   actorUri(name), followersUri(name),
 *   deliverRaw(name, inboxes, json | {text}) -> Promise   (HTTP-signed POST of that exact body),
 *   sendActivity(name, recipients, activity) -> Promise   (Fedify, immediate),
 *   rememberJson(id, json), remember(name, activity),
 *   lookupActor(url, name) -> Promise<Actor>,
 *   followerRecipient(f),
 * }
 */
export function createGroups(peer) {
  const { actors, HttpError } = peer;

  function groupOf(name) {
    const actor = actors.get(name);
    if (typeof name !== "string" || actor?.group == null) {
      throw new HttpError(404, `no group named ${JSON.stringify(name)}`);
    }
    return actor.group;
  }

  function describe(name) {
    const g = groupOf(name);
    const d = peer.describeActor(name);
    return {
      id: d.id,
      handle: d.handle,
      inbox: d.inbox,
      outbox: d.outbox,
      followers: d.followers,
      kind: g.kind,
      locked: g.locked,
      moderator: peer.actorUri(g.moderator),
    };
  }

  async function create(body) {
    const name = body.name;
    if (typeof name !== "string" || name.length > 60) {
      throw new HttpError(400, `bad group name ${JSON.stringify(name)}`);
    }
    if (!GROUP_KINDS.includes(body.kind)) {
      throw new HttpError(400, `kind must be one of ${GROUP_KINDS.join(", ")}`);
    }
    const existing = actors.get(name);
    if (existing != null && existing.group == null) {
      throw new HttpError(409, `${name} is already a Person actor`);
    }
    if (existing?.group != null && existing.group.kind !== body.kind) {
      throw new HttpError(409, `${name} is already a ${existing.group.kind} group`);
    }
    const locked = body.locked ?? false;
    if (typeof locked !== "boolean") throw new HttpError(400, "locked must be true or false");
    const actorType = body.actorType ?? "Group";
    if (!["Group", "Person"].includes(actorType) || (actorType === "Person" && body.kind !== "boostbot")) {
      throw new HttpError(400, 'actorType must be "Group" (or "Person" for a boostbot)');
    }
    const announceBy = body.announceBy ?? "id";
    if (!["id", "url"].includes(announceBy) || (announceBy === "url" && body.kind !== "boostbot")) {
      throw new HttpError(400, 'announceBy must be "id" (or "url" for a boostbot)');
    }
    for (const field of ["displayName", "summary"]) {
      if (body[field] != null && typeof body[field] !== "string") throw new HttpError(400, `${field} must be a string`);
    }
    await peer.createActor(name, body.displayName ?? null);
    const moderator = `${name}_mod`;
    await peer.createActor(moderator, `${body.displayName ?? name} moderator`);
    const actor = actors.get(name);
    if (actor.group == null) {
      actor.group = {
        kind: body.kind,
        locked,
        actorType,
        announceBy,
        summary: body.summary ?? null,
        moderator,
        requests: new Map(), // follower id -> {actor, activity, follow, follower}
        banned: new Map(), // person id -> {reason, activity}
        thread: new Map(), // object id -> thread entry
        votes: new Map(), // Like/Dislike id -> {type, object, actor}
        boosts: new Map(), // boostbot: note id -> {id, announce}
        announces: [], // what the outbox lists, oldest first
        refused: [], // activities the group took (HTTP 202) but did not act on, and why
        chain: Promise.resolve(), // the group's sends, one after the other
      };
    } else {
      actor.group.locked = locked;
      if (body.summary != null) actor.group.summary = body.summary;
    }
    return describe(name);
  }

  /** Runs `job` after the group's earlier sends; failures go to /control/errors and to the caller. */
  function enqueue(g, job) {
    const run = g.chain.then(job);
    g.chain = run.catch((error) => {
      peer.errors.push({ where: "group", error: String(error?.message ?? error), at: new Date().toISOString() });
    });
    return run;
  }

  /** Inboxes of the followers (shared inbox where they have one, as Lemmy and Mastodon prefer). */
  function followerInboxes(name) {
    const out = new Set();
    for (const f of actors.get(name).followers.values()) out.add(f.sharedInbox ?? f.inbox);
    return [...out];
  }

  function followerRecipients(name) {
    return [...actors.get(name).followers.values()].map(peer.followerRecipient);
  }

  function refuse(g, raw, reason) {
    g.refused.push({
      id: typeof raw?.id === "string" ? raw.id : null,
      type: raw?.type ?? null,
      actor: firstId(raw?.actor),
      reason,
      received_at: new Date().toISOString(),
    });
  }

  function threadEntry(object, actorId) {
    return {
      id: object.id,
      type: object.type ?? null,
      actor: firstId(object.attributedTo) ?? actorId,
      name: typeof object.name === "string" ? object.name : null,
      content: contentOf(object),
      inReplyTo: firstId(object.inReplyTo),
      audience: firstId(object.audience),
      mentions: mentionHrefs(object),
      removed: false,
      deleted: false,
      announced: false,
      likes: 0,
      dislikes: 0,
      received_at: new Date().toISOString(),
      updated_at: null,
    };
  }

  function store(g, object, actorId) {
    const previous = g.thread.get(object.id);
    const entry = threadEntry(object, actorId);
    if (previous != null) {
      // An edit keeps what the group already knew about the item.
      for (const k of ["removed", "deleted", "announced", "likes", "dislikes", "received_at"]) entry[k] = previous[k];
      entry.updated_at = new Date().toISOString();
    }
    g.thread.set(object.id, entry);
    return entry;
  }

  // -------------------------------------------------------------------------------------------
  // Follows (all kinds): open groups accept at once (the peer's Follow listener, as for Persons);
  // locked ones hold the Follow until group-approve or group-reject, as Lemmy 0.19 does for
  // private communities (crates/apub/src/activities/following/follow.rs, Follow::receive:
  // a pending CommunityFollower) and Mastodon for locked accounts (FollowService: FollowRequest).

  function holdFollow(name, follow, followJson, follower) {
    const g = groupOf(name);
    g.requests.set(follower.id, { actor: follower.id, activity: followJson, follow, follower });
  }

  function dropRequest(name, followerId) {
    actors.get(name)?.group?.requests.delete(followerId);
  }

  function requests(name) {
    return [...groupOf(name).requests.values()].map((r) => ({ actor: r.actor, activity: r.activity }));
  }

  async function answerRequest(body, approve) {
    const name = body.group;
    const g = groupOf(name);
    const request = g.requests.get(body.actor);
    if (request == null) throw new HttpError(404, `${name} has no pending request from ${body.actor}`);
    g.requests.delete(body.actor);
    const Type = approve ? Accept : Reject;
    const answer = new Type({
      id: new URL(`/users/${name}/activities/${randomUUID()}`, peer.origin()),
      actor: new URL(peer.actorUri(name)),
      object: request.follow,
      to: new URL(request.actor),
    });
    if (approve) actors.get(name).followers.set(request.actor, request.follower);
    await peer.remember(name, answer);
    await enqueue(g, () => peer.sendActivity(name, [peer.followerRecipient(request.follower)], answer));
    return { activity: answer.id.href };
  }

  // -------------------------------------------------------------------------------------------
  // Incoming activities. `raw` is the JSON body as received (verified by the peer and Fedify:
  // HTTP signature by the actor's key). Called after the peer recorded the activity.

  function receive(name, raw, rawText) {
    const g = actors.get(name)?.group;
    if (g == null || raw == null || typeof raw !== "object") return;
    if (g.kind === "lemmy") lemmyReceive(name, g, raw);
    else if (g.kind === "boostbot") boostbotReceive(name, g, raw, rawText);
    else friendicaReceive(name, g, raw);
  }

  /**
   * Lemmy answers activities of a banned person with an error (verify_person_in_community in
   * crates/apub/src/activities/mod.rs: LemmyErrorType::PersonIsBannedFromCommunity, HTTP 400).
   * The peer checks this before Fedify sees the POST; returns the error body, or null.
   */
  function inboxRefusal(name, raw) {
    const g = actors.get(name)?.group;
    if (g?.kind !== "lemmy" || raw == null || typeof raw !== "object") return null;
    const actorId = firstId(raw.actor);
    if (actorId != null && g.banned.has(actorId)) {
      refuse(g, raw, "banned");
      return { error: "person_is_banned_from_community" };
    }
    return null;
  }

  // ---- lemmy -------------------------------------------------------------------------------

  /**
   * Lemmy 0.19.20, crates/apub/src/activities/community/announce.rs, AnnounceActivity::new: id
   * `/activities/announce/<inner type>/<uuid>` (generate_announce_activity_id), actor the
   * community, to [Public], cc [community followers], object the activity embedded as received
   * (RawAnnouncableActivities keeps every field; its @context is dropped with WithContext).
   * Field order as Lemmy's struct serializes.
   */
  function lemmyAnnounce(name, inner) {
    const type = typeof inner.type === "string" ? inner.type : "other";
    return {
      "@context": LEMMY_CONTEXT,
      actor: peer.actorUri(name),
      to: [PUBLIC],
      object: withoutContext(inner),
      cc: [peer.followersUri(name)],
      type: "Announce",
      id: `${peer.origin()}/activities/announce/${type.toLowerCase()}/${randomUUID()}`,
    };
  }

  /**
   * AnnounceActivity::send: Announce(activity) to the followers, then, only for a
   * CreateOrUpdatePost (Create or Update of a post, not of a comment), the Mastodon/Pleroma
   * compatibility Announce of the Page itself with an `actor` field added (the "announcable_page"
   * hack). Lemmy serializes that one with two `id` keys (a new /activities/announce/<uuid> first,
   * the post's id after, which JSON readers keep); the peer writes the post's id once.
   */
  function lemmyAnnounceAll(name, g, inner, pageForCompat, entry) {
    const announces = [lemmyAnnounce(name, inner)];
    if (pageForCompat != null) {
      announces.push(lemmyAnnounce(name, { ...withoutContext(pageForCompat), actor: firstId(inner.actor) }));
    }
    for (const a of announces) peer.rememberJson(a.id, a);
    // The community outbox (crates/apub/src/collections/community_outbox.rs) lists Announce(Create(Page))
    // of its posts.
    if (inner.type === "Create" && pageForCompat != null) g.announces.push(announces[0]);
    return enqueue(g, async () => {
      for (const a of announces) await peer.deliverRaw(name, followerInboxes(name), a);
      if (entry != null) entry.announced = true;
      return announces;
    });
  }

  function lemmyReceive(name, g, raw) {
    const groupId = peer.actorUri(name);
    const actorId = firstId(raw.actor);
    switch (raw.type) {
      case "Create":
      case "Update": {
        // CreateOrUpdatePage / CreateOrUpdateNote (crates/apub/src/activities/create_or_update/
        // post.rs and comment.rs, verify): the object is embedded, its id on the actor's server,
        // attributed to the actor; a post names the community (to/cc or audience), a comment
        // replies into one of its threads (the community is found through inReplyTo).
        const object = raw.object;
        if (object == null || typeof object !== "object" || typeof object.id !== "string") {
          return refuse(g, raw, "object must be embedded");
        }
        if (!POST_TYPES.has(object.type)) return refuse(g, raw, `cannot take a ${object.type}`);
        if (firstId(object.attributedTo) !== actorId) return refuse(g, raw, "object not attributed to the actor");
        if (new URL(object.id).host !== new URL(actorId).host) return refuse(g, raw, "object id not on the actor's server");
        const inReplyTo = firstId(object.inReplyTo);
        const addressed = addressees(raw, object).has(groupId);
        const parent = inReplyTo == null ? null : g.thread.get(inReplyTo);
        if (inReplyTo == null && !addressed) return refuse(g, raw, "post not addressed to the community");
        if (inReplyTo != null && parent == null) return refuse(g, raw, "reply to an object the community does not have");
        const previous = g.thread.get(object.id);
        if (raw.type === "Update" && previous == null) return refuse(g, raw, "update of an unknown object");
        if (previous != null && previous.actor !== actorId) return refuse(g, raw, "not the author");
        if (previous?.removed) return refuse(g, raw, "removed by a moderator");
        const entry = store(g, object, actorId);
        return void lemmyAnnounceAll(name, g, raw, inReplyTo == null ? object : null, entry);
      }
      case "Delete": {
        // Delete by the author (crates/apub/src/activities/deletion/delete.rs, Delete::verify:
        // verify_delete_activity: the actor is the object's creator).
        const id = firstId(raw.object);
        const entry = id == null ? null : g.thread.get(id);
        if (entry == null) return refuse(g, raw, "delete of an unknown object");
        if (entry.actor !== actorId) return refuse(g, raw, "not the author");
        entry.deleted = true;
        return void lemmyAnnounceAll(name, g, raw, null, null);
      }
      case "Like":
      case "Dislike": {
        // Vote (crates/apub/src/activities/voting/vote.rs): on a post or comment of the community.
        const id = firstId(raw.object);
        const entry = id == null ? null : g.thread.get(id);
        if (entry == null) return refuse(g, raw, "vote on an unknown object");
        if (typeof raw.id === "string") g.votes.set(raw.id, { type: raw.type, object: id, actor: actorId });
        entry[raw.type === "Like" ? "likes" : "dislikes"] += 1;
        return void lemmyAnnounceAll(name, g, raw, null, null);
      }
      case "Undo": {
        // UndoVote (crates/apub/src/activities/voting/undo_vote.rs): the embedded (or known) vote,
        // by the same actor.
        const inner = raw.object;
        const innerId = firstId(inner);
        const vote =
          inner != null && typeof inner === "object" && ["Like", "Dislike"].includes(inner.type)
            ? { type: inner.type, object: firstId(inner.object), actor: firstId(inner.actor) }
            : g.votes.get(innerId);
        if (vote == null) return; // Undo(Follow) and others: nothing to announce
        if (vote.actor !== actorId) return refuse(g, raw, "undo of someone else's vote");
        const entry = g.thread.get(vote.object);
        if (entry == null) return refuse(g, raw, "undo of a vote on an unknown object");
        const field = vote.type === "Like" ? "likes" : "dislikes";
        entry[field] = Math.max(0, entry[field] - 1);
        g.votes.delete(innerId);
        return void lemmyAnnounceAll(name, g, raw, null, null);
      }
      default:
        return;
    }
  }

  /**
   * Moderator actions of a Lemmy community, sent by the community's own moderator `{name}_mod`:
   * - remove: Delete{actor: moderator, object: url, summary: reason, to [Public], cc [community],
   *   audience: community} (crates/apub/src/activities/deletion/delete.rs, Delete::new, with the
   *   reason that makes it a mod removal; asset deletion/remove_note.json), Announced.
   * - ban: Block{actor: moderator, object: person, target: community, summary, removeData,
   *   to [Public], cc [community], audience} (crates/apub/src/activities/block/block_user.rs,
   *   BlockUser::new; asset block/block_user.json), Announced, and sent to the person's inbox too
   *   (send_ban_from_community: the banned user is an extra inbox of send_activity_in_community).
   */
  async function moderate(body) {
    try {
      return await moderateOrFail(body);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(502, String(error?.message ?? error));
    }
  }

  async function moderateOrFail(body) {
    const name = body.group;
    const g = groupOf(name);
    if (g.kind !== "lemmy") throw new HttpError(400, "group-moderate is for lemmy groups");
    const reason = body.reason == null ? null : String(body.reason);
    const groupId = peer.actorUri(name);
    const moderatorId = peer.actorUri(g.moderator);
    if (body.action === "remove") {
      const object = requireUrlString(body.object, "object");
      const entry = g.thread.get(object);
      const del = {
        "@context": LEMMY_CONTEXT,
        actor: moderatorId,
        to: [PUBLIC],
        object,
        cc: [groupId],
        type: "Delete",
        ...(reason == null ? {} : { summary: reason }),
        id: `${peer.origin()}/activities/delete/${randomUUID()}`,
        audience: groupId,
      };
      peer.rememberJson(del.id, del);
      if (entry != null) entry.removed = true;
      const [announce] = await lemmyAnnounceAll(name, g, del, null, null);
      return { activity: announce.id, delete: del.id, delivered_to: followerInboxes(name) };
    }
    if (body.action === "ban") {
      const person = requireUrlString(body.actor, "actor");
      const block = {
        "@context": LEMMY_CONTEXT,
        actor: moderatorId,
        to: [PUBLIC],
        object: person,
        cc: [groupId],
        target: groupId,
        type: "Block",
        removeData: false,
        ...(reason == null ? {} : { summary: reason }),
        id: `${peer.origin()}/activities/block/${randomUUID()}`,
        audience: groupId,
      };
      peer.rememberJson(block.id, block);
      g.banned.set(person, { reason, activity: block.id });
      const [announce] = await lemmyAnnounceAll(name, g, block, null, null);
      let personInbox = null;
      try {
        const target = await peer.lookupActor(new URL(person), g.moderator);
        personInbox = target.inboxId.href;
        await enqueue(g, () => peer.deliverRaw(g.moderator, [personInbox], block));
      } catch (error) {
        peer.errors.push({ where: "group", error: `Block to ${person}: ${error?.message ?? error}`, at: new Date().toISOString() });
      }
      return { activity: announce.id, block: block.id, delivered_to: followerInboxes(name), person_inbox: personInbox };
    }
    throw new HttpError(400, 'action must be "remove" or "ban"');
  }

  function requireUrlString(value, field) {
    try {
      const url = new URL(value);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
      return url.href;
    } catch {
      throw new HttpError(400, `${field} must be an http(s) URL`);
    }
  }

  // ---- boostbot ----------------------------------------------------------------------------

  /**
   * Mastodon 4.x boosting (ReblogService + ActivityPub::ActivitySerializer for a reblog):
   * Announce{id: <actor>/statuses/<id>/activity, actor, published, to [Public], cc [author,
   * followers], object: <status uri>} to the followers and the author (StatusReachFinder reaches
   * the reblogged account). A Guppe group (immers-space/guppe index.js, 'apex-inbox' create)
   * addresses [followers, Public] with cc the author in the same way. `announceBy: "url"` names
   * the note's web `url` instead of its id.
   */
  function boost(name, g, object, authorId, entry) {
    const groupId = peer.actorUri(name);
    const statusId = randomUUID();
    const target = g.announceBy === "url" ? webUrl(object) ?? object.id : object.id;
    const announce = new Announce({
      id: new URL(`${groupId}/statuses/${statusId}/activity`),
      actor: new URL(groupId),
      object: new URL(target),
      published: Temporal.Now.instant().round({ smallestUnit: "second" }),
      tos: [new URL(PUBLIC)],
      ccs: [new URL(authorId), new URL(peer.followersUri(name))],
    });
    g.boosts.set(object.id, { statusId, announce, author: authorId });
    return enqueue(g, async () => {
      await peer.remember(name, announce);
      g.announces.push(await announce.toJsonLd({ format: "compact" }));
      await peer.sendActivity(name, [...followerRecipients(name), await authorRecipient(name, authorId)], announce);
      entry.announced = true;
    });
  }

  async function authorRecipient(name, authorId) {
    const author = await peer.lookupActor(new URL(authorId), name);
    return { id: author.id, inboxId: author.inboxId, endpoints: author.endpoints };
  }

  function boostbotReceive(name, g, raw, rawText) {
    const groupId = peer.actorUri(name);
    const actorId = firstId(raw.actor);
    const object = raw.object;
    switch (raw.type) {
      case "Create": {
        if (object == null || typeof object !== "object" || typeof object.id !== "string") return refuse(g, raw, "object must be embedded");
        if (firstId(object.attributedTo) !== actorId) return refuse(g, raw, "object not attributed to the actor");
        const entry = store(g, object, actorId);
        if (!mentionHrefs(object).includes(groupId)) return refuse(g, raw, "does not mention the group");
        if (g.locked && !actors.get(name).followers.has(actorId)) return refuse(g, raw, "locked: the author is not an accepted follower");
        if (g.boosts.has(object.id)) return;
        return void boost(name, g, object, actorId, entry);
      }
      case "Update": {
        if (object == null || typeof object !== "object" || typeof object.id !== "string") return;
        const entry = g.thread.get(object.id);
        if (entry == null || entry.actor !== actorId) return refuse(g, raw, "update of an unknown object");
        store(g, object, actorId);
        // ActivityPub::ProcessStatusUpdateService#forward_activity!: forwarded like a Delete.
        if (g.boosts.has(object.id)) forward(name, g, raw, rawText, actorId);
        return;
      }
      case "Delete": {
        const id = firstId(object);
        const entry = id == null ? null : g.thread.get(id);
        if (entry == null || entry.actor !== actorId) return refuse(g, raw, "delete of an unknown object");
        entry.deleted = true;
        const boosted = g.boosts.get(id);
        if (boosted == null) return;
        // ActivityPub::Activity::Delete#delete_status: forward (Forwarder), then
        // RemoveStatusService removes the reblogs, each sending Undo(Announce)
        // (ActivityPub::UndoAnnounceSerializer: id <actor>#announces/<id>/undo, to [Public],
        // object the Announce) to the followers and the author.
        forward(name, g, raw, rawText, actorId);
        g.boosts.delete(id);
        const undo = new Undo({
          id: new URL(`${groupId}#announces/${boosted.statusId}/undo`),
          actor: new URL(groupId),
          object: boosted.announce,
          tos: [new URL(PUBLIC)],
        });
        void enqueue(g, async () => {
          await peer.remember(name, undo);
          await peer.sendActivity(name, [...followerRecipients(name), await authorRecipient(name, actorId)], undo);
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * Mastodon's inbox forwarding (app/lib/activitypub/forwarder.rb): only an activity that carries
   * an LD `signature` (forwardable?) is forwarded, as received (Oj.dump of the parsed body; the
   * peer sends the exact bytes), HTTP-signed by the booster, to the inboxes of the booster's
   * followers minus the author's own inbox.
   */
  function forward(name, g, raw, rawText, authorId) {
    if (raw.signature == null) return refuse(g, raw, "not forwarded: no LD signature (Mastodon forwards only signed activities)");
    const authorInboxes = new Set();
    const author = actors.get(name).followers.get(authorId);
    if (author != null) {
      authorInboxes.add(author.inbox);
      if (author.sharedInbox != null) authorInboxes.add(author.sharedInbox);
    }
    const inboxes = followerInboxes(name).filter((i) => !authorInboxes.has(i));
    void enqueue(g, () => peer.deliverRaw(name, inboxes, { text: rawText }));
  }

  // ---- friendica ---------------------------------------------------------------------------

  /**
   * Friendica 2024.08 forums (a "community" account):
   * - Receiving (src/Protocol/ActivityPub/Receiver.php, getReceivers): a post addressed to the
   *   forum (to/cc/audience) counts for it only if its author is a contact of the forum ("Group
   *   posts are only accepted from group contacts": a follower); a public reply to a post the
   *   forum has reaches it as TARGET_ANSWER, from anyone.
   * - Relaying (src/Model/Item.php, tagDeliver): a top-level post must mention the forum
   *   (Tag::isMentioned: Mention, exclusive `!forum` mention or audience); a comment is relayed
   *   when its thread's top post mentioned the forum. The relay is performActivity(.., 'announce'):
   *   an Announce item of the forum.
   * - The Announce (src/Protocol/ActivityPub/Transmitter.php, createActivityFromArray with
   *   $announce_activity false, as Delivery.php sends it): object the announced item's URI (a
   *   link, not the activity), actor the forum, id the Announce item's own URI (/objects/<guid>),
   *   `instrument` the Friendica service; createPermissionBlockForItem for a forum owner: to
   *   [Public, the announced item's author], cc [the forum's followers], audience the forum.
   * Update and Delete are not relayed; votes are not relayed (redistribute_activities aside).
   */
  function friendicaReceive(name, g, raw) {
    const groupId = peer.actorUri(name);
    const actorId = firstId(raw.actor);
    const object = raw.object;
    const isMember = actors.get(name).followers.has(actorId);
    switch (raw.type) {
      case "Create": {
        if (object == null || typeof object !== "object" || typeof object.id !== "string") return refuse(g, raw, "object must be embedded");
        if (firstId(object.attributedTo) !== actorId) return refuse(g, raw, "object not attributed to the actor");
        const inReplyTo = firstId(object.inReplyTo);
        const audience = addressees(raw, object);
        if (inReplyTo == null) {
          if (!audience.has(groupId)) return refuse(g, raw, "post not addressed to the forum");
          if (!isMember) return refuse(g, raw, "top-level posts are only accepted from members");
          const mentioned = mentionHrefs(object).includes(groupId) || ids(object.audience).includes(groupId);
          const entry = store(g, object, actorId);
          if (!mentioned) return refuse(g, raw, "top-level post without a mention of the forum is not relayed");
          return void friendicaAnnounce(name, g, object, actorId, entry);
        }
        const parent = g.thread.get(inReplyTo);
        if (parent == null) return refuse(g, raw, "reply into a thread the forum does not have");
        if (!audience.has(PUBLIC) && !(isMember && audience.has(groupId))) return refuse(g, raw, "non-public reply");
        const entry = store(g, object, actorId);
        if (!threadTopMentions(g, parent, groupId)) return refuse(g, raw, "thread did not mention the forum");
        return void friendicaAnnounce(name, g, object, actorId, entry);
      }
      case "Update": {
        if (object == null || typeof object !== "object") return;
        const entry = g.thread.get(object.id);
        if (entry != null && entry.actor === actorId) store(g, object, actorId);
        return;
      }
      case "Delete": {
        const entry = g.thread.get(firstId(object));
        if (entry != null && entry.actor === actorId) entry.deleted = true;
        return;
      }
      default:
        return;
    }
  }

  function threadTopMentions(g, entry, groupId) {
    let top = entry;
    for (let i = 0; i < 100 && top.inReplyTo != null && g.thread.has(top.inReplyTo); i++) top = g.thread.get(top.inReplyTo);
    return top.inReplyTo == null && (top.mentions.includes(groupId) || top.audience === groupId);
  }

  function friendicaAnnounce(name, g, object, authorId, entry) {
    const groupId = peer.actorUri(name);
    const announce = new Announce({
      id: new URL(`/objects/${randomUUID()}`, peer.origin()),
      actor: new URL(groupId),
      object: new URL(object.id),
      published: Temporal.Now.instant().round({ smallestUnit: "second" }),
      instrument: new Service({ name: "Friendica (causeway test peer)", url: new URL(peer.origin()) }),
      tos: [new URL(PUBLIC), new URL(authorId)],
      ccs: [new URL(peer.followersUri(name))],
      audience: new URL(groupId),
    });
    return enqueue(g, async () => {
      await peer.remember(name, announce);
      g.announces.push(await announce.toJsonLd({ format: "compact" }));
      await peer.sendActivity(name, [...followerRecipients(name), await authorRecipient(name, authorId)], announce);
      entry.announced = true;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reading a group

  function thread(name) {
    return [...groupOf(name).thread.values()];
  }

  function refused(name) {
    return groupOf(name).refused;
  }

  /** OrderedCollection of the group's Announces, newest first (Lemmy's outbox inlines them). */
  function outbox(name) {
    const g = groupOf(name);
    const items = [...g.announces].reverse();
    return {
      "@context": LEMMY_CONTEXT,
      type: "OrderedCollection",
      id: `${peer.actorUri(name)}/outbox`,
      totalItems: items.length,
      orderedItems: items.map((a) => (a["@context"] == null ? a : withoutContext(a))),
    };
  }

  /** Lemmy's moderators collection (crates/apub/src/collections/community_moderators.rs). */
  function moderators(name) {
    const g = groupOf(name);
    return {
      "@context": LEMMY_CONTEXT,
      type: "OrderedCollection",
      id: `${peer.actorUri(name)}/moderators`,
      orderedItems: [peer.actorUri(g.moderator)],
    };
  }

  function isGroup(name) {
    return actors.get(name)?.group != null;
  }

  return {
    create,
    describe,
    isGroup,
    holdFollow,
    dropRequest,
    requests,
    approve: (body) => answerRequest(body, true),
    reject: (body) => answerRequest(body, false),
    receive,
    inboxRefusal,
    moderate,
    thread,
    refused,
    outbox,
    moderators,
  };
}
