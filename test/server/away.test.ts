/**
 * Away desks on the real relay with real socket.io-client sockets: an away desk is not rung and
 * not counted in presence (the event and GET /presence), every desk away means `unavailable` at
 * once, an away desk hears of missed calls (`missed`), and coming back it is rung by what rings
 * now. Across nodes: test/redis/away.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, uniqueRoom } from '../support/wait.js';
import { received, startRelay, v2Client, type TestClient } from './support.js';
import type { MissedPayload } from '../../src/protocol/index.js';

function missedLog(c: TestClient): MissedPayload[] {
  const log: MissedPayload[] = [];
  c.socket.on('missed', (m) => log.push(m));
  return log;
}

const away = (c: TestClient, v: boolean): void => void c.socket.emit('away', { away: v });

test('an away desk is not rung and not counted; coming back it is rung by the request that rings now', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('away');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  away(d1, true);
  await v.waitFor('presence without the away desk', (x) => x.presence.at(-1)?.available === 1);
  const http = await relay.app.inject({ url: `/presence?room=${room}` });
  assert.deepEqual(http.json(), { available: 1, busy: 0 });
  v.send({ type: 'ready', call: 'a1', kind: 'voice' });
  await d2.waitFor('the ring', (x) => received(x, 'ready').some((m) => m.call === 'a1'));
  await v.waitFor('ringing 1', (x) => x.ringing.at(-1)?.count === 1);
  await sleep(200);
  assert.equal(received(d1, 'ready').length, 0, 'the away desk was not rung');
  // Back: the request still ringing rings it too.
  away(d1, false);
  await d1.waitFor('the ring after coming back', (x) => received(x, 'ready').some((m) => m.call === 'a1'));
  await v.waitFor('ringing 2', (x) => x.ringing.at(-1)?.count === 2);
  d1.send({ type: 'accept', call: 'a1' });
  await v.waitFor('bound to d1', (x) => x.bound.at(-1)?.peer === d1.id);
});

test('every desk away: the caller hears unavailable at once and the away desks hear of the missed call', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('away');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const m1 = missedLog(d1);
  const m2 = missedLog(d2);
  const v = await v2Client(t, relay.url, room, 'Vee', { incoming: false });
  away(d1, true);
  away(d2, true);
  await v.waitFor('presence 0/0', (x) => x.presence.at(-1)?.available === 0 && x.presence.at(-1)?.busy === 0);
  const t0 = Date.now();
  v.send({ type: 'ready', call: 'u1', kind: 'video' });
  await v.waitFor('unavailable', (x) => x.errors.some((e) => e.code === 'unavailable' && e.call === 'u1'));
  assert.ok(Date.now() - t0 < 1000);
  await d1.waitFor('missed', () => m1.length === 1 && m2.length === 1);
  assert.deepEqual(m1[0], { call: 'u1', kind: 'video', name: 'Vee', from: v.id });
  assert.equal(received(d1, 'ready').length + received(d2, 'ready').length, 0);
  // A call to one away desk by id: unavailable too.
  v.send({ type: 'ready', call: 'u2', to: d1.id });
  await v.waitFor('unavailable (to)', (x) => x.errors.some((e) => e.code === 'unavailable' && e.call === 'u2'));
});

test('an away desk hears of a call the others missed (the caller gave up); the rung desk hears cancel, not missed; bad away payloads are refused', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('away');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const m1 = missedLog(d1);
  const m2 = missedLog(d2);
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  away(d1, true);
  await v.waitFor('presence 1', (x) => x.presence.at(-1)?.available === 1);
  v.send({ type: 'ready', call: 'g1' });
  await d2.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  v.send({ type: 'cancel', call: 'g1' });
  await d1.waitFor('missed', () => m1.length === 1);
  await d2.waitFor('cancel', (x) => received(x, 'cancel').length === 1);
  assert.equal(m1[0]!.call, 'g1');
  assert.equal(m2.length, 0);
  for (const bad of [{ away: 'yes' }, null, 1, {}]) (d2.socket.emit as (e: string, p: unknown) => void)('away', bad);
  await d2.waitFor('four refusals', (x) => x.errors.filter((e) => e.code === 'bad-message' && e.type === 'away').length === 4);
  await sleep(100);
  assert.equal(v.presence.at(-1)?.available, 1, 'nothing changed');
});

test('a desk that connects away (handshake away: true, as the widget reconnects) is never rung nor counted, then comes back with away false', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('away');
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  const d = await v2Client(t, relay.url, room, 'D', { away: true });
  assert.deepEqual(d.info?.presence, { available: 0, busy: 0 });
  v.send({ type: 'ready', call: 'h1' });
  await v.waitFor('unavailable', (x) => x.errors.some((e) => e.code === 'unavailable' && e.call === 'h1'));
  away(d, false);
  await v.waitFor('presence 1', (x) => x.presence.at(-1)?.available === 1);
  v.send({ type: 'ready', call: 'h2' });
  await d.waitFor('the ring', (x) => received(x, 'ready').some((m) => m.call === 'h2'));
});
