/**
 * The room's line under load (issue 22): 5 desks, all in calls, and 50 callers that ask to wait
 * (`queue: true`). Each desk then answers whatever rings it at once, talks HOLD_MS, hangs up, and
 * is rung by the next head of the line. Measured per caller, on one real relay (buildRelay on
 * 127.0.0.1, raw socket.io-client sockets over TCP, in this process):
 *   ring→queued   its request sent → its first `queued` (its place in line);
 *   free→ring     the desk's bye → that desk rung by the next head (the promise: within 1 s);
 *   queued→answer its request sent → `bound` (the whole wait: 10 rounds of 5 desks);
 * against a baseline measured in the same run: a request to a free desk, sent → rung.
 * `node --import tsx bench/queue-latency.ts` prints a table and one JSON line. Bounded: 60 s at most.
 */
import { io, type Socket } from 'socket.io-client';
import { buildRelay } from '../server/index.js';
import type { BoundPayload, QueuedPayload, RelayedMessage } from '../src/protocol/index.js';
import { percentile as pct } from './stats.js';

const percentile = (xs: readonly number[], p: number): number => pct([...xs].sort((a, b) => a - b), p);

const DESKS = 5;
const CALLERS = 50;
const HOLD_MS = 20;
const BASELINE_RUNS = 20;
const DEADLINE_MS = 60_000;

const now = (): number => performance.now();

