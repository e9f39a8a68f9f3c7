// Shared helpers of the firehose benchmark scripts: loading the recorded frames
// (/work/shared/fixtures/firehose-replay/frames.bin.gz: [uint32 BE length][message] repeated,
// gzipped), finding each message's top-level `seq` without a CBOR library, re-encoding it, and
// reaching the packages installed in tests/peers/node_modules (these scripts live outside that
// folder, so a bare `import 'ws'` would not resolve).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** `require` rooted at tests/peers (its node_modules), for CommonJS packages such as `ws`. */
export const peersRequire = createRequire(new URL('../../peers/package.json', import.meta.url));

/** Imports an ES-module package installed in tests/peers/node_modules. */
export async function importPeerPackage(name) {
  return import(pathToFileURL(peersRequire.resolve(name)).href);
}

/** Minimal `--name value` / `--flag` parser. */
export function parseArgs(argv, spec) {
  const out = {};
  for (const [k, v] of Object.entries(spec)) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const key = a.slice(2);
    const s = spec[key];
    if (!s) throw new Error(`unknown option: ${a}`);
    if (s.type === 'flag') { out[key] = true; continue; }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    out[key] = s.type === 'int' ? parseIntStrict(v, a) : v;
  }
  for (const [k, s] of Object.entries(spec)) {
    if (s.required && out[k] === undefined) throw new Error(`--${k} is required`);
  }
  return out;
}

function parseIntStrict(v, name) {
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return Number(v);
}

/** Reads a recording ([uint32 BE length][message] repeated; gunzipped if it ends in .gz). */
export function loadFrames(path) {
  let buf = readFileSync(path);
  if (path.endsWith('.gz') || (buf[0] === 0x1f && buf[1] === 0x8b)) buf = gunzipSync(buf);
  const frames = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 4 > buf.length) throw new Error(`${path}: truncated length prefix at byte ${off}`);
    const len = buf.readUInt32BE(off);
    off += 4;
    if (off + len > buf.length) throw new Error(`${path}: truncated message at byte ${off}`);
    frames.push(buf.subarray(off, off + len));
    off += len;
  }
  return frames;
}

// --- a tiny CBOR walker: enough to skip any item and to walk the top level of a map ----------

/** Reads an item head at `off`: { major, info, arg (Number or BigInt), end (offset after head) }. */
function readHead(b, off) {
  if (off >= b.length) throw new Error('CBOR: unexpected end');
  const ib = b[off];
  const major = ib >> 5;
  const info = ib & 0x1f;
  let arg;
  let end = off + 1;
  if (info < 24) arg = info;
  else if (info === 24) { arg = b[end]; end += 1; }
  else if (info === 25) { arg = b.readUInt16BE(end); end += 2; }
  else if (info === 26) { arg = b.readUInt32BE(end); end += 4; }
  else if (info === 27) {
    const big = b.readBigUInt64BE(end);
    arg = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    end += 8;
  } else if (info === 31) arg = -1; // indefinite length (not DAG-CBOR, but skippable)
  else throw new Error(`CBOR: reserved additional info ${info}`);
  if (end > b.length) throw new Error('CBOR: unexpected end');
  return { major, info, arg, end };
}

/** Returns the offset just past the CBOR item starting at `off`. */
export function skipItem(b, off) {
  const h = readHead(b, off);
  switch (h.major) {
    case 0: case 1: return h.end;
    case 2: case 3:
      if (h.arg === -1) { // indefinite string: chunks until break
        let p = h.end;
        while (b[p] !== 0xff) p = skipItem(b, p);
        return p + 1;
      }
      return h.end + Number(h.arg);
    case 4: case 5: {
      let p = h.end;
      const per = h.major === 5 ? 2 : 1;
      if (h.arg === -1) {
        while (b[p] !== 0xff) p = skipItem(b, p);
        return p + 1;
      }
      for (let i = 0; i < Number(h.arg) * per; i++) p = skipItem(b, p);
      return p;
    }
    case 6: return skipItem(b, h.end); // tag: skip the tagged item
    case 7: return h.end; // simple values and floats: the head holds the whole item
  }
  throw new Error('unreachable');
}

/**
 * Locates a message's body (the second CBOR item) and its top-level `seq`:
 * { bodyStart, seqStart, seqEnd, seq } (offsets into `msg`), or null if the body has no
 * unsigned-integer `seq` (error frames, say).
 */
