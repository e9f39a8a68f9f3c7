// The local demo network: a real Bluesky PDS (with its PLC directory) and a real Fedify server on
// 127.0.0.1, causeway between them, and one round trip a user would make. Started by
// deploy/demo.sh with the Node 22 that tests/peers/install.sh installs; state under $TMPDIR/causeway-demo (or CAUSEWAY_DEMO_DIR).
//
//   1. starts the PDS+PLC and the Fedify peer, creates the Bluesky accounts townhall.test (the
//      mirror account) and bob.test, writes causeway.yaml there and starts causeway;
//   2. alice@fedify joins the hosted group "townhall" and posts to it;
//   3. shows the post as the mirror account wrote it on the PDS;
//   4. bob.test replies on Bluesky; shows the reply arriving at alice through the group;
//   5. prints the URLs and keeps everything running until Ctrl-C, then stops what it started.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync, rmSync, openSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
// Outside the work tree: a run never writes into the checkout. CAUSEWAY_DEMO_DIR to choose.
const varDir = process.env.CAUSEWAY_DEMO_DIR || path.join(os.tmpdir(), "causeway-demo");
const peers = path.join(root, "tests/peers");
const node = process.execPath;
const children = [];

function say(text) {
  process.stdout.write(`\n== ${text}\n`);
}

