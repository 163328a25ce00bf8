/**
 * The room's line (issue 22) on one real relay with real socket.io-client sockets over TCP:
 * requests that find every desk busy wait first come first served, their callers hear their
 * place as the line moves, cancel and leaving take them out, QUEUE_WAIT and QUEUE_MAX bound it,
 * `queue` off keeps `busy`, and a desk that comes free is rung by the head within 1 s, once.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { sleep, uniqueRoom } from '../support/wait.js';
import { received, startRelay, v2Client, type Relay, type TestClient } from './support.js';

/** A desk bound into a call with a visitor of its own: the room's only desk, and busy. */
async function busyDesk(t: TestContext, relay: Relay, room: string): Promise<{ desk: TestClient; visitor: TestClient }> {
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const visitor = await v2Client(t, relay.url, room, 'First visitor', { incoming: false });
  visitor.send({ type: 'ready', call: 'first', kind: 'video' });
  await desk.waitFor('the first ring', (x) => received(x, 'ready').some((m) => m.call === 'first'));
  desk.send({ type: 'accept', call: 'first' });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  return { desk, visitor };
}

/** Callers that each send a call request asking to wait in line, one after the other (their order is their place). */
async function line(t: TestContext, relay: Relay, room: string, n: number): Promise<TestClient[]> {
  const out: TestClient[] = [];
  for (let i = 1; i <= n; i++) {
    const c = await v2Client(t, relay.url, room, `Caller ${i}`, { incoming: false });
    c.send({ type: 'ready', call: `q${i}`, kind: 'voice', queue: true });
    await c.waitFor(`its place ${i}`, (x) => x.queued.length > 0);
    out.push(c);
  }
  return out;
}

const places = (c: TestClient): number[] => c.queued.map((q) => q.position);

test('line: callers wait first come first served and hear their place; cancel and leaving move the others up; presence and GET /presence count them', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('line');
  const { desk } = await busyDesk(t, relay, room);
  const [c1, c2, c3, c4] = await line(t, relay, room, 4);
  assert.deepEqual(c1!.queued, [{ call: 'q1', position: 1 }]);
  assert.deepEqual(c4!.queued, [{ call: 'q4', position: 4 }]);
  assert.deepEqual([places(c1!), places(c2!), places(c3!)], [[1], [2], [3]]);
  assert.equal(c1!.ringing.length + c1!.errors.length, 0, 'no ringing, no busy while in line');
  assert.equal(received(desk, 'ready').length, 1, 'the busy desk is not rung by the line');
  await desk.waitFor('presence with 4 queued', (x) => x.presence.at(-1)?.queued === 4);
  const http = await relay.app.inject({ url: `/presence?room=${room}` });
  assert.deepEqual(http.json(), { available: 0, busy: 1, queued: 4 });

  // A third party cannot take someone out of the line by naming its call.
  const stranger = await v2Client(t, relay.url, room, 'Stranger', { incoming: false });
  stranger.send({ type: 'cancel', call: 'q2' });
  await stranger.waitFor('call-ended', (x) => x.errors.some((e) => e.code === 'call-ended' && e.call === 'q2'));
  c2!.send({ type: 'cancel', call: 'q2', reason: 'hang-up' });
  await c3!.waitFor('place 2', (x) => places(x).at(-1) === 2);
  await c4!.waitFor('place 3', (x) => places(x).at(-1) === 3);
  c3!.close();
  await c4!.waitFor('place 2', (x) => places(x).at(-1) === 2);
  await desk.waitFor('presence with 2 queued', (x) => x.presence.at(-1)?.queued === 2);
  await sleep(100);
  assert.deepEqual(places(c1!), [1], 'the head heard its place once: nothing moved ahead of it');
  assert.deepEqual(places(c2!), [2], 'nothing after it left');
  assert.deepEqual(places(c4!), [4, 3, 2], 'each move once');
  assert.equal(stranger.queued.length, 0);
});

test('line: a desk that comes free is rung by the head within 1 s, exactly once; the next one waits for the next free desk', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('line-free');
  const { desk, visitor } = await busyDesk(t, relay, room);
  const [c1, c2] = await line(t, relay, room, 2);
  const hungUp = Date.now();
  visitor.send({ type: 'bye' });
  await desk.waitFor('the head rings', (x) => received(x, 'ready').some((m) => m.call === 'q1'), { timeoutMs: 1000 });
  const ringMs = Date.now() - hungUp;
  assert.ok(ringMs < 1000, `rung ${ringMs} ms after the desk came free`);
  const ring = received(desk, 'ready').find((m) => m.call === 'q1')!;
  assert.deepEqual({ ...ring }, { type: 'ready', call: 'q1', kind: 'voice', name: 'Caller 1', from: c1!.id, clientId: c1!.id });
  await c1!.waitFor('ringing', (x) => x.ringing.some((r) => r.call === 'q1' && r.count === 1));
  await c2!.waitFor('place 1', (x) => places(x).at(-1) === 1);
  desk.send({ type: 'accept', call: 'q1' });
  await c1!.waitFor('bound', (x) => x.bound.some((b) => b.call === 'q1'));
  await sleep(300);
  assert.equal(received(desk, 'ready').filter((m) => m.call === 'q1').length, 1, 'rung once');
  assert.equal(received(desk, 'ready').filter((m) => m.call === 'q2').length, 0, 'the desk is busy again: the next caller waits');
  assert.deepEqual(places(c2!), [2, 1]);
  // The desk declines nothing and hangs up: now the next one rings it.
  desk.send({ type: 'bye' });
  await desk.waitFor('the next head rings', (x) => received(x, 'ready').some((m) => m.call === 'q2'), { timeoutMs: 1000 });
  await desk.waitFor('presence without a line', (x) => x.presence.at(-1)?.queued === undefined && x.presence.at(-1)?.busy === 0);
});

