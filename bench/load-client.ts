/**
 * The load generator of `npm run bench:relay`, run as its own process (forked by
 * bench/relay-load.ts) so the relay under test never shares an event loop with it.
 * It still shares the machine's 2 cores, which bounds every figure.
 *
 * Jobs arrive over IPC (see bench/ipc.ts):
 *  - pingpong: N rooms of two real socket.io-client sockets; against the relay each pair is
 *    first a real bound call (protocol 2: the caller's `ready` with a call id, the callee's
 *    `accept`, both `bound`), as the relay refuses candidates outside a call (`not-in-call`);
 *    the bare relay has no calls and broadcasts in the room. Then the caller sends a
 *    candidate-sized message, the callee echoes it, the caller times the round trip and
 *    sends the next one (closed loop, one message in flight per pair).
 *  - live: one such bound pair exchanging a message every `intervalMs` for a bounded time
 *    (the "live call" measured while bench/idle-generator.ts holds idle sockets).
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SignalMessage } from '../src/protocol/index.js';
import { sleep } from '../test/support/wait.js';
import type { LiveJob, LoadReply, LoadRequest, PingPongJob } from './ipc.js';
import { percentile, round } from './stats.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A typical srflx candidate as a browser trickles it (~200 bytes on the wire with the envelope). */
const CANDIDATE: SignalMessage = {
  type: 'candidate',
  candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.5 rport 46154 generation 0 ufrag sC3a network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

const send = (msg: LoadReply): void => {
  process.send?.(msg);
};

/** Opens one socket in `room`; resolves with the socket and the ms from io() to `client-id`. */
function connect(url: string, room: string, auth: Record<string, unknown> = {}): Promise<{ socket: Client; ms: number }> {
  const t0 = performance.now();
  // forceNew: io() otherwise multiplexes every socket to one URL over ONE connection.
  const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room, ...auth }, timeout: 60_000 });
  return new Promise((resolve, reject) => {
    socket.once('client-id', () => resolve({ socket, ms: performance.now() - t0 }));
    socket.once('connect_error', (err) => reject(new Error(`connect to ${url} failed: ${err.message}`)));
    socket.once('disconnect', (reason) => reject(new Error(`disconnected before client-id: ${reason}`)));
  });
}

/** Connects `count` sockets with at most `concurrency` handshakes in flight (a burst of 5,000 SYNs overflows backlogs). */
async function connectMany(count: number, target: (i: number) => { url: string; room: string; auth?: Record<string, unknown> }, concurrency = 200) {
  const sockets: Client[] = new Array(count);
  const times: number[] = new Array(count);
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const { url, room, auth } = target(i);
      const r = await connect(url, room, auth);
      sockets[i] = r.socket;
      times[i] = r.ms;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const total = performance.now() - t0;
  const sorted = Float64Array.from(times).sort();
  return { sockets, connectMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), total: round(total, 0) } };
}

const closeAll = (list: Client[]): void => {
  for (const s of list) s.disconnect();
};

/** How long binding a pair may take (the relay answers in milliseconds; this only bounds a hung run). */
const BIND_TIMEOUT_MS = 20_000;

/** The caller (even index) places a call request, the callee accepts; resolves once both heard `bound`. */
function bind(caller: Client, callee: Client, call: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let bound = 0;
    const timer = setTimeout(() => reject(new Error(`call ${call}: not bound within ${BIND_TIMEOUT_MS} ms`)), BIND_TIMEOUT_MS);
    const onBound = (): void => {
      if (++bound < 2) return;
      clearTimeout(timer);
      callee.off('message', onRing);
      resolve();
    };
    const onRing = (m: { type: string; call?: string }): void => {
      if (m.type === 'ready' && m.call === call) callee.emit('message', { type: 'accept', call });
    };
    const onRefused = (e: { code: string; message: string }): void => {
      clearTimeout(timer);
      reject(new Error(`call ${call}: refused ${e.code}: ${e.message}`));
    };
    caller.once('bound', onBound);
    callee.once('bound', onBound);
    caller.once('error', onRefused);
    callee.once('error', onRefused);
    callee.on('message', onRing);
    caller.emit('message', { type: 'ready', call, kind: 'voice' });
  }).finally(() => {
    caller.removeAllListeners('error');
    callee.removeAllListeners('error');
  });
}

/** Protocol 2 handshakes: the caller is a call-only page (never rung), the callee takes calls. */
const CALLER_AUTH = { protocol: 2, incoming: false, name: 'bench caller' };
const CALLEE_AUTH = { protocol: 2, name: 'bench callee' };

