/**
 * A caller waiting in line whose link goes (not a cancel, not a close) keeps its place while
 * it comes back: its new socket re-sends the same request (same call id, as the widget does)
 * and is told the same place; the callers behind it do not move up. One that does not come
 * back within REJOIN_MS leaves the line then. Real relay, real socket.io-client sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, uniqueRoom } from '../support/wait.js';
import { received, startRelay, v2Client, type TestClient } from './support.js';

test('line: a caller whose link drops and comes back within the rejoin window keeps its place; one that stays away leaves the line after it', async (t) => {
  const relay = await startRelay(t, { rejoinMs: 3000 });
  const room = uniqueRoom('line-back');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const first = await v2Client(t, relay.url, room, 'First', { incoming: false });
  first.send({ type: 'ready', call: 'first', kind: 'video' });
  await desk.waitFor('the first ring', (x) => received(x, 'ready').some((m) => m.call === 'first'));
  desk.send({ type: 'accept', call: 'first' });
  await first.waitFor('bound', (x) => x.bound.length === 1);
  const callers: TestClient[] = [];
  for (const i of [1, 2, 3]) {
    const c = await v2Client(t, relay.url, room, `Caller ${i}`, { incoming: false });
    c.send({ type: 'ready', call: `q${i}`, kind: 'voice', queue: true });
    await c.waitFor(`place ${i}`, (x) => x.queued.at(-1)?.position === i);
    callers.push(c);
  }
  const [c1, c2, c3] = callers as [TestClient, TestClient, TestClient];

  // c1's link drops (the transport, as a network change does), and it comes back on a new socket with the same request.
  c1.socket.io.engine.close();
  await sleep(300);
  const back = await v2Client(t, relay.url, room, 'Caller 1', { incoming: false });
  back.send({ type: 'ready', call: 'q1', kind: 'voice', queue: true });
  await back.waitFor('its place', (x) => x.queued.length > 0);
  assert.deepEqual(back.queued, [{ call: 'q1', position: 1 }], 'the head again, not the back of the line');
  assert.equal(back.errors.length, 0);
  await sleep(300);
  assert.deepEqual([c2.queued.at(-1), c3.queued.at(-1)], [{ call: 'q2', position: 2 }, { call: 'q3', position: 3 }], 'nobody moved up');

  // c2's link drops and it does not come back: after the rejoin window it is out, and c3 moves up.
  const dropped = Date.now();
  c2.socket.io.engine.close();
  await c3.waitFor('place 2', (x) => x.queued.at(-1)?.position === 2, { timeoutMs: 10_000 });
  assert.ok(Date.now() - dropped >= 2500, `c3 moved up only after the rejoin window (${Date.now() - dropped} ms)`);

  // The desk comes free: the caller that came back is rung first.
  first.send({ type: 'bye', call: 'first' });
  await desk.waitFor('the ring of q1', (x) => received(x, 'ready').some((m) => m.call === 'q1'));
  await back.waitFor('ringing', (x) => x.ringing.some((r) => r.call === 'q1'));
});
