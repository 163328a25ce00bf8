/** Rooms against a real Socket.IO server and real clients: serialised joins, members, rooms per node. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { Rooms } from '../../server/calls/rooms.js';
import type { RelayServer, RelaySocket } from '../../server/types.js';
import { waitFor } from '../support/wait.js';

async function serverWithSockets(t: import('node:test').TestContext, n: number): Promise<{ io: RelayServer; sockets: RelaySocket[] }> {
  const http = createServer();
  const io: RelayServer = new Server(http);
  const sockets: RelaySocket[] = [];
  io.on('connection', (s) => void sockets.push(s));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  t.after(() => io.close());
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  for (let i = 0; i < n; i++) {
    const c = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    t.after(() => c.close());
  }
  await waitFor(`${n} sockets`, () => sockets.length === n);
  return { io, sockets };
}

test('joins fired in the same tick are serialised per room: exactly `size` get in', async (t) => {
  const { io, sockets } = await serverWithSockets(t, 5);
  const rooms = new Rooms(io, 2);
  const results = await Promise.all(sockets.map((s) => rooms.join(s, 'r')));
  assert.deepEqual(results.map((r) => r.ok), [true, true, false, false, false]);
  assert.deepEqual(results[1], { ok: true, peers: [sockets[0]!.id] });
  assert.deepEqual(results[2], { ok: false, reason: 'full' });
  assert.deepEqual((await rooms.members('r')).sort(), [sockets[0]!.id, sockets[1]!.id].sort());
  assert.equal(rooms.localRoomCount, 1);
  // In the adapter the room is `r:` + its name (adapter-rooms.ts): the name alone is no room there.
  assert.deepEqual([...sockets[0]!.rooms].sort(), [sockets[0]!.id, 'r:r'].sort());
  assert.equal(io.of('/').adapter.rooms.has('r'), false);
});

test('joins to different rooms do not wait for each other and a disconnected socket is not joined', async (t) => {
  const { io, sockets } = await serverWithSockets(t, 3);
  const rooms = new Rooms(io, 2);
  const [s0, s1, s2] = sockets as [RelaySocket, RelaySocket, RelaySocket];
  s2.disconnect(true);
  const res = await Promise.all([rooms.join(s0, 'x'), rooms.join(s1, 'y'), rooms.join(s2, 'x')]);
  assert.deepEqual(res, [{ ok: true, peers: [] }, { ok: true, peers: [] }, { ok: false, reason: 'gone' }]);
  assert.equal(rooms.localRoomCount, 2);
  assert.deepEqual(await rooms.members('x'), [s0.id]);
  assert.deepEqual(await rooms.members('y'), [s1.id]);
  rooms.left('y');
  assert.equal(rooms.localRoomCount, 1);
});
