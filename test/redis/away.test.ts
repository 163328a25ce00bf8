/**
 * Away desks across two relay nodes over a real redis-server: `away` is part of the socket's
 * state every node reads, so a desk away on one node is neither rung nor counted from another,
 * and hears of missed calls there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MissedPayload } from '../../src/protocol/index.js';
import { received, v2Client, type TestClient } from '../server/support.js';
import { uniqueRoom } from '../support/wait.js';
import { node, redisFor } from './cluster.js';

function missedLog(c: TestClient): MissedPayload[] {
  const log: MissedPayload[] = [];
  c.socket.on('missed', (m) => log.push(m));
  return log;
}

const away = (c: TestClient, v: boolean): void => void c.socket.emit('away', { away: v });

test('across two nodes over real Redis: a desk away on one node is not rung from the other; all away is unavailable', async (t) => {
  const redis = await redisFor(t);
  const [A, B] = await Promise.all([node(t, redis), node(t, redis)]);
  const room = uniqueRoom('away2');
  const d1 = await v2Client(t, B.url, room, 'D1');
  const d2 = await v2Client(t, A.url, room, 'D2');
  const m1 = missedLog(d1);
  const v = await v2Client(t, A.url, room, 'V', { incoming: false });
  away(d1, true);
  await v.waitFor('presence 1', (x) => x.presence.at(-1)?.available === 1);
  v.send({ type: 'ready', call: 'x1' });
  await d2.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  await v.waitFor('ringing 1', (x) => x.ringing.at(-1)?.count === 1);
  v.send({ type: 'cancel', call: 'x1' });
  await d1.waitFor('missed across nodes', () => m1.length === 1);
  away(d2, true);
  await v.waitFor('presence 0', (x) => x.presence.at(-1)?.available === 0);
  v.send({ type: 'ready', call: 'x2' });
  await v.waitFor('unavailable', (x) => x.errors.some((e) => e.code === 'unavailable' && e.call === 'x2'));
  assert.equal(received(d1, 'ready').length, 0);
});
