/**
 * One process of the idle-socket generator for `npm run bench:relay` (forked by
 * bench/idle-pool.ts): it opens `count` Socket.IO clients (Engine.IO 4 over a WebSocket,
 * written on node:net, a few hundred bytes each rather than socket.io-client's tens of KB),
 * binding each TCP connection to one of `addresses` in turn (each loopback source address has
 * ~28k ephemeral ports), with at most `concurrency` handshakes in flight and a deadline. It
 * holds them (answering the server's pings) until told `release`.
 *
 * Bounded: a socket not joined within `deadlineMs` of the start counts as failed, and the job
 * ends then whatever happened; the orchestrator going away ends this process.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile, round } from './stats.js';

export interface HoldJob {
  cmd: 'hold';
  port: number;
  /** Source addresses, used round-robin (127.0.0.2, 127.0.0.3, ...). */
  addresses: string[];
  count: number;
  concurrency: number;
  deadlineMs: number;
  /** Rooms of two: socket i joins `${roomPrefix}-${i >> 1}` (i counted across the whole pool). */
  roomPrefix: string;
  /** This process's first socket index in the pool (room names stay pairs across processes). */
  firstIndex: number;
}

export type GeneratorRequest = HoldJob | { cmd: 'release' };

export interface HoldResult {
  ev: 'held';
  joined: number;
  failed: number;
  /** Why sockets failed, by reason (first 60 characters), with counts. */
  failures: Record<string, number>;
  /** From the first connect to the last join, ms. */
  elapsedMs: number;
  /** Connect → client-id per socket, ms. */
  joinMs: { p50: number; p99: number; max: number };
  /** Sockets still open when the figures were taken (a server may drop some after joining). */
  open: number;
}

export type GeneratorReply = HoldResult | { ev: 'released'; open: number } | { ev: 'error'; message: string };

const reply = (m: GeneratorReply): void => {
  process.send?.(m);
};

/** A client → server WebSocket text frame; masked, as RFC 6455 requires of clients (a fixed mask is allowed). */
const MASK = randomBytes(4);
function frame(text: string, opcode = 0x1): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const headLen = len < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(headLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = 0x80 | len;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  }
  MASK.copy(out, headLen);
  for (let i = 0; i < len; i++) out[headLen + 4 + i] = payload[i]! ^ MASK[i % 4]!;
  return out;
}
const PONG = frame('3');

/** One held client: plain fields, shared handlers (no closures per socket but the TCP listeners). */
interface Held {
  tcp: Socket;
  buf: Buffer | null;
  upgraded: boolean;
  joined: boolean;
  auth: string;
  t0: number;
  done: ((why: string | null) => void) | null;
}

const open = new Set<Held>();

function onPacket(h: Held, p: string): void {
  if (p[0] === '2') return void h.tcp.write(PONG);
  if (p[0] === '0') return void h.tcp.write(frame(`40${h.auth}`));
  if (p[0] !== '4' || h.joined) return;
  if (p[1] === '4') return h.done?.(`connect_error ${p.slice(2, 62)}`);
  if (p.startsWith('42["client-id"')) {
    h.joined = true;
    h.done?.(null);
  }
}

function onData(h: Held, chunk: Buffer): void {
  let buf = h.buf ? Buffer.concat([h.buf, chunk]) : chunk;
  if (!h.upgraded) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return void (h.buf = buf);
    if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return h.done?.(`http ${buf.subarray(9, 12).toString()}`);
    h.upgraded = true;
    buf = buf.subarray(end + 4);
  }
  // Server frames are unmasked and, from `ws`, never fragmented.
  while (buf.length >= 2) {
    const opcode = buf[0]! & 0x0f;
    let len = buf[1]! & 0x7f;
    let at = 2;
    if (len === 126) {
      if (buf.length < 4) break;
      len = buf.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (buf.length < 10) break;
      len = Number(buf.readBigUInt64BE(2));
      at = 10;
    }
    if (buf.length < at + len) break;
    const payload = buf.subarray(at, at + len);
    buf = buf.subarray(at + len);
    if (opcode === 0x1) onPacket(h, payload.toString());
    else if (opcode === 0x8) h.tcp.end();
  }
  // Keep only what is left of a partial frame (a copy: never pin a 64 KB read buffer per socket).
  h.buf = buf.length ? Buffer.from(buf) : null;
}

function openOne(port: number, localAddress: string, auth: string): Promise<{ ms: number; why: string | null }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const tcp = connect({ port, host: '127.0.0.1', localAddress });
    const h: Held = { tcp, buf: null, upgraded: false, joined: false, auth, t0, done: null };
    h.done = (why) => {
      h.done = null;
      if (why !== null) tcp.destroy();
      resolve({ ms: performance.now() - t0, why });
    };
    tcp.setNoDelay(true);
    tcp.on('connect', () => {
      tcp.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    tcp.on('data', (c: Buffer) => onData(h, c));
    tcp.on('error', (err) => h.done?.(`tcp ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    tcp.on('close', () => {
      open.delete(h);
      h.done?.('closed before client-id');
    });
    open.add(h);
  });
}

async function hold(job: HoldJob): Promise<void> {
  const failures: Record<string, number> = {};
  const times = new Float64Array(job.count);
  let joined = 0;
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const deadline = t0 + job.deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < job.count && performance.now() < deadline) {
      const i = next++;
      const g = job.firstIndex + i;
      const auth = JSON.stringify({ room: `${job.roomPrefix}-${g >> 1}`, protocol: 2 });
      const r = await openOne(job.port, job.addresses[g % job.addresses.length]!, auth);
      if (r.why === null) times[joined++] = r.ms;
      else {
        failed++;
        failures[r.why] = (failures[r.why] ?? 0) + 1;
      }
    }
  };
  // The deadline also bounds a handshake the server never answers.
  const timeout = new Promise<void>((r) => setTimeout(r, job.deadlineMs + 1000).unref());
  await Promise.race([Promise.all(Array.from({ length: Math.min(job.concurrency, job.count) }, worker)), timeout]);
  const elapsedMs = performance.now() - t0;
  if (next < job.count) {
    failures['deadline'] = job.count - next;
    failed += job.count - next;
  }
  const sorted = times.subarray(0, joined).sort();
  reply({
    ev: 'held',
    joined,
    failed,
    failures,
    elapsedMs: round(elapsedMs, 0),
    joinMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(percentile(sorted, 100)) },
    open: open.size,
  });
}

process.on('message', (raw) => {
  const req = raw as GeneratorRequest;
  if (req.cmd === 'hold') {
    hold(req).catch((err: unknown) => reply({ ev: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
    return;
  }
  const n = open.size;
  for (const h of [...open]) h.tcp.destroy();
  reply({ ev: 'released', open: n });
});
// The orchestrator going away ends us too: never leave a generator behind.
process.on('disconnect', () => process.exit(0));
