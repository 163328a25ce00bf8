/**
 * Two relay nodes on different ports sharing one real redis-server, real socket.io
 * clients over TCP: a room spread over both nodes behaves like a room on one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { adapterRoom } from '../../server/adapter-rooms.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { callMessages, candidateLine, connectClient, openClient, pair, v1Call, type TestClient } from '../server/support.js';
import { twoNodes } from './cluster.js';

test('caller on node A, callee on node B: ids, peer-joined, every message type both ways with the stamped from, `to` across nodes', async (t) => {
  const { A, B } = await twoNodes(t);
  // pair() also waits until a heard peer-joined from the other node.
  const [a, b] = await pair(t, A.url, 'x-call', B.url);
  assert.deepEqual(b.info, { id: b.id, room: 'x-call', peers: [a.id], protocol: PROTOCOL_VERSION, presence: { available: 2, busy: 0 } }, 'B sees the member on A');

  // The tutorial's way into a call, across nodes: a's ready rings b, b's ready answers.
  const call = await v1Call(a, b);
  assert.deepEqual(b.messages, [{ type: 'ready', call, kind: 'video', name: '', from: a.id, clientId: a.id }]);
  assert.deepEqual(a.messages, [{ type: 'ready', call, from: b.id, clientId: b.id }]);
  const talk = (tag: string) => callMessages(tag).slice(1); // offer … bye
  // Bound: a's messages go to b's node through the adapter; the candidates before the bye.
  for (const m of talk('a').slice(0, -1)) a.send(m);
  for (const m of talk('b').slice(0, -1)) b.send(m);
  await b.waitFor('4 messages from a', (x) => x.messages.length === 5);
  await a.waitFor('4 messages from b', (x) => x.messages.length === 5);
  assert.deepEqual(b.messages.slice(1), talk('a').slice(0, -1).map((m) => ({ ...m, from: a.id, clientId: a.id })));
  assert.deepEqual(a.messages.slice(1), talk('b').slice(0, -1).map((m) => ({ ...m, from: b.id, clientId: b.id })));

  // A spoofed id is overwritten on the sender's node; `to` the peer on the other node is delivered.
  a.send({ type: 'candidate', candidate: candidateLine(9), to: b.id, clientId: b.id });
  await b.waitFor('the directed candidate', (x) => x.messages.length === 6);
  assert.deepEqual(b.messages[5], { type: 'candidate', candidate: candidateLine(9), to: b.id, from: a.id, clientId: a.id });
  // The bye ends the call on both nodes: b is idle again (rung by a new request).
  a.send({ type: 'bye' });
  await b.waitFor('the bye', (x) => x.messages.length === 7);
  await b.waitFor('presence 2/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":2,"busy":0}');
  assert.equal(a.errors.length + b.errors.length, 0, JSON.stringify([...a.errors, ...b.errors]));

  // A normal leave on B is announced to A.
  const bId = b.id;
  b.close();
  await a.waitFor('peer-left across nodes', (x) => x.left.includes(bId));
});

test('room isolation across nodes: many rooms split over A and B, no message crosses a room', async (t) => {
  const { A, B } = await twoNodes(t);
  const pairs: Array<[TestClient, TestClient]> = [];
  for (let i = 0; i < 12; i++) {
    // Alternate which node holds the caller, so both directions of the adapter are used.
    const [first, second] = i % 2 ? [A, B] : [B, A];
    pairs.push(await pair(t, first.url, uniqueRoom('iso'), second.url));
  }
  for (const [i, [a, b]] of pairs.entries()) {
    a.send({ type: 'candidate', candidate: `candidate:${i} 1 udp 1 10.0.0.${i} 9 typ host` });
    b.send({ type: 'candidate', candidate: `candidate:${100 + i} 1 udp 1 10.0.1.${i} 9 typ host` });
  }
  for (const [a, b] of pairs) {
    await b.waitFor('its partner\'s candidate', (x) => x.messages.length >= 1);
    await a.waitFor('its partner\'s candidate', (x) => x.messages.length >= 1);
  }
  await sleep(200); // anything misrouted would have arrived by now
  for (const [i, [a, b]] of pairs.entries()) {
    assert.deepEqual(b.messages.map((m) => m.candidate), [`candidate:${i} 1 udp 1 10.0.0.${i} 9 typ host`]);
    assert.deepEqual(a.messages.map((m) => m.candidate), [`candidate:${100 + i} 1 udp 1 10.0.1.${i} 9 typ host`]);
    assert.deepEqual(a.joined, [b.id]);
  }
});

test('room-full across nodes: with one member on A and one on B of a room of 2, a third is refused on either node', async (t) => {
  const { A, B } = await twoNodes(t, { roomMembers: 2 });
  const [a, b] = await pair(t, A.url, 'full', B.url);
  for (const [name, n] of [['c@A', A], ['d@B', B]] as const) {
    const c = openClient(t, n.url, { auth: { room: 'full' } }, name);
    await c.waitFor('room-full and the disconnect', (x) => x.errors.length > 0 && x.disconnectReason !== undefined);
    assert.equal(c.errors[0]?.code, 'room-full');
    assert.equal(c.info, undefined, 'a refused joiner never gets a client-id');
  }
  await sleep(100);
  assert.deepEqual(a.joined, [b.id], 'the members never hear of a refused joiner');
  assert.deepEqual(b.joined, []);
  assert.deepEqual(a.left, []);
});

test('simultaneous joins on two nodes into a room with one free place: exactly one wins, every time', async (t) => {
  const { A, B } = await twoNodes(t, { roomMembers: 2 });
  const ROUNDS = 15;
  let bothRaced = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const room = uniqueRoom('race');
    const x = await connectClient(t, (r % 2 ? A : B).url, { auth: { room } }, `x@${room}`);
    // Both handshakes leave in the same tick; the pre-join checks on A and B overlap.
    const y = openClient(t, A.url, { auth: { room } }, `y@A/${room}`);
    const z = openClient(t, B.url, { auth: { room } }, `z@B/${room}`);
    const settled = (c: TestClient): boolean => c.errors.some((e) => e.code === 'room-full') || c.info !== undefined;
    await waitFor(`${room}: both joiners answered`, () => settled(y) && settled(z), { timeoutMs: 10_000 });
    await sleep(300); // a late eviction of an admitted-too joiner would land here
    const refused = [y, z].filter((c) => c.errors.some((e) => e.code === 'room-full'));
    const staying = [y, z].filter((c) => c.socket.connected && !c.errors.some((e) => e.code === 'room-full'));
    assert.equal(refused.length, 1, `${room}: exactly one joiner refused (y: ${JSON.stringify(y.errors)}, z: ${JSON.stringify(z.errors)})`);
    assert.equal(staying.length, 1, `${room}: exactly one joiner stays`);
    await waitFor(`${room}: the refused joiner is disconnected`, () => !refused[0]!.socket.connected);
    const winner = staying[0]!;
    if (refused[0]!.info) bothRaced++; // it was admitted by its node first, then evicted
    // The room holds exactly x and the winner, seen from both nodes.
    for (const n of [A, B]) {
      const ids = (await n.app.io.in(adapterRoom(room)).fetchSockets()).map((s) => s.id).sort();
      assert.deepEqual(ids, [x.id, winner.id].sort(), `${room}: membership seen from a node`);
    }
    // x's view nets out to one peer: the winner (an evicted joiner it heard of also left).
    const net = x.joined.filter((id) => !x.left.includes(id));
    assert.deepEqual(net, [winner.id], `${room}: x's peers`);
    // And the winner can talk to x.
    winner.send({ type: 'ready' });
    await x.waitFor('ready from the winner', (c) => c.messages.some((m) => m.type === 'ready' && m.from === winner.id));
  }
  t.diagnostic(`${bothRaced} of ${ROUNDS} rounds admitted both joiners at first and evicted the newer one`);
});