/** Connects `pairs` caller/callee pairs (callers on urls[0], callees on the last url) and, unless `bare`, binds each into a call. */
async function connectPairs(urls: string[], pairs: number, roomPrefix: string, bare: boolean) {
  const res = await connectMany(pairs * 2, (i) => ({
    url: urls[i % 2 === 0 ? 0 : 1 % urls.length]!,
    room: `${roomPrefix}-${i >> 1}`,
    auth: i % 2 === 0 ? CALLER_AUTH : CALLEE_AUTH,
  }));
  if (!bare) {
    // In batches: a few hundred call requests at once is a burst no page makes.
    for (let p = 0; p < pairs; p += 100) {
      const batch: Promise<void>[] = [];
      for (let q = p; q < Math.min(pairs, p + 100); q++) batch.push(bind(res.sockets[2 * q]!, res.sockets[2 * q + 1]!, `${roomPrefix}c${q}`));
      await Promise.all(batch);
    }
  }
  return res;
}

async function pingpong(job: PingPongJob): Promise<void> {
  const { sockets, connectMs } = await connectPairs(job.urls, job.pairs, job.roomPrefix, job.bare);
  let measuring = false;
  let running = true;
  let received = 0;
  let refusals = 0;
  // Pre-sized sample buffer: no allocation on the measured path.
  const rtt = new Float64Array(4_000_000);
  let samples = 0;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  // When each pair's message in flight left (the first one too: a slow first round trip is a real one).
  const sentAt = new Float64Array(job.pairs);
  for (let p = 0; p < job.pairs; p++) {
    const caller = sockets[2 * p];
    const callee = sockets[2 * p + 1];
    caller.on('error', () => refusals++);
    callee.on('error', () => refusals++);
    callee.on('message', () => {
      if (measuring) received++;
      callee.emit('message', CANDIDATE);
    });
    caller.on('message', () => {
      const now = performance.now();
      if (measuring) {
        received++;
        if (samples < rtt.length) rtt[samples++] = now - sentAt[p];
      }
      if (running) {
        sentAt[p] = now;
        caller.emit('message', CANDIDATE);
      } else if (--inFlight === 0) drained?.();
    });
  }
  const start = (): void => {
    for (let p = 0; p < job.pairs; p++) {
      inFlight++;
      sentAt[p] = performance.now();
      sockets[2 * p].emit('message', CANDIDATE);
    }
  };
  start();
  await sleep(job.warmupMs);
  measuring = true;
  send({ ev: 'window', phase: 'start' });
  const t0 = performance.now();
  await sleep(job.durationMs);
  measuring = false;
  const elapsed = performance.now() - t0;
  send({ ev: 'window', phase: 'end' });
  running = false;
  // Let the in-flight round trips finish (bounded: a lost message must not hang the run).
  await new Promise<void>((resolve) => {
    drained = resolve;
    if (inFlight === 0) resolve();
    setTimeout(resolve, 3000);
  });
  closeAll(sockets);
  const sorted = rtt.subarray(0, samples).sort();
  send({
    ev: 'pingpong',
    msgsPerSec: round((received / elapsed) * 1000, 0),
    received,
    rttMs: {
      p50: round(percentile(sorted, 50), 3),
      p95: round(percentile(sorted, 95), 3),
      p99: round(percentile(sorted, 99), 3),
      max: round(percentile(sorted, 100), 3),
      samples,
    },
    connectMs,
    refusals,
  });
}

/**
 * One bound pair exchanging a candidate every `intervalMs` (the caller sends, the callee echoes;
 * a round trip per interval) for `durationMs`: the latency a live call sees while the relay
 * holds many idle sockets. Paced, not a closed loop: it measures waiting, not throughput.
 */
async function live(job: LiveJob): Promise<void> {
  const { sockets } = await connectPairs([job.url], 1, job.roomPrefix, job.bare);
  const [caller, callee] = sockets as [Client, Client];
  let refusals = 0;
  caller.on('error', () => refusals++);
  callee.on('error', () => refusals++);
  callee.on('message', () => callee.emit('message', CANDIDATE));
  const rtt: number[] = [];
  let sentAt = 0;
  let lost = 0;
  caller.on('message', () => {
    if (sentAt) rtt.push(performance.now() - sentAt);
    sentAt = 0;
  });
  const end = performance.now() + job.durationMs;
  while (performance.now() < end) {
    if (sentAt) lost++; // no answer within the interval: counted, and the slot is reused
    sentAt = performance.now();
    caller.emit('message', CANDIDATE);
    await sleep(job.intervalMs);
  }
  await sleep(Math.min(1000, job.intervalMs * 4));
  closeAll(sockets);
  const sorted = Float64Array.from(rtt).sort();
  send({
    ev: 'live',
    samples: rtt.length,
    lateOrLost: lost,
    rttMs: { p50: round(percentile(sorted, 50), 3), p99: round(percentile(sorted, 99), 3), max: round(percentile(sorted, 100), 3) },
    refusals,
  });
}

process.on('message', (raw) => {
  const req = raw as LoadRequest;
  const job = req.cmd === 'pingpong' ? pingpong(req) : live(req);
  job.catch((err: unknown) => send({ ev: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
// The orchestrator going away ends us too: never leave a generator behind.
process.on('disconnect', () => process.exit(0));
