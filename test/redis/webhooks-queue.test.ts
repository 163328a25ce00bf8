/**
 * Webhooks of the room's line across two relay nodes over a real redis-server: a caller
 * waiting on one node behind a desk busy on the other. `call.queued` and the `call.missed` of
 * a caller who gives up in line each arrive once (one webhook-id, one delivery) though both
 * nodes poll the queue; the head rung by the desk freed on the other node is one
 * `call.requested`. A real HTTP receiver verifies every signature.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { received, v2Client, type TestClient } from '../server/support.js';
import { startReceiver, webhookOptions, type Receiver } from '../server/webhook-receiver.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { node, redisFor } from './cluster.js';

const waitEvents = (rx: Receiver, what: string, probe: () => boolean, timeoutMs = 20_000): Promise<true> =>
  waitFor(() => `${what} (received: ${rx.got.map((e) => `${e.type}:${String(e.data.call)}`).join(', ')})`, () => probe() || undefined, { timeoutMs, intervalMs: 20 });

test('two nodes: call.queued and a cancel in line\'s call.missed arrive once each; the head rung across nodes is one call.requested', async (t) => {
  const rx = await startReceiver(t);
  const redis = await redisFor(t);
  const opts = webhookOptions(rx);
  const A = await node(t, redis, opts);
  const B = await node(t, redis, opts);
  const room = uniqueRoom('whxq');
  const desk = await v2Client(t, A.url, room, 'Desk');
  const first = await v2Client(t, A.url, room, 'First', { incoming: false });
  first.send({ type: 'ready', call: 'first', kind: 'video' });
  await desk.waitFor('the first ring', (x) => received(x, 'ready').some((m) => m.call === 'first'));
  desk.send({ type: 'accept', call: 'first' });
  await first.waitFor('bound', (x) => x.bound.length === 1);
  const callers: TestClient[] = [];
  for (const name of ['Ann', 'Bob']) {
    const c = await v2Client(t, B.url, room, name, { incoming: false });
    c.send({ type: 'ready', call: `x-${name}`, kind: 'voice', queue: true });
    await c.waitFor('its place', (x) => x.queued.length > 0);
    callers.push(c);
  }
  const [ann, bob] = callers as [TestClient, TestClient];
  bob.send({ type: 'cancel', call: 'x-Bob', reason: 'hang-up' });
  await waitEvents(rx, 'two call.queued, one call.missed', () => rx.of('call.queued').length === 2 && rx.of('call.missed').length === 1);
  first.send({ type: 'bye', call: 'first' });
  await desk.waitFor('the ring of x-Ann', (x) => received(x, 'ready').some((m) => m.call === 'x-Ann'));
  await ann.waitFor('ringing', (x) => x.ringing.some((r) => r.call === 'x-Ann'));
  await waitEvents(rx, "x-Ann's call.requested", () => rx.forCall('x-Ann').some((e) => e.type === 'call.requested'));
  // Both nodes poll the queue: give a second delivery the time to show up if there were one.
  await sleep(1500);
  assert.deepEqual(rx.of('call.queued').map((e) => [e.data.call, e.data.position]), [['x-Ann', 1], ['x-Bob', 2]]);
  assert.deepEqual(rx.of('call.missed').map((e) => [e.data.call, e.data.reason]), [['x-Bob', 'caller-cancelled']]);
  assert.deepEqual(rx.forCall('x-Ann').map((e) => e.type), ['call.queued', 'call.requested']);
  assert.equal(new Set(rx.got.map((e) => e.id)).size, rx.got.length, 'each event delivered once');
  assert.equal(rx.refused.length, 0);
});