// Starts a child whose stdout prints a READY line; resolves with that line.
function start(name, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const log = openSync(path.join(varDir, `${name}.log`), "a");
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", log] });
    children.push({ name, child });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start; see ${varDir}/${name}.log`)), 120000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith(options.ready ?? "READY"));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on("exit", (code) => reject(new Error(`${name} exited (${code}); see ${varDir}/${name}.log`)));
  });
}

async function http(method, url, body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function until(what, check, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    const value = await check().catch(() => null);
    if (value) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stopAll() {
  for (const { child } of children.reverse()) if (child.exitCode === null) child.kill("SIGTERM");
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    say(`stopping (${signal})`);
    stopAll();
    setTimeout(() => process.exit(0), 1500);
  });
}

async function main() {
  rmSync(varDir, { recursive: true, force: true });
  mkdirSync(varDir, { recursive: true });

  say("starting a Bluesky PDS with its PLC directory, and a Fedify server (127.0.0.1)");
  const pdsLine = await start("pds", [node, path.join(peers, "pds-peer.mjs"), "--port", "0", "--data", path.join(varDir, "pds")]);
  const pds = /pds=(\S+)/.exec(pdsLine)[1];
  const plc = /plc=(\S+)/.exec(pdsLine)[1];
  const fediLine = await start("fedify", [node, path.join(peers, "fedify-peer.mjs"), "--port", "0"]);
  const fedify = /READY (\S+)/.exec(fediLine)[1];
  console.log(`PDS ${pds}, PLC ${plc}, Fedify ${fedify}`);

  const account = async (name) => {
    const made = await http("POST", `${pds}/xrpc/com.atproto.server.createAccount`, {
      handle: `${name}.test`, email: `${name}@example.test`, password: `${name}-demo-password`,
    });
    const app = await http("POST", `${pds}/xrpc/com.atproto.server.createAppPassword`, { name: "causeway" },
      { Authorization: `Bearer ${made.accessJwt}` });
    return { handle: `${name}.test`, did: made.did, jwt: made.accessJwt, appPassword: app.password };
  };
  const townhall = await account("townhall");
  const bob = await account("bob");
  console.log(`Bluesky accounts: ${townhall.handle} (${townhall.did}, the mirror), ${bob.handle} (${bob.did})`);

  say("starting causeway with a hosted group mirrored to townhall.test");
  const port = 8480;
  const origin = `http://127.0.0.1:${port}`;
  writeFileSync(path.join(varDir, "townhall.app-password"), townhall.appPassword, { mode: 0o600 });
  const config = `# Written by deploy/demo.sh: the local demo network.
server: { public_url: ${origin}, listen: 127.0.0.1:${port} }
storage: { path: ${path.join(varDir, "data")} }
secrets: { master_key_file: ${path.join(varDir, "master.key")} }
network: { allow_private_addresses: true }   # the peers live on 127.0.0.1
atproto:
  plc_url: ${plc}
  stream: { kind: firehose, url: ${pds.replace("http", "ws")} }
bridges:
  - name: townhall
    fediverse: { host: { name: townhall, display_name: "Town Hall" } }
    bluesky: { pds: ${pds}, handle: townhall.test, app_password: { file: ${path.join(varDir, "townhall.app-password")} } }
    mirror: { replies: both, likes: both, reposts: both, long_posts: thread }
    members: { bluesky_posting: open }
`;
  writeFileSync(path.join(varDir, "causeway.yaml"), config);
  const causeway = spawn(path.join(root, "build/causeway"), ["run", "--config", "causeway.yaml"], {
    cwd: varDir, stdio: ["ignore", "ignore", openSync(path.join(varDir, "causeway.log"), "a")],
  });
  children.push({ name: "causeway", child: causeway });
  causeway.on("exit", (code) => { if (code !== 0 && code !== null) console.error(`causeway exited (${code}); see ${varDir}/causeway.log`); });
  await until("causeway", async () => (await fetch(`${origin}/healthz`)).ok, 30);
  const group = `${origin}/ap/group/townhall`;
  console.log(`causeway ${origin}; group ${group} (@townhall@127.0.0.1:${port})`);

  say("alice (on the Fedify server) joins the group and posts to it");
  await http("POST", `${fedify}/control/actors`, { name: "alice" });
  await http("POST", `${fedify}/control/follow`, { actor: "alice", target: group });
  await until("alice's membership", async () =>
    (await http("GET", `${fedify}/control/following?actor=alice`)).some((f) => f.target === group && f.state === "accepted"));
  const post = await http("POST", `${fedify}/control/post`, {
    actor: "alice",
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [group],
    content: `<p>Town hall tonight at 7 — agenda: <a href="https://example.org/agenda">https://example.org/agenda</a> <a href="${fedify}/tags/townhall" class="mention hashtag" rel="tag">#<span>townhall</span></a> 🎉</p>`,
  });
  console.log(`alice posted ${post.note}`);

  say("the mirror account's post on Bluesky (read back from the PDS)");
  const listed = await until("the mirrored post", async () => {
    const page = await http("GET", `${pds}/xrpc/com.atproto.repo.listRecords?repo=${townhall.did}&collection=app.bsky.feed.post`);
    return page.records.length > 0 ? page.records[0] : null;
  });
  console.log(`${listed.uri}\n${JSON.stringify(listed.value, null, 2)}`);

  say("bob.test replies on Bluesky");
  const reply = await http("POST", `${pds}/xrpc/com.atproto.repo.createRecord`, {
    repo: bob.did,
    collection: "app.bsky.feed.post",
    record: {
      $type: "app.bsky.feed.post",
      text: "I'll be there! Can we talk about the library hours?",
      createdAt: new Date().toISOString(),
      reply: { root: { uri: listed.uri, cid: listed.cid }, parent: { uri: listed.uri, cid: listed.cid } },
    },
  }, { Authorization: `Bearer ${bob.jwt}` });
  console.log(`bob replied ${reply.uri}`);

  say("the reply arriving at alice, from bob's bridged actor (on the fediverse side)");
  const bridged = `${origin}/ap/${bob.did}`;
  const arrived = await until("the reply at alice", async () =>
    (await http("GET", `${fedify}/control/received?actor=alice`)).find((a) => a.type === "Create" && a.actor === bridged));
  console.log(`${arrived.type} from ${arrived.actor}\n${arrived.content}`);

  say("running; Ctrl-C stops everything");
  console.log(`causeway          ${origin}  (status: build/causeway status --config ${varDir}/causeway.yaml)`);
  console.log(`  group           ${group}`);
  console.log(`  metrics         curl --unix-socket ${varDir}/data/admin.sock http://localhost/metrics  (admin listener)`);
  console.log(`Bluesky PDS       ${pds}  (firehose ${pds.replace("http", "ws")}/xrpc/com.atproto.sync.subscribeRepos)`);
  console.log(`PLC directory     ${plc}`);
  console.log(`Fedify server     ${fedify}  (alice: ${fedify}/users/alice)`);
  console.log(`logs              ${varDir}/*.log`);
  console.log(`why was it bridged?  build/causeway why --config ${varDir}/causeway.yaml ${post.note}`);
}

main().catch((error) => {
  console.error(`demo failed: ${error.message}`);
  stopAll();
  process.exitCode = 1;
});
