/**
 * Webhooks across relay nodes over a real redis-server: events are queued in Redis, so a node
 * SIGKILLed mid-call loses none of them (another node, or the node restarted, delivers them),
 * the call's `call.ended` still arrives when its node dies, and of several nodes polling the
 * queue exactly one delivers each event. A real HTTP receiver verifies every signature.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { received, v2Client, type TestClient } from '../server/support.js';
import { startReceiver, webhookOptions, type Receiver } from '../server/webhook-receiver.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { node, nodeProcess, redisFor } from './cluster.js';

const waitEvents = (rx: Receiver, what: string, probe: () => boolean, timeoutMs = 20_000): Promise<true> =>
  waitFor(() => `${what} (received: ${rx.got.map((e) => e.type).join(', ')})`, () => probe() || undefined, { timeoutMs, intervalMs: 20 });

async function answered(visitor: TestClient, desk: TestClient, id: string): Promise<void> {
  visitor.send({ type: 'ready', call: id, kind: 'video' });
  await desk.waitFor(`the ring of ${id}`, (x) => received(x, 'ready').some((m) => m.call === id));
  desk.send({ type: 'accept', call: id });
  await visitor.waitFor(`bound ${id}`, (x) => x.bound.some((b) => b.call === id));
}

test('a node SIGKILLed mid-call: the call\'s call.ended still arrives, from the node that is left (the caller never came back)', async (t) => {
  const rx = await startReceiver(t);
  const redis = await redisFor(t);
  const opts = { ...webhookOptions(rx), rejoinMs: 1500 };
  const P = await nodeProcess(t, redis, opts);
  const B = await node(t, redis, opts);
  const room = uniqueRoom('whk');
  const desk = await v2Client(t, B.url, room, 'Desk');
  const visitor = await v2Client(t, P.url, room, 'Visitor', { incoming: false });
  await answered(visitor, desk, 'k1');
  await waitEvents(rx, 'call.answered', () => rx.of('call.answered').length === 1);
  await P.kill();
  await waitEvents(rx, 'call.ended', () => rx.of('call.ended').length === 1);
  const end = rx.of('call.ended')[0]!;
  assert.equal(end.data.call, 'k1');
  assert.deepEqual([end.data.reason, end.data.endedBy], ['connection-lost', 'caller']);
  assert.deepEqual(end.data.caller, { name: 'Visitor', sub: null });
  assert.deepEqual(end.data.answerer, { name: 'Desk', sub: null });
  await sleep(1000);
  assert.deepEqual(rx.got.map((e) => e.type), ['call.requested', 'call.answered', 'call.ended']);
  assert.equal(rx.refused.length, 0);
});

test('events a node queued are not lost when it is SIGKILLed before delivering them: the next node delivers each once', async (t) => {
  const rx = await startReceiver(t);
  const redis = await redisFor(t);
  const opts = webhookOptions(rx, 100);
  await rx.down();
  const P = await nodeProcess(t, redis, opts);
  const room = uniqueRoom('whq');
  const desk = await v2Client(t, P.url, room, 'Desk');
  const visitor = await v2Client(t, P.url, room, 'Visitor', { incoming: false });
  await answered(visitor, desk, 'q1');
  visitor.send({ type: 'bye' });
  await desk.waitFor('bye', (x) => received(x, 'bye').length === 1);
  // P has queued (and failed to send) call.requested, call.answered and, after its summary wait, call.ended.
  await sleep(1000);
  await P.kill();
  await rx.up();
  await sleep(500);
  assert.equal(rx.got.length, 0, 'nobody delivers while no node runs');
  const B = await node(t, redis, opts);
  await waitEvents(rx, 'three events from the new node', () => rx.got.length >= 3);
  await sleep(1500);
  assert.deepEqual(rx.got.map((e) => e.type).sort(), ['call.answered', 'call.ended', 'call.requested']);
  assert.equal(new Set(rx.got.map((e) => e.id)).size, 3);
  assert.equal(B.app.relay.webhooks.deliverer!.counts.delivered, 3);
  assert.equal(rx.refused.length, 0);
});

test('two nodes poll one queue: each event is delivered by exactly one of them, once', async (t) => {
  const rx = await startReceiver(t);
  const redis = await redisFor(t);
  const opts = webhookOptions(rx, 100);
  const [A, B] = await Promise.all([node(t, redis, opts), node(t, redis, opts)]);
  const room = uniqueRoom('wh2');
  const desk = await v2Client(t, A.url, room, 'Desk');
  const visitor = await v2Client(t, B.url, room, 'Visitor', { incoming: false });
  const calls = 8;
  for (let i = 0; i < calls; i++) {
    await answered(visitor, desk, `n${i}`);
    const [by, other] = i % 2 ? [desk, visitor] : [visitor, desk];
    const before = received(other, 'bye').length;
    by.send({ type: 'bye' });
    await other.waitFor('bye', (x) => received(x, 'bye').length > before);
  }
  await waitEvents(rx, `${calls * 3} events`, () => rx.got.length >= calls * 3);
  await sleep(1500);
  assert.equal(rx.got.length, calls * 3, 'no event twice');
  assert.equal(new Set(rx.got.map((e) => e.id)).size, calls * 3);
  const a = A.app.relay.webhooks.deliverer!.counts.delivered;
  const b = B.app.relay.webhooks.deliverer!.counts.delivered;
  t.diagnostic(`node A delivered ${a}, node B ${b}`);
  assert.equal(a + b, calls * 3);
  // Who ended each call: the side that said bye, on either node.
  for (const e of rx.of('call.ended')) assert.equal(e.data.endedBy, Number((e.data.call as string).slice(1)) % 2 ? 'answerer' : 'caller');
  assert.equal(rx.refused.length, 0);
});
