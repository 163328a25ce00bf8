/**
 * Property-based (fast-check): no admitted room name equals a socket id or reaches one. First over
 * the names themselves (every name a handshake may carry, against every string shaped like a
 * socket id), then on a real relay (room-reach.ts): whatever room generated joiners pick (ids the
 * relay actually issued, socket-id-shaped strings, the prefix itself, any room name), what they
 * send reaches the other joiners of that room and nobody else, and what two bound pairs send to
 * each other by socket id reaches the peer and no joiner. (Across nodes: test/redis/room-namespace.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { adapterRoom, roomOf } from '../../server/adapter-rooms.js';
import { LIMITS, ROOM_PATTERN } from '../../src/protocol/index.js';
import { roomNameArb, roomsReachTheirMembersOnly, socketIdArb } from './room-reach.js';
import { startRelay } from './support.js';

test('property: no room name’s adapter room equals a socket id, and the relay’s rooms are told from sockets’ own', () => {
  fc.assert(
    fc.property(fc.oneof(roomNameArb, socketIdArb, socketIdArb.map(adapterRoom).filter((r) => r.length <= LIMITS.maxRoomLength)), socketIdArb, (room, id) => {
      assert.match(room, ROOM_PATTERN);
      assert.notEqual(adapterRoom(room), id);
      assert.equal(roomOf(adapterRoom(room)), room);
      assert.equal(roomOf(id), undefined, 'a socket’s own room is never taken for one of the relay’s');
    }),
    { numRuns: 2000 },
  );
});

test('property: joiners of any room, named after issued socket ids or not, reach exactly that room’s members; deliveries by socket id reach that socket only', async (t) => {
  // Every socket comes from 127.0.0.1: the per-address handshake rate is raised as an operator would for a test like this.
  const relay = await startRelay(t, { handshakesPerSecond: 1000 });
  t.diagnostic(`${await roomsReachTheirMembersOnly(t, [relay], 30)} runs`);
});
