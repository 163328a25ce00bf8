/**
 * What an idle socket costs the relay (issue 15; figures in bench/RESULTS.md, the why in
 * docs/scaling.md): the pieces that keep it small, each checked on a real relay with real
 * clients: the per-socket listeners are shared functions (no closures per socket), and a
 * shutdown with thousands of sockets stays linear. The handshake request let go once read and
 * the HTTP idle timer gone from an upgraded connection are engine patches, checked against the
 * engine's versions in engine-patches.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../support/wait.js';
import { RawClient } from './raw-socket.js';
import { connectClient, startRelay } from './support.js';

/** One load-test address stands for many clients here. */
const OPEN_LIMITS = { maxSocketsPerAddress: 1e6, handshakesPerSecond: 1e6, maxSockets: 1e6 };

test('every socket shares the same listener functions: no closures are made per socket', async (t) => {
  const relay = await startRelay(t);
  await connectClient(t, relay.url, { auth: { room: 'mem-shared' } });
  await connectClient(t, relay.url, { auth: { room: 'mem-shared' } });
  const [a, b] = [...relay.app.io.of('/').sockets.values()];
  for (const ev of ['message', 'ice', 'disconnect'] as const) {
    assert.equal(a!.listeners(ev).length, 1, ev);
    assert.equal(a!.listeners(ev)[0], b!.listeners(ev)[0], ev);
  }
  assert.equal(a!.listenersAny()[0], b!.listenersAny()[0], 'onAny');
  // The connection guard's (nobody else listens to these two), and its close listener among Socket.IO's own.
  for (const ev of ['packetCreate', 'flush'] as const) assert.deepEqual(a!.conn.listeners(ev), b!.conn.listeners(ev), `engine ${ev}`);
  assert.ok(
    a!.conn.listeners('close').some((l) => b!.conn.listeners('close').includes(l)),
    'engine close',
  );
});

test('shutdown with 4,000 sockets in rooms of two takes well under a second per thousand (no except-list of every socket per disconnect)', async (t) => {
  const relay = await startRelay(t, OPEN_LIMITS);
  const n = 4000;
  const clients: RawClient[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, (_, j) => new RawClient({ port: relay.port, localAddress: `127.0.${40 + ((i + j) % 4)}.2`, auth: { room: `shut-${(i + j) >> 1}` } }));
    clients.push(...batch);
    const outcomes = await Promise.all(batch.map((c) => c.outcome));
    assert.deepEqual([...new Set(outcomes.map((o) => o.kind))], ['joined']);
  }
  t.after(() => clients.forEach((c) => c.close()));
  const t0 = performance.now();
  await relay.app.close();
  const took = performance.now() - t0;
  t.diagnostic(`app.close() with ${n} sockets: ${Math.round(took)} ms`);
  // Before: 10,000 sockets took 87 s of CPU (O(n²)); 4,000 took several seconds.
  assert.ok(took < 4000, `close took ${Math.round(took)} ms`);
  await waitFor('every client to be told shutting-down', () => clients.every((c) => c.events.some(([ev, d]) => ev === 'error' && (d as { code?: string }).code === 'shutting-down')), { timeoutMs: 5000 });
});
