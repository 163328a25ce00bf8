/**
 * A room is a room across nodes (two relay nodes over a real redis-server): a member of a room
 * named after another socket's id, on that socket's node or another, hears nothing of it, not
 * the bound call's offer, answer, candidates, nor `bound` with its rejoin key; and that socket
 * nothing of the room; and the property of test/server/room-namespace-properties.test.ts over two
 * nodes. (One relay: test/server/room-namespace.test.ts.)
 */
import { test } from 'node:test';
import { roomsReachTheirMembersOnly } from '../server/room-reach.js';
import { squatV1, squatV2 } from '../server/room-squatters.js';
import { twoNodes } from './cluster.js';

test('across nodes: squatters in rooms named after a desk’s and a caller’s ids hear nothing of their call, and they nothing of the squatters', async (t) => {
  const { A, B } = await twoNodes(t);
  await squatV2(t, { a: A.url, b: B.url, settleMs: 300 });
});

test('across nodes: squatters in rooms named after v1 clients’ ids hear nothing of them, and they nothing of the squatters', async (t) => {
  const { A, B } = await twoNodes(t);
  await squatV1(t, { a: A.url, b: B.url, settleMs: 300 });
});

test('property across nodes: joiners of any room, named after issued socket ids or not, reach exactly that room’s members; deliveries by socket id reach that socket only', async (t) => {
  // Every socket comes from 127.0.0.1: the per-address handshake rate is raised as an operator would for a test like this.
  const { A, B } = await twoNodes(t, { handshakesPerSecond: 1000 });
  t.diagnostic(`${await roomsReachTheirMembersOnly(t, [A, B], 15)} runs`);
});