export function locateSeq(msg) {
  const bodyStart = skipItem(msg, 0); // the header {op, t}
  const h = readHead(msg, bodyStart);
  if (h.major !== 5 || h.arg === -1) return null;
  let p = h.end;
  for (let i = 0; i < h.arg; i++) {
    const k = readHead(msg, p);
    let isSeq = false;
    if (k.major === 3 && k.arg === 3) {
      isSeq = msg[k.end] === 0x73 && msg[k.end + 1] === 0x65 && msg[k.end + 2] === 0x71; // "seq"
    }
    p = skipItem(msg, p);
    const valueStart = p;
    p = skipItem(msg, p);
    if (isSeq) {
      const v = readHead(msg, valueStart);
      if (v.major !== 0) return null;
      return { bodyStart, seqStart: valueStart, seqEnd: p, seq: Number(v.arg) };
    }
  }
  return null;
}

/** The minimal CBOR encoding of an unsigned integer (major type 0), as DAG-CBOR requires. */
export function encodeUint(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`cannot encode seq ${n}`);
  if (n < 24) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x18, n]);
  if (n < 0x10000) { const b = Buffer.allocUnsafe(3); b[0] = 0x19; b.writeUInt16BE(n, 1); return b; }
  if (n < 0x100000000) { const b = Buffer.allocUnsafe(5); b[0] = 0x1a; b.writeUInt32BE(n, 1); return b; }
  const b = Buffer.allocUnsafe(9); b[0] = 0x1b; b.writeBigUInt64BE(BigInt(n), 1); return b;
}

/** Writes the minimal CBOR unsigned integer `n` into `out` at `off`; returns the new offset. */
export function writeUint(out, off, n) {
  if (n < 24) { out[off] = n; return off + 1; }
  if (n < 0x100) { out[off] = 0x18; out[off + 1] = n; return off + 2; }
  if (n < 0x10000) { out[off] = 0x19; out.writeUInt16BE(n, off + 1); return off + 3; }
  if (n < 0x100000000) { out[off] = 0x1a; out.writeUInt32BE(n, off + 1); return off + 5; }
  if (!Number.isSafeInteger(n)) throw new Error(`cannot encode seq ${n}`);
  out[off] = 0x1b; out.writeBigUInt64BE(BigInt(n), off + 1); return off + 9;
}

export function uintSize(n) {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/**
 * A looped stream over a recording whose `seq` keeps increasing: the i-th message (i ≥ 0) is
 * recording[i mod M] with seq = its recorded seq + floor(i / M) · span, span = last − first + 1
 * of the recorded seqs (so the first pass is the recording byte for byte and the seqs of a
 * contiguous recording stay contiguous across loops). Messages without a seq are sent as they are.
 */
export class LoopedRecording {
  constructor(frames) {
    if (frames.length === 0) throw new Error('empty recording');
    this.frames = frames;
    this.parts = frames.map((m) => {
      const loc = locateSeq(m);
      if (!loc) return { msg: m, seq: null };
      return {
        msg: m,
        seq: loc.seq,
        head: m.subarray(0, loc.seqStart),
        tail: m.subarray(loc.seqEnd),
      };
    });
    const seqs = this.parts.filter((p) => p.seq !== null).map((p) => p.seq);
    this.firstSeq = seqs.length ? Math.min(...seqs) : 0;
    this.lastSeq = seqs.length ? Math.max(...seqs) : 0;
    this.span = seqs.length ? this.lastSeq - this.firstSeq + 1 : 0;
    let increasing = true;
    for (let i = 1; i < seqs.length; i++) if (seqs[i] <= seqs[i - 1]) increasing = false;
    this.increasing = increasing;
    this.bytes = frames.reduce((s, m) => s + m.length, 0);
  }

  get length() { return this.frames.length; }

  /** The seq the i-th message of the stream carries (null for a message without one). */
  seqAt(i) {
    const p = this.parts[i % this.frames.length];
    return p.seq === null ? null : p.seq + Math.floor(i / this.frames.length) * this.span;
  }

  /** Index of the first message whose seq is > cursor (for `?cursor=`). */
  indexAfterCursor(cursor) {
    if (!this.increasing || cursor < this.firstSeq) return 0;
    const M = this.frames.length;
    let loop = Math.floor((cursor - this.firstSeq) / this.span);
    for (;;) {
      for (let j = 0; j < M; j++) {
        const s = this.seqAt(loop * M + j);
        if (s !== null && s > cursor) return loop * M + j;
      }
      loop++;
    }
  }

  /** The i-th message of the stream as a fresh Buffer (or the recorded one when unchanged). */
  messageAt(i) {
    const M = this.frames.length;
    const p = this.parts[i % M];
    const loop = Math.floor(i / M);
    if (p.seq === null || loop === 0) return p.msg;
    const seq = p.seq + loop * this.span;
    const out = Buffer.allocUnsafe(p.head.length + uintSize(seq) + p.tail.length);
    p.head.copy(out, 0);
    const o = writeUint(out, p.head.length, seq);
    p.tail.copy(out, o);
    return out;
  }
}
