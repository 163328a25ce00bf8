/**
 * What an idle socket costs the relay (issue 15; figures in bench/RESULTS.md, the why in
 * docs/scaling.md): the pieces that keep it small, each checked on a real relay with real
 * clients. The handshake request is let go once read, an upgraded connection carries no HTTP
 * idle timer, the per-socket listeners are shared functions (no closures per socket), and a
 * shutdown with thousands of sockets stays linear.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sleep, waitFor } from '../support/wait.js';
import { RawClient } from './raw-socket.js';
import { connectClient, startRelay } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One load-test address stands for many clients here. */
const OPEN_LIMITS = { maxSocketsPerAddress: 1e6, handshakesPerSecond: 1e6, maxSockets: 1e6 };

test('the WebSocket handshake request is collectable once the socket has joined (engine.io would keep it for the socket’s life)', async (t) => {
  const relay = await startRelay(t);
  const requests: WeakRef<IncomingMessage>[] = [];
  // Before the relay's own listeners: the request is still there.
  relay.app.io.engine.prependListener('connection', (raw: { request: IncomingMessage | null }) => {
    if (raw.request) requests.push(new WeakRef(raw.request));
  });
  const c = await connectClient(t, relay.url, { auth: { room: 'mem-req', protocol: 2 } });
  assert.equal(requests.length, 1);
  await waitFor(
    'the request to be collected',
    async () => {
      gc();
      await sleep(20);
      return requests[0]!.deref() === undefined;
    },
    { timeoutMs: 5000 },
  );
  assert.ok(c.socket.connected, 'and the socket works on');
});

test('an upgraded connection has no HTTP idle timer (Engine.IO’s ping is its clock); plain HTTP keeps its 60 s', async (t) => {
  const relay = await startRelay(t);
  const upgraded: NetSocket[] = [];
  relay.app.server.on('upgrade', (_req, socket) => upgraded.push(socket as NetSocket));
  await connectClient(t, relay.url, { auth: { room: 'mem-timer' } });
  assert.equal(upgraded.length, 1);
  assert.equal(upgraded[0]!.timeout, 0);
  assert.equal(relay.app.server.timeout, 60_000, 'HTTP requests still time out');
});

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
