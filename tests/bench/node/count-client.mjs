#!/usr/bin/env node
// The trivial consumer: counts the binary messages of a subscribeRepos stream and decodes
// nothing, to measure what firehose-replay-server.mjs can push.
//
//   node count-client.mjs --url ws://127.0.0.1:P --count N [--check-seq]
//
// Prints one JSON line: {"frames","seconds","frames_per_second","max_rss_mb","bytes","mb_per_second"}.
// --check-seq also walks each message's CBOR top level (no decoding library) and checks that the
// body's seq strictly increases (a counter of violations is added to the line).
import process from 'node:process';
import { locateSeq, parseArgs, peersRequire } from './frames.mjs';

const opts = parseArgs(process.argv.slice(2), {
  url: { type: 'string', required: true },
  count: { type: 'int', required: true },
  'check-seq': { type: 'flag', default: false },
});
const { WebSocket } = peersRequire('ws');

let url = opts.url.replace(/\/+$/, '');
if (!url.includes('/xrpc/')) url += '/xrpc/com.atproto.sync.subscribeRepos';

let maxRss = process.memoryUsage.rss();
const rssTimer = setInterval(() => { maxRss = Math.max(maxRss, process.memoryUsage.rss()); }, 100);

let frames = 0;
let bytes = 0;
let lastSeq = -1;
let seqErrors = 0;
let started = 0;
let finished = false;
const ws = new WebSocket(url, { perMessageDeflate: false });
ws.binaryType = 'nodebuffer';
ws.on('open', () => { started = performance.now(); });
ws.on('message', (data) => {
  if (finished) return;
  frames++;
  bytes += data.length;
  if (opts['check-seq']) {
    const loc = locateSeq(data);
    if (!loc || loc.seq <= lastSeq) seqErrors++;
    if (loc) lastSeq = loc.seq;
  }
  if (frames >= opts.count) finish('count');
});
ws.on('close', (code) => finish(`close ${code}`));
ws.on('error', (err) => { console.error(`count-client: ${err.message}`); process.exitCode = 1; });

function finish(why) {
  if (finished) return;
  finished = true;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(rssTimer);
  maxRss = Math.max(maxRss, process.memoryUsage.rss());
  const out = {
    frames,
    seconds: Number(seconds.toFixed(3)),
    frames_per_second: Math.round(frames / seconds),
    max_rss_mb: Number((maxRss / 1048576).toFixed(1)),
    bytes,
    mb_per_second: Number((bytes / 1e6 / seconds).toFixed(1)),
    ended_by: why,
  };
  if (opts['check-seq']) { out.last_seq = lastSeq; out.seq_errors = seqErrors; }
  console.log(JSON.stringify(out));
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  setTimeout(() => process.exit(), 200).unref();
}
