/**
 * Webhooks of the room's line on one real relay: real socket.io-client callers wait in line
 * behind a busy desk, and a real HTTP receiver verifies every delivery with the
 * `standardwebhooks` package. `call.queued` goes out with the caller's place as it joined; a
 * caller who gives up in line (cancel, or its socket goes) or waits out QUEUE_WAIT is a
 * `call.missed` like one who gives up while it rings; one the line rings hears
 * `call.requested` then, and `call.answered` when a desk takes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { received, startRelay, v2Client, type TestClient } from './support.js';
import { startReceiver, webhookOptions, type Receiver } from './webhook-receiver.js';

const waitEvents = (rx: Receiver, what: string, probe: () => boolean, timeoutMs = 15_000): Promise<true> =>
  waitFor(() => `${what} (received: ${rx.got.map((e) => `${e.type}:${String(e.data.call)}`).join(', ')})`, () => probe() || undefined, { timeoutMs, intervalMs: 20 });

test('the line: call.queued with its place; giving up in line (cancel, leaving) and QUEUE_WAIT are call.missed; the head rung is call.requested, then answered', async (t) => {
  const rx = await startReceiver(t);
  const relay = await startRelay(t, { queueWaitMs: 2500, ...webhookOptions(rx) });
  const room = uniqueRoom('whq');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const first = await v2Client(t, relay.url, room, 'First', { incoming: false });
  first.send({ type: 'ready', call: 'first', kind: 'video' });
  await desk.waitFor('the first ring', (x) => received(x, 'ready').some((m) => m.call === 'first'));
  desk.send({ type: 'accept', call: 'first' });
  await first.waitFor('bound', (x) => x.bound.length === 1);

  const callers: TestClient[] = [];
  for (const name of ['Ann', 'Bob', 'Cy', 'Di']) {
    const c = await v2Client(t, relay.url, room, name, { incoming: false });
    c.send({ type: 'ready', call: `q-${name}`, kind: 'voice', queue: true });
    await c.waitFor('its place', (x) => x.queued.length > 0);
    callers.push(c);
  }
  const [ann, bob, cy, di] = callers as [TestClient, TestClient, TestClient, TestClient];
  await waitEvents(rx, 'four call.queued', () => rx.of('call.queued').length === 4);
  assert.deepEqual(
    rx.of('call.queued').map((e) => [e.data.call, e.data.position, (e.data.caller as { name: string }).name]),
    [['q-Ann', 1, 'Ann'], ['q-Bob', 2, 'Bob'], ['q-Cy', 3, 'Cy'], ['q-Di', 4, 'Di']],
  );
  for (const e of rx.of('call.queued')) assert.equal(typeof e.data.queuedAt, 'string');

  // Bob cancels, Cy's socket goes: both gave up waiting.
  bob.send({ type: 'cancel', call: 'q-Bob', reason: 'hang-up' });
  cy.close();
  await waitEvents(rx, 'two call.missed', () => rx.of('call.missed').length === 2);
  // Di moves up to 2: Ann is the head. The desk comes free: Ann rings it, and it answers.
  await di.waitFor('place 2', (x) => x.queued.at(-1)?.position === 2);
  first.send({ type: 'bye', call: 'first' });
  await desk.waitFor('the ring of q-Ann', (x) => received(x, 'ready').some((m) => m.call === 'q-Ann'));
  desk.send({ type: 'accept', call: 'q-Ann' });
  await ann.waitFor('bound', (x) => x.bound.length === 1);
  // Di, still waiting behind a busy desk, waits out QUEUE_WAIT: it ends no-answer (call-ended), a missed call.
  await di.waitFor('call-ended', (x) => x.errors.some((e) => e.code === 'call-ended' && e.call === 'q-Di'), { timeoutMs: 10_000 });
  await waitEvents(rx, 'three call.missed and Ann answered', () => rx.of('call.missed').length === 3 && rx.forCall('q-Ann').some((e) => e.type === 'call.answered'));

  const missed = Object.fromEntries(rx.of('call.missed').map((e) => [e.data.call, e.data.reason]));
  assert.deepEqual(missed, { 'q-Bob': 'caller-cancelled', 'q-Cy': 'caller-cancelled', 'q-Di': 'no-answer' });
  for (const e of rx.of('call.missed')) assert.ok((e.data.waitedMs as number) >= 0 && e.data.answerer === null);
  assert.deepEqual(
    rx.forCall('q-Ann').map((e) => e.type),
    ['call.queued', 'call.requested', 'call.answered'],
  );
  const requested = rx.forCall('q-Ann')[1]!;
  assert.equal(requested.data.rung, 1);
  assert.equal(requested.data.requestedAt, rx.forCall('q-Ann')[0]!.data.queuedAt, 'requested when it joined the line');
  assert.deepEqual((rx.forCall('q-Ann')[2]!.data.answerer as { name: string }).name, 'Desk');
  assert.equal(rx.of('call.requested').filter((e) => e.data.call !== 'first').length, 1, 'no call.requested for a request while it waits');
  // Each event once (the receiver answered 2xx to every one).
  assert.equal(new Set(rx.got.map((e) => e.id)).size, rx.got.length);
  assert.equal(rx.refused.length, 0);
});
