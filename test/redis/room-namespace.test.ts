/**
 * A room is a room across nodes (two relay nodes over a real redis-server): a member of a room
 * named after another socket's id, on that socket's node or another, hears nothing of it, not
 * the bound call's offer, answer, candidates, nor `bound` with its rejoin key; and that socket
 * nothing of the room. (One relay: test/server/room-namespace.test.ts.)
 */
import { test } from 'node:test';
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