async function client(url: string, room: string, incoming: boolean): Promise<Socket> {
  const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { room, protocol: 2, incoming, name: incoming ? 'desk' : 'caller' } });
  await new Promise<void>((resolve, reject) => {
    s.once('client-id', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

const once = <T>(s: Socket, ev: string, ok: (p: T) => boolean = () => true): Promise<T> =>
  new Promise((resolve) => {
    const on = (p: T): void => {
      if (!ok(p)) return;
      s.off(ev, on);
      resolve(p);
    };
    s.on(ev, on);
  });

async function main(): Promise<void> {
  const stop = setTimeout(() => {
    console.error(`queue-latency: still running after ${DEADLINE_MS / 1000} s; giving up`);
    process.exit(1);
  }, DEADLINE_MS);
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false, maxSocketsPerAddress: 10_000, handshakesPerSecond: 10_000, queueMax: CALLERS, roomMembers: 100 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const sockets: Socket[] = [];
  try {
    // Baseline: one free desk, one caller, a request at a time.
    const baseline: number[] = [];
    {
      const desk = await client(url, 'baseline', true);
      const caller = await client(url, 'baseline', false);
      sockets.push(desk, caller);
      for (let i = 0; i < BASELINE_RUNS; i++) {
        const call = `b${i}`;
        const rung = once<RelayedMessage>(desk, 'message', (m) => m.type === 'ready' && m.call === call);
        const t0 = now();
        caller.emit('message', { type: 'ready', call, queue: true });
        await rung;
        baseline.push(now() - t0);
        caller.emit('message', { type: 'cancel', call });
        await once<RelayedMessage>(desk, 'message', (m) => m.type === 'cancel' && m.call === call);
      }
    }

    // The line: 5 desks in calls with 5 visitors, then 50 callers wait.
    const room = 'line';
    const desks = await Promise.all(Array.from({ length: DESKS }, () => client(url, room, true)));
    const visitors = await Promise.all(Array.from({ length: DESKS }, () => client(url, room, false)));
    sockets.push(...desks, ...visitors);
    for (const [i, v] of visitors.entries()) {
      const call = `busy${i}`;
      const d = desks[i]!;
      const rung = once<RelayedMessage>(d, 'message', (m) => m.type === 'ready' && m.call === call);
      v.emit('message', { type: 'ready', call, to: d.id });
      await rung;
      const bound = once<BoundPayload>(v, 'bound');
      d.emit('message', { type: 'accept', call });
      await bound;
    }
    const callers = await Promise.all(Array.from({ length: CALLERS }, () => client(url, room, false)));
    sockets.push(...callers);
    const sent: number[] = [];
    const queuedAt: number[] = [];
    const boundAt: Array<Promise<number>> = [];
    for (const [i, c] of callers.entries()) {
      const got = once<QueuedPayload>(c, 'queued');
      boundAt.push(once<BoundPayload>(c, 'bound').then(() => now()));
      sent[i] = now();
      c.emit('message', { type: 'ready', call: `q${i}`, kind: 'voice', queue: true });
      const q = await Promise.race([got, new Promise<QueuedPayload>((_, rej) => setTimeout(() => rej(new Error('no queued for caller ' + i)), 3000))]);
      queuedAt[i] = now();
      if (q.position !== i + 1) throw new Error(`caller ${i} got place ${q.position}`);
    }
    // Each desk answers what rings it, talks HOLD_MS, hangs up; the time from its bye to its next ring is free→ring.
    const freeToRing: number[] = [];
    let answered = 0;
    const done = new Promise<void>((resolve) => {
      for (const d of desks) {
        let freedAt: number | null = null;
        let busy = false;
        // A head rings every free desk; the first to accept takes it, the others hear cancel (answered) and are rung by the next.
        d.on('message', (m: RelayedMessage) => {
          if (m.type !== 'ready' || !m.call?.startsWith('q') || busy) return;
          if (freedAt !== null) freeToRing.push(now() - freedAt);
          freedAt = null;
          d.emit('message', { type: 'accept', call: m.call });
        });
        d.on('bound', (b: BoundPayload) => {
          if (!b.call.startsWith('q')) return;
          busy = true;
          setTimeout(() => {
            d.emit('message', { type: 'bye' });
            busy = false;
            freedAt = now();
            if (++answered === CALLERS) resolve();
          }, HOLD_MS);
        });
      }
    });
    for (const [i, v] of visitors.entries()) {
      v.emit('message', { type: 'bye' });
      void i;
    }
    // The first ring of each desk counts from the visitors' byes.
    const firstFree = now();
    await done;
    const waits = (await Promise.all(boundAt)).map((t, i) => t - sent[i]!);
    const enter = queuedAt.map((t, i) => t - sent[i]!);
    const rows = [
      ['baseline: free desk, sent → rung', baseline],
      ['ring→queued (place told)', enter],
      ['free→ring (desk bye → next head rings it)', freeToRing],
      ['queued→answer (whole wait, 10 rounds)', waits],
    ] as const;
    const fmt = (x: number): string => x.toFixed(1).padStart(8);
    console.log(`\nThe line: ${DESKS} desks, ${CALLERS} callers waiting, ${HOLD_MS} ms per call (ms; one relay, in-process)\n`);
    console.log(`${'measure'.padEnd(46)}${'n'.padStart(5)}${'median'.padStart(9)}${'p90'.padStart(9)}${'max'.padStart(9)}`);
    for (const [name, xs] of rows) console.log(`${name.padEnd(46)}${String(xs.length).padStart(5)}${fmt(percentile(xs, 50))} ${fmt(percentile(xs, 90))} ${fmt(Math.max(...xs))}`);
    console.log(`(all ${CALLERS} answered ${(now() - firstFree).toFixed(0)} ms after the desks came free)\n`);
    const summary = Object.fromEntries(rows.map(([name, xs]) => [name.split(' ')[0]!.replace(':', ''), { n: xs.length, median: +percentile(xs, 50).toFixed(2), p90: +percentile(xs, 90).toFixed(2), max: +Math.max(...xs).toFixed(2) }]));
    console.log(JSON.stringify({ bench: 'queue-latency', desks: DESKS, callers: CALLERS, holdMs: HOLD_MS, ...summary }));
  } finally {
    clearTimeout(stop);
    for (const s of sockets) s.close();
    await app.close();
  }
}

await main();
