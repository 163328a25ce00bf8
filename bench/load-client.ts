/**
 * The load generator of `npm run bench:relay`, run as its own process (forked by
 * bench/relay-load.ts) so the relay under test never shares an event loop with it.
 * It still shares the machine's 2 cores, which bounds every figure.
 *
 * Jobs arrive over IPC (see bench/ipc.ts):
 *  - pingpong: N rooms of two real socket.io-client sockets; in each room the caller
 *    sends a candidate-sized message, the callee echoes it, the caller times the round
 *    trip and sends the next one (closed loop, one message in flight per pair).
 *  - idle: connect N sockets and hold them, for the relay's memory per idle connection.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SignalMessage } from '../src/protocol.js';
import { sleep } from '../test/support/wait.js';
import type { IdleJob, LoadReply, LoadRequest, PingPongJob } from './ipc.js';
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
function connect(url: string, room: string): Promise<{ socket: Client; ms: number }> {
  const t0 = performance.now();
  // forceNew: io() otherwise multiplexes every socket to one URL over ONE connection.
  const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room }, timeout: 60_000 });
  return new Promise((resolve, reject) => {
    socket.once('client-id', () => resolve({ socket, ms: performance.now() - t0 }));
    socket.once('connect_error', (err) => reject(new Error(`connect to ${url} failed: ${err.message}`)));
    socket.once('disconnect', (reason) => reject(new Error(`disconnected before client-id: ${reason}`)));
  });
}

/** Connects `count` sockets with at most `concurrency` handshakes in flight (a burst of 5,000 SYNs overflows backlogs). */
async function connectMany(count: number, target: (i: number) => { url: string; room: string }, concurrency = 200) {
  const sockets: Client[] = new Array(count);
  const times: number[] = new Array(count);
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const { url, room } = target(i);
      const r = await connect(url, room);
      sockets[i] = r.socket;
      times[i] = r.ms;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const total = performance.now() - t0;
  const sorted = Float64Array.from(times).sort();
  return { sockets, connectMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), total: round(total, 0) } };
}

let held: Client[] = [];
const closeAll = (list: Client[]): void => {
  for (const s of list) s.disconnect();
};

async function pingpong(job: PingPongJob): Promise<void> {
  const { sockets, connectMs } = await connectMany(job.pairs * 2, (i) => ({
    url: job.urls[i % 2 === 0 ? 0 : 1 % job.urls.length],
    room: `${job.roomPrefix}-${i >> 1}`,
  }));
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

async function idle(job: IdleJob): Promise<void> {
  const { sockets, connectMs } = await connectMany(job.sockets, (i) => ({ url: job.url, room: `${job.roomPrefix}-${i >> 1}` }));
  held = sockets;
  send({ ev: 'idle', connected: sockets.length, connectMs });
}

process.on('message', (raw) => {
  const req = raw as LoadRequest;
  const job =
    req.cmd === 'pingpong' ? pingpong(req)
    : req.cmd === 'idle' ? idle(req)
    : Promise.resolve().then(() => {
        closeAll(held);
        held = [];
        send({ ev: 'released' });
      });
  job.catch((err: unknown) => send({ ev: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }));
});
// The orchestrator going away ends us too: never leave a generator behind.
process.on('disconnect', () => process.exit(0));
