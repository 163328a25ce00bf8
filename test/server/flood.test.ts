/**
 * Abuse under load, against a relay in its own process with its default limits: a flood from
 * one loopback address is capped while a pair from another address calls as usual, and a
 * client that stops reading is dropped `slow-consumer` before the relay's memory grows.
 * Bounded in count and time; each reports its figures as diagnostics.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { ManagerOptions } from 'socket.io-client';
import type { BoundPayload, RelayedMessage } from '../../src/protocol/index.js';
import { DEFAULT_OPTIONS } from '../../server/config/options.js';
import { sleep, waitFor } from '../support/wait.js';
import { RawClient, type Outcome } from './raw-socket.js';
import { startRelayProcess, type Sample } from './relay-process.js';
import { connectClient, received } from './support.js';

/** Client options that connect from another loopback address (engine.io-client passes localAddress to its WebSocket; its types do not list it). */
const from = (localAddress: string): Partial<ManagerOptions> => ({ localAddress }) as unknown as Partial<ManagerOptions>;

const IDLE = 2000;
const HANDSHAKES = 5000;
const CAP = DEFAULT_OPTIONS.maxSocketsPerAddress;

/** Runs `n` jobs, at most `width` at a time. */
async function pool(n: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await job(next++);
  }));
}

function fdLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
}

test(`a flood from one address (${HANDSHAKES} handshakes, ${IDLE} idle sockets) is capped; a pair from another address still calls within 2 s`, { timeout: 90_000 }, async (t) => {
  const fds = fdLimit();
  assert.ok(fds >= 4096, `ulimit -n is ${fds}: raise it (ulimit -n 65536) before running the flood`);
  const started = Date.now();
  const relay = await startRelayProcess(t);
  const base = await relay.sample();

  let maxSockets = 0;
  let maxEngine = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await relay.sample();
      maxSockets = Math.max(maxSockets, s.sockets);
      maxEngine = Math.max(maxEngine, s.engine);
      await sleep(100);
    }
  })();

  const outcomes: Outcome[] = [];
  const idle: RawClient[] = [];
  t.after(() => idle.forEach((c) => c.close()));
  const flood = Promise.all([
    // Idle sockets: whoever gets in stays.
    pool(IDLE, 200, async (i) => {
      const c = new RawClient({ port: relay.port, auth: { room: `flood-idle-${i % 40}` } });
      const o = await c.outcome;
      outcomes.push(o);
      if (o.kind === 'joined') idle.push(c);
      else c.close();
    }),
    // Handshakes: connect, and go at once.
    pool(HANDSHAKES, 100, async (i) => {
      const c = new RawClient({ port: relay.port, auth: { room: `flood-${i % 40}` } });
      outcomes.push(await c.outcome);
      c.close();
    }),
  ]);

  // Meanwhile, from 127.0.0.2: a desk and a caller, ring → accept → bound.
  await sleep(300);
  const callStart = Date.now();
  const desk = await connectClient(t, relay.url, { ...from('127.0.0.2'), auth: { room: 'calm', protocol: 2, name: 'Desk' } }, 'desk');
  const caller = await connectClient(t, relay.url, { ...from('127.0.0.2'), auth: { room: 'calm', protocol: 2, name: 'Caller', incoming: false } }, 'caller');
  caller.send({ type: 'ready', call: 'calm-1', kind: 'voice' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1, { timeoutMs: 5000 });
  desk.send({ type: 'accept', call: 'calm-1' });
  await caller.waitFor('bound', (x) => x.bound.length === 1, { timeoutMs: 5000 });
  await desk.waitFor('bound', (x) => x.bound.length === 1, { timeoutMs: 5000 });
  const callMs = Date.now() - callStart;
  assert.deepEqual(caller.bound[0], { call: 'calm-1', peer: desk.id, key: (caller.bound[0] as BoundPayload).key });

  await flood;
  const floodMs = Date.now() - started;
  sampling = false;
  await sampler;
  const end = await relay.sample();

  const count = (k: Outcome['kind']) => outcomes.filter((o) => o.kind === k).length;
  const told = outcomes.filter((o): o is Extract<Outcome, { kind: 'told' }> => o.kind === 'told');
  const bare = outcomes.filter((o): o is Extract<Outcome, { kind: 'http' }> => o.kind === 'http');
  t.diagnostic(
    `flood: ${outcomes.length} attempts in ${floodMs} ms; joined ${count('joined')} (${idle.length} stayed), told too-many ${told.length}, refused at the upgrade ${bare.length}, ` +
      `failed ${count('error')}; relay at most ${maxSockets} sockets / ${maxEngine} engine connections; the pair's ring → accept → bound ${callMs} ms`,
  );
  assert.equal(outcomes.length, IDLE + HANDSHAKES);
  assert.ok(callMs < 2000, `the pair took ${callMs} ms`);
  assert.ok(idle.length <= CAP, `${idle.length} idle sockets stayed`);
  assert.ok(idle.length >= CAP / 2, `the address still got its share: ${idle.length}`);
  assert.ok(maxSockets <= CAP + 2, `the relay held ${maxSockets} sockets at most (cap ${CAP} + the pair)`);
  assert.ok(maxEngine <= CAP + 2 + 10, `and ${maxEngine} engine connections (a few only being told too-many)`);
  assert.ok(told.every((o) => o.code === 'too-many'), 'told: too-many');
  assert.ok(bare.every((o) => o.status === 400 && o.body.startsWith('too-many:')), `bare refusals carry the code: ${JSON.stringify(bare[0])}`);
  assert.equal(count('error'), 0, 'no attempt failed any other way');
  const refusedByRelay = end.refused['too-many'] - base.refused['too-many'];
  assert.equal(refusedByRelay, told.length + bare.length, 'every refusal the clients saw, the relay counted');
  assert.ok(refusedByRelay >= IDLE + HANDSHAKES - 2 * CAP - 20 * Math.ceil(floodMs / 1000), `most were refused: ${refusedByRelay}`);
  assert.ok(floodMs < 60_000, `bounded in time: ${floodMs} ms`);
});