test('line: a free desk rung by the head is spoken for; a second free desk takes the next caller; declines free the desk for the line', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('line-two');
  const { desk } = await busyDesk(t, relay, room);
  const [c1, c2] = await line(t, relay, room, 2);
  const d2 = await v2Client(t, relay.url, room, 'Desk 2');
  await d2.waitFor('the head rings', (x) => received(x, 'ready').some((m) => m.call === 'q1'));
  await sleep(200);
  assert.equal(received(d2, 'ready').length, 1, 'a desk the head rings is not rung by the next caller too');
  await c2!.waitFor('place 1', (x) => places(x).at(-1) === 1);
  d2.send({ type: 'decline', call: 'q1' });
  await c1!.waitFor('the decline', (x) => received(x, 'decline').length === 1);
  await d2.waitFor('the next head rings', (x) => received(x, 'ready').some((m) => m.call === 'q2'));
  assert.equal(received(desk, 'ready').length, 1, 'the busy desk was rung by nothing');
});

test('line: QUEUE_WAIT ends the wait (call-ended; the widget ends no-answer); QUEUE_MAX full is busy; no queue flag keeps busy', async (t) => {
  const relay = await startRelay(t, { queueWaitMs: 400, queueMax: 2 });
  const room = uniqueRoom('line-bounds');
  const { desk } = await busyDesk(t, relay, room);
  const plain = await v2Client(t, relay.url, room, 'Plain', { incoming: false });
  plain.send({ type: 'ready', call: 'plain' });
  await plain.waitFor('busy', (x) => x.errors.some((e) => e.code === 'busy' && e.call === 'plain'));
  assert.equal(plain.queued.length, 0);
  const [c1, c2] = await line(t, relay, room, 2);
  const c3 = await v2Client(t, relay.url, room, 'Caller 3', { incoming: false });
  c3.send({ type: 'ready', call: 'q3', queue: true });
  await c3.waitFor('busy: the line is full', (x) => x.errors.some((e) => e.code === 'busy' && e.call === 'q3'));
  assert.match(c3.errors[0]!.message, /line is full \(2 waiting\)/);
  assert.equal(c3.queued.length, 0);
  const started = Date.now();
  await c1!.waitFor('call-ended after QUEUE_WAIT', (x) => x.errors.some((e) => e.code === 'call-ended' && e.call === 'q1' && e.type === 'ready'));
  await c2!.waitFor('call-ended after QUEUE_WAIT', (x) => x.errors.some((e) => e.code === 'call-ended' && e.call === 'q2'));
  assert.ok(Date.now() - started < 1500);
  assert.equal(relay.app.relay.stats.calls.missed, 2, 'both waits counted missed, as a ring that timed out');
  await desk.waitFor('presence without a line', (x) => x.presence.at(-1)?.queued === undefined);
  // Out of the line: a new request of the same caller may wait again (a second after its first: the ring-rate limit).
  await sleep(1000);
  c1!.send({ type: 'ready', call: 'q1b', queue: true });
  await c1!.waitFor('in line again', (x) => x.queued.some((q) => q.call === 'q1b' && q.position === 1));
});

test('line: a request aimed at one member (to) never waits; an idle desk with nobody in line is rung as before; a queued caller may not re-queue as another call id while in line (replaced)', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('line-direct');
  const { desk } = await busyDesk(t, relay, room);
  const direct = await v2Client(t, relay.url, room, 'Direct', { incoming: false });
  direct.send({ type: 'ready', call: 'd1', queue: true, to: desk.id });
  await direct.waitFor('busy', (x) => x.errors.some((e) => e.code === 'busy' && e.call === 'd1'));
  const [c1, c2] = await line(t, relay, room, 2);
  // A new request of c1 replaces its waiting one: it goes to the end of the line (a second later: the ring-rate limit).
  await sleep(1000);
  c1!.send({ type: 'ready', call: 'q1-new', queue: true });
  await c2!.waitFor('place 1', (x) => places(x).at(-1) === 1);
  await c1!.waitFor('place 2 for the new request', (x) => x.queued.some((q) => q.call === 'q1-new' && q.position === 2));
  const other = await startRelay(t);
  const room2 = uniqueRoom('line-idle');
  const d = await v2Client(t, other.url, room2, 'Idle desk');
  const v = await v2Client(t, other.url, room2, 'Visitor', { incoming: false });
  v.send({ type: 'ready', call: 'now', queue: true });
  await d.waitFor('rung at once', (x) => received(x, 'ready').some((m) => m.call === 'now'));
  assert.equal(v.queued.length, 0);
});
