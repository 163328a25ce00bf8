/**
 * GET /presence across relay nodes over a real redis-server: every node answers the counts of
 * every node's members, and after a node is SIGKILLed the survivors answer without its members,
 * within the liveness window plus the cache time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESENCE_TIMING } from '../../server/calls/presence-types.js';
import type { TestClient } from '../server/support.js';
import { v2Client } from '../server/support.js';
import { uniqueRoom, waitFor } from '../support/wait.js';
import { HEARTBEAT_MS, node, nodeProcess, redisFor, twoNodes } from './cluster.js';

type Counts = { available: number; busy: number };

async function presence(url: string, room: string): Promise<Counts> {
  const res = await fetch(`${url}/presence?room=${room}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Counts;
}

/** Polls GET /presence on `url` until it says `want`; resolves with the ms it took. */
async function settles(url: string, room: string, want: Counts, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`GET ${url}/presence to say ${JSON.stringify(want)}`, async () => JSON.stringify(await presence(url, room)) === JSON.stringify(want), { timeoutMs, intervalMs: 50 });
  return Date.now() - t0;
}

const last = (c: TestClient): string => JSON.stringify(c.presence.at(-1));

test('GET /presence on either node counts the members of both; a leave on one is seen on the other after the cache time', async (t) => {
  const { A, B } = await twoNodes(t);
  const room = uniqueRoom('x-http-presence');
  await v2Client(t, A.url, room, 'desk1@A');
  const desk2 = await v2Client(t, B.url, room, 'desk2@B');
  await v2Client(t, B.url, room, 'visitor@B', { incoming: false });
  for (const u of [A.url, B.url]) await settles(u, room, { available: 2, busy: 0 }, PRESENCE_TIMING.cacheMs + 3000);
  desk2.close();
  for (const u of [A.url, B.url]) await settles(u, room, { available: 1, busy: 0 }, PRESENCE_TIMING.cacheMs + 3000);
});

test('a node killed holding answerers: GET /presence on the survivor drops them within the liveness window plus the cache time', async (t) => {
  const redis = await redisFor(t);
  const A = await node(t, redis);
  const K = await nodeProcess(t, redis);
  const room = uniqueRoom('x-http-killed');
  const desk = await v2Client(t, A.url, room, 'desk@A');
  for (let i = 0; i < 3; i++) await v2Client(t, K.url, room, `desk${i}@K`);
  await settles(A.url, room, { available: 4, busy: 0 }, PRESENCE_TIMING.cacheMs + 3000);
  await desk.waitFor('presence 4/0', (x) => last(x) === '{"available":4,"busy":0}');

  const killedAt = Date.now();
  await K.kill();
  const bound = HEARTBEAT_MS * 4 + PRESENCE_TIMING.cacheMs + 2000;
  const took = await settles(A.url, room, { available: 1, busy: 0 }, bound);
  t.diagnostic(`GET /presence on the survivor said 1/0 ${Date.now() - killedAt} ms after SIGKILL (polling took ${took} ms; heartbeat ${HEARTBEAT_MS} ms, cache ${PRESENCE_TIMING.cacheMs} ms)`);
  // And it stays true: the dead node's members do not come back.
  await new Promise((r) => setTimeout(r, PRESENCE_TIMING.cacheMs + 200));
  assert.deepEqual(await presence(A.url, room), { available: 1, busy: 0 });
});

test(
  'a node killed holding answerers: the survivor’s sockets hear a presence event without them',
  // The adapter stops counting a killed node's sockets as soon as its Redis connection drops, so
  // GET /presence is right at once; the room's presence event comes when the survivors reap the
  // dead node's members (calls/service.ts reaped()).
  async (t) => {
    const redis = await redisFor(t);
    const A = await node(t, redis);
    const K = await nodeProcess(t, redis);
    const room = uniqueRoom('x-event-killed');
    const desk = await v2Client(t, A.url, room, 'desk@A');
    for (let i = 0; i < 2; i++) await v2Client(t, K.url, room, `desk${i}@K`);
    await desk.waitFor('presence 3/0', (x) => last(x) === '{"available":3,"busy":0}');
    const killedAt = Date.now();
    await K.kill();
    await desk.waitFor('presence 1/0 after the kill', (x) => last(x) === '{"available":1,"busy":0}', { timeoutMs: HEARTBEAT_MS * 10 + 2000 });
    t.diagnostic(`presence event 1/0 on the survivor ${Date.now() - killedAt} ms after SIGKILL`);
  },
);
