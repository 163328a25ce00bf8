/**
 * A room is a room, never a socket's address (one relay, real clients over TCP): a member of a
 * room named after another socket's id hears nothing of that socket, and that socket nothing of
 * the room. (Two nodes over Redis: test/redis/room-namespace.test.ts; the same property over
 * generated names: room-namespace-properties.test.ts.)
 */
import { test } from 'node:test';
import { squatV1, squatV2 } from './room-squatters.js';
import { startRelay } from './support.js';

test('squatters in rooms named after a desk’s and a caller’s ids hear nothing of their call, and the desk nothing of them', async (t) => {
  const { url } = await startRelay(t);
  await squatV2(t, { a: url, b: url, settleMs: 100 });
});

test('squatters in rooms named after v1 clients’ ids hear nothing of their offers, candidates and bye, and the v1 clients nothing of them', async (t) => {
  const { url } = await startRelay(t);
  await squatV1(t, { a: url, b: url, settleMs: 100 });
});
