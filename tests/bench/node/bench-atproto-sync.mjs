#!/usr/bin/env node
// Runs the Node side of the firehose benchmark end to end: starts firehose-replay-server.mjs on a
// free 127.0.0.1 port, runs atproto-sync-consumer.mjs against it --runs times (one after the
// other, each a fresh process and connection), optionally the no-op count-client.mjs too, and
// prints each run's JSON line and then a summary line with the medians:
//
//   node bench-atproto-sync.mjs [--count 200000] [--runs 3] [--frames FILE] [--raw]
//
// {"summary":"atproto-sync","runs":3,"count":N,"median_frames_per_second":..,
//  "median_max_rss_mb":..,"median_seconds":..,"median_frames_per_cpu_second":..,
//  "loadavg_1m_at_end":..,"raw_median_frames_per_second":..(with --raw)}
// The machine should be idle: on 2 cores another busy process takes a core from the consumer or
// the server (compare loadavg_1m_at_end with the 2 the benchmark itself puts on it).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './frames.mjs';

const opts = parseArgs(process.argv.slice(2), {
  count: { type: 'int', default: 200_000 },
  runs: { type: 'int', default: 3 },
  frames: { type: 'string', default: '/work/shared/fixtures/firehose-replay/frames.bin.gz' },
  raw: { type: 'flag', default: false },
});
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const srv = spawn(process.execPath, [
  here('firehose-replay-server.mjs'), '--port', '0', '--count', String(opts.count), '--frames', opts.frames,
], { stdio: ['ignore', 'pipe', 'inherit'] });
const stopServer = async () => {
  if (srv.exitCode === null && srv.signalCode === null) {
    srv.kill('SIGTERM');
    await once(srv, 'exit');
  }
};
process.on('SIGINT', () => { srv.kill('SIGTERM'); process.exit(130); });

try {
  const url = await new Promise((resolve, reject) => {
    let out = '';
    srv.stdout.setEncoding('utf8');
    srv.stdout.on('data', (d) => {
      out += d;
      const m = /^READY (ws:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    srv.on('exit', (code) => reject(new Error(`replay server exited (${code}) before READY`)));
  });

  const run = async (script) => {
    const child = spawn(process.execPath, [here(script), '--url', url, '--count', String(opts.count)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => { out += d; });
    const [code] = await once(child, 'exit');
    const line = out.trim().split('\n').at(-1);
    console.log(line);
    if (code !== 0) throw new Error(`${script} exited ${code}`);
    return JSON.parse(line);
  };

  const results = [];
  for (let i = 0; i < opts.runs; i++) results.push(await run('atproto-sync-consumer.mjs'));
  const summary = {
    summary: 'atproto-sync',
    runs: opts.runs,
    count: opts.count,
    median_frames_per_second: Math.round(median(results.map((r) => r.frames_per_second))),
    median_max_rss_mb: median(results.map((r) => r.max_rss_mb)),
    median_seconds: median(results.map((r) => r.seconds)),
    median_frames_per_cpu_second: Math.round(median(results.map((r) => r.frames_per_cpu_second))),
    loadavg_1m_at_end: Number(os.loadavg()[0].toFixed(2)),
  };
  if (opts.raw) {
    const raw = [];
    for (let i = 0; i < opts.runs; i++) raw.push(await run('count-client.mjs'));
    summary.raw_median_frames_per_second = Math.round(median(raw.map((r) => r.frames_per_second)));
  }
  console.log(JSON.stringify(summary));
} finally {
  await stopServer();
}
