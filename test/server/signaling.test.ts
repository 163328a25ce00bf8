/** Relaying between real Socket.IO clients over TCP: ids, stamping, rooms, `to`, the tutorial's client. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ROOM, PROTOCOL_VERSION, type SignalMessage } from '../../src/protocol/index.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { callMessages, candidateLine, connectClient, openClient, pair, startRelay, v1Call } from './support.js';

test('two clients get distinct server ids; a v1 call (ready rings, ready answers) relays every message type both ways, stamped', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'call-1');

  assert.notEqual(a.id, b.id);
  assert.deepEqual(a.info, { id: a.id, room: 'call-1', peers: [], protocol: PROTOCOL_VERSION, presence: { available: 1, busy: 0 } });
  assert.deepEqual(b.info, { id: b.id, room: 'call-1', peers: [a.id], protocol: PROTOCOL_VERSION, presence: { available: 2, busy: 0 } });
  assert.deepEqual(a.joined, [b.id]);
  assert.deepEqual(b.joined, [], 'a joiner is not told about itself');

  const call = await v1Call(a, b);
  assert.deepEqual(b.messages, [{ type: 'ready', call, kind: 'video', name: '', from: a.id, clientId: a.id }], 'the ring: the relay named the call');
  assert.deepEqual(a.messages, [{ type: 'ready', call, from: b.id, clientId: b.id }], 'the answer');
  const [ma, mb] = [a.messages.length, b.messages.length];
  const talk = (tag: string): SignalMessage[] => callMessages(tag).slice(1); // offer … bye
  for (const m of talk('a')) a.send(m);
  for (const m of talk('b')) b.send(m);
  await b.waitFor('5 messages from a', (x) => x.messages.length === mb + 5);
  await a.waitFor('5 messages from b', (x) => x.messages.length === ma + 5);
  assert.deepEqual(b.messages.slice(mb), talk('a').map((m) => ({ ...m, from: a.id, clientId: a.id })));
  assert.deepEqual(a.messages.slice(ma), talk('b').map((m) => ({ ...m, from: b.id, clientId: b.id })));
  assert.equal(a.errors.length + b.errors.length, 0);
});

test('a spoofed clientId or from is overwritten with the sender\'s real id; unknown fields are dropped', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'spoof');
  a.sendRaw({ type: 'candidate', candidate: candidateLine(1), clientId: b.id, from: b.id, admin: true, __proto__x: 1 });
  await b.waitFor('the candidate', (x) => x.messages.length === 1);
  assert.deepEqual(b.messages[0], { type: 'candidate', candidate: candidateLine(1), from: a.id, clientId: a.id });
  assert.equal(a.messages.length, 0, 'the sender does not get its own message back');
});

test('peer-left reaches the room when a peer disconnects, and the room frees its seat', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'leave');
  const bId = b.id;
  b.close();
  await a.waitFor('peer-left', (x) => x.left.includes(bId));
  assert.deepEqual(a.left, [bId]);
  const c = await connectClient(t, relay.url, { auth: { room: 'leave' } }, 'c');
  assert.deepEqual(c.info?.peers, [a.id]);
});

test('room isolation: 25 rooms at once, no message crosses a room', async (t) => {
  const relay = await startRelay(t);
  const rooms = Array.from({ length: 25 }, () => uniqueRoom('iso'));
  const pairs = await Promise.all(rooms.map((r) => pair(t, relay.url, r)));
  // Everyone talks at once, each message tagged with its room.
  for (const [i, [a, b]] of pairs.entries()) {
    for (let k = 0; k < 4; k++) {
      a.send({ type: 'candidate', candidate: `candidate:${k} 1 udp 1 10.0.0.${i} 9 typ host`, sdpMid: rooms[i] });
      b.send({ type: 'candidate', candidate: `candidate:${k} 1 udp 1 10.1.0.${i} 9 typ host`, sdpMid: rooms[i] });
    }
  }
  await waitFor('all messages', () => pairs.every(([a, b]) => a.messages.length >= 4 && b.messages.length >= 4));
  // Let any stray cross-room delivery arrive before counting.
  await sleep(100);
  for (const [i, [a, b]] of pairs.entries()) {
    assert.equal(a.messages.length, 4, `room ${rooms[i]}: a got exactly its partner's 4`);
    assert.equal(b.messages.length, 4, `room ${rooms[i]}: b got exactly its partner's 4`);
    assert.ok(a.messages.every((m) => m.from === b.id && m.sdpMid === rooms[i]));
    assert.ok(b.messages.every((m) => m.from === a.id && m.sdpMid === rooms[i]));
    assert.deepEqual(a.joined, [b.id]);
  }
});

test('the tutorial\'s client: no room, default transports, bare candidates, clientId in every message', async (t) => {
  const relay = await startRelay(t);
  // Exactly what the tutorial does: io(url), listen for client-id and message.
  const mk = (name: string) => openClient(t, relay.url, { transports: undefined }, name);
  const a = mk('tutorial-a');
  await a.waitFor('client-id', (x) => x.info !== undefined);
  const b = mk('tutorial-b');
  await b.waitFor('client-id', (x) => x.info !== undefined);
  assert.equal(a.info?.room, DEFAULT_ROOM);
  assert.equal(b.info?.room, DEFAULT_ROOM);

  let clientId = b.id;
  b.send({ type: 'ready', clientId });
  await a.waitFor('ready', (x) => x.messages.length === 1);
  clientId = a.id;
  a.send({ type: 'offer', sdp: 'v=0\r\n', clientId });
  a.send({ type: 'candidate', candidate: candidateLine(3), clientId });
  await b.waitFor('offer + candidate', (x) => x.messages.length === 2);
  b.send({ type: 'answer', sdp: 'v=0\r\n', clientId: b.id });
  b.send({ type: 'bye', clientId: b.id });
  await a.waitFor('answer + bye', (x) => x.messages.length === 3);

  assert.deepEqual(a.messages.map((m) => [m.type, m.clientId]), [['ready', b.id], ['answer', b.id], ['bye', b.id]]);
  assert.deepEqual(b.messages.map((m) => [m.type, m.clientId]), [['offer', a.id], ['candidate', a.id]]);
  assert.equal(b.messages[1]?.candidate, candidateLine(3));
  assert.equal(b.messages[1]?.sdpMid, undefined, 'a bare candidate stays bare');
});

test('DEFAULT_ROOM is configurable and the room may also come as a query parameter', async (t) => {
  const relay = await startRelay(t, { defaultRoom: 'front-desk' });
  const a = await connectClient(t, relay.url, {}, 'a');
  assert.equal(a.info?.room, 'front-desk');
  const q = await connectClient(t, relay.url, { query: { room: 'by-query' } }, 'q');
  assert.equal(q.info?.room, 'by-query');
  // Long-polling first (then upgrading), as a client behind a WebSocket-hostile proxy starts.
  const qp = await connectClient(t, relay.url, { query: { room: 'by-query' }, transports: ['polling', 'websocket'] }, 'qp');
  assert.equal(qp.info?.room, 'by-query');
  assert.deepEqual(qp.info?.peers, [q.id]);
  const both = await connectClient(t, relay.url, { query: { room: 'by-query' }, auth: { room: 'by-auth' } }, 'both');
  assert.deepEqual(both.info?.peers, []);
  assert.equal(both.info?.room, 'by-auth', 'auth.room wins over the query');
});

test('to: delivers to that peer only; a peer outside the room, unknown or yourself is unknown-peer', async (t) => {
  const relay = await startRelay(t, { roomMembers: 3 });
  const a = await connectClient(t, relay.url, { auth: { room: 'trio' } }, 'a');
  const b = await connectClient(t, relay.url, { auth: { room: 'trio' } }, 'b');
  const c = await connectClient(t, relay.url, { auth: { room: 'trio' } }, 'c');
  const outsider = await connectClient(t, relay.url, { auth: { room: 'elsewhere' } }, 'outsider');
  await a.waitFor('b and c joined', (x) => x.joined.length === 2);

  a.send({ type: 'offer', sdp: 'v=0\r\n', to: b.id });
  await b.waitFor('the directed offer', (x) => x.messages.length === 1);
  assert.deepEqual(b.messages[0], { type: 'offer', sdp: 'v=0\r\n', to: b.id, from: a.id, clientId: a.id });

  a.send({ type: 'candidate', candidate: candidateLine(1), to: outsider.id });
  a.send({ type: 'candidate', candidate: candidateLine(2), to: 'NoSuchSocketId00000' });
  a.send({ type: 'candidate', candidate: candidateLine(3), to: a.id });
  await a.waitFor('three refusals', (x) => x.errors.length === 3);
  assert.deepEqual(a.errors.map((e) => [e.code, e.type]), [
    ['unknown-peer', 'candidate'],
    ['unknown-peer', 'candidate'],
    ['unknown-peer', 'candidate'],
  ]);
  // Then a broadcast: c must see it as its first message (nothing directed leaked to c).
  a.send({ type: 'ready' });
  await c.waitFor('the broadcast', (x) => x.messages.length === 1);
  await b.waitFor('the broadcast', (x) => x.messages.length === 2);
  assert.deepEqual(c.messages.map((m) => m.type), ['ready']);
  assert.deepEqual(b.messages.map((m) => m.type), ['offer', 'ready']);
  assert.equal(outsider.messages.length, 0);
});

test('messages sent before client-id arrives are delivered after the join, in order', async (t) => {
  const relay = await startRelay(t);
  const a = await connectClient(t, relay.url, { auth: { room: 'early' } }, 'a');
  const b = openClient(t, relay.url, { auth: { room: 'early' } }, 'b');
  // socket.io-client buffers emits until connected; they reach the relay right after the handshake.
  for (let i = 0; i < 5; i++) b.send({ type: 'candidate', candidate: candidateLine(i) });
  await a.waitFor('5 early candidates', (x) => x.messages.length === 5);
  assert.deepEqual(a.messages.map((m) => m.candidate), [0, 1, 2, 3, 4].map((i) => candidateLine(i)));
  assert.ok(a.messages.every((m) => m.from === b.id));
});