test('a client that stops reading is dropped slow-consumer while its bound partner sends at the rate limit; the relay\'s memory stays bounded', { timeout: 90_000 }, async (t) => {
  const relay = await startRelayProcess(t);
  // The reader: a bare client whose TCP socket will be paused.
  const reader = new RawClient({ port: relay.port, auth: { room: 'slow', protocol: 2, name: 'Reader' } });
  t.after(() => reader.close());
  assert.deepEqual(await reader.outcome, { kind: 'joined' });
  const sender = await connectClient(t, relay.url, { auth: { room: 'slow', protocol: 2, name: 'Sender', incoming: false } }, 'sender');
  sender.send({ type: 'ready', call: 'slow-1' });
  await waitFor('the reader is rung', () => reader.events.some(([ev, m]) => ev === 'message' && (m as RelayedMessage).call === 'slow-1'), { timeoutMs: 5000 });
  reader.emit('message', { type: 'accept', call: 'slow-1' });
  await sender.waitFor('bound', (x) => x.bound.length === 1);

  reader.tcp.pause();
  const base = await relay.sample();
  const samples: Sample[] = [];
  // 30 KB offers (a big SDP) at the rate limit: 50 a second, in fives every 100 ms.
  const sdp = `v=0\r\n${'a=x-filler:'.padEnd(30_000, 'x')}\r\n`;
  const perTick = DEFAULT_OPTIONS.rateLimit.perSecond / 10;
  const seconds = 12;
  let sent = 0;
  let droppedAt: number | undefined;
  const start = Date.now();
  for (let tick = 0; tick < seconds * 10; tick++) {
    for (let i = 0; i < perTick; i++, sent++) sender.send({ type: 'offer', sdp });
    if (tick % 5 === 4) {
      const s = await relay.sample();
      samples.push(s);
      if (droppedAt === undefined && s.refused['slow-consumer'] > base.refused['slow-consumer']) droppedAt = Date.now() - start;
    }
    await sleep(start + (tick + 1) * 100 - Date.now());
  }
  await sender.waitFor('the reader left', (x) => x.left.length === 1, { timeoutMs: 5000 });
  const end = await relay.sample();
  samples.push(end);

  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const maxHeap = Math.max(...samples.map((s) => s.heapUsed));
  const maxRss = Math.max(...samples.map((s) => s.rss));
  t.diagnostic(
    `${sent} offers (${mb(sent * sdp.length)} MB) in ${seconds} s; reader dropped after ${droppedAt} ms; heap ${mb(base.heapUsed)} → max ${mb(maxHeap)} MB (after GC), rss ${mb(base.rss)} → max ${mb(maxRss)} MB`,
  );
  assert.equal(end.refused['slow-consumer'] - base.refused['slow-consumer'], 1, 'the reader was dropped slow-consumer');
  assert.equal(end.refused['rate-limited'], base.refused['rate-limited'], 'the sender stayed within its rate limit');
  assert.ok(droppedAt !== undefined && droppedAt < 10_000, `dropped while the sender went on: ${droppedAt} ms`);
  assert.equal(end.sockets, 1, 'only the sender is left');
  // Unbounded, the relay would hold what the reader did not take: ~1.5 MB for every second of sending.
  assert.ok(maxHeap - base.heapUsed < 8 * 1024 * 1024, `heap grew ${mb(maxHeap - base.heapUsed)} MB at most`);
  assert.ok(maxRss - base.rss < 64 * 1024 * 1024, `rss grew ${mb(maxRss - base.rss)} MB at most`);
  // The reader's link is gone: resumed, it reads what the kernel held, then the end.
  reader.tcp.resume();
  await waitFor('the reader\'s TCP connection closed', () => reader.closed, { timeoutMs: 5000 });
});
