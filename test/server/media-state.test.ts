/**
 * v2 `media` (a side's mute / camera-off / sharing state) on the real relay with real
 * socket.io-client sockets: delivered to the bound peer only, stamped with the sender's
 * relay-given name; refused outside a call and with a bad flag. Display names in relayed
 * messages are never the client's own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueRoom } from '../support/wait.js';
import { connectClient, received, startRelay, v2Client, v1Call, type TestClient } from './support.js';

/** Everything the relay sent `c` so far has arrived: its refusal of a decline of no call comes after it. */
async function settled(c: TestClient, tag: string): Promise<void> {
  c.send({ type: 'decline', call: tag });
  await c.waitFor(`the refusal of ${tag}`, (x) => x.errors.some((e) => e.call === tag));
}

test('media goes to the bound peer only, with the sender’s name from the handshake, never the one it wrote', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('media');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const other = await v2Client(t, relay.url, room, 'Other desk');
  const visitor = await v2Client(t, relay.url, room, 'Ann', { incoming: false });
  visitor.send({ type: 'ready', call: 'm1', kind: 'video' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk.send({ type: 'accept', call: 'm1' });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  const seen = other.messages.length;

  visitor.send({ type: 'media', muted: true, cameraOff: false, sharing: false, name: 'The CEO' } as never);
  await desk.waitFor('the media state', (x) => received(x, 'media').length === 1);
  assert.deepEqual(received(desk, 'media')[0], { type: 'media', muted: true, cameraOff: false, sharing: false, name: 'Ann', from: visitor.id, clientId: visitor.id });
  // A name a client writes into signaling is dropped too.
  visitor.send({ type: 'candidate', candidate: '', name: 'The CEO' } as never);
  await desk.waitFor('the candidate', (x) => received(x, 'candidate').length === 1);
  assert.equal(received(desk, 'candidate')[0]!.name, undefined);
  await settled(other, 'barrier-1');
  assert.deepEqual(other.messages.slice(seen), [], 'nobody else hears it');
});

test('media outside a call is refused not-in-call; a flag that is not a boolean is bad-message; neither is relayed', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('media-bad');
  const a = await v2Client(t, relay.url, room, 'A');
  const b = await v2Client(t, relay.url, room, 'B');
  a.send({ type: 'media', muted: true });
  await a.waitFor('the refusal', (x) => x.errors.length === 1);
  assert.equal(a.errors[0]!.code, 'not-in-call');
  assert.equal(a.errors[0]!.type, 'media');
  a.send({ type: 'media', muted: 'yes' } as never);
  await a.waitFor('the second refusal', (x) => x.errors.length === 2);
  assert.deepEqual([a.errors[1]!.code, a.errors[1]!.message], ['bad-message', 'muted must be true or false']);
  await settled(b, 'barrier-2');
  assert.deepEqual(b.messages, []);
});

test('a v1 client’s name never reaches its peer: the relay drops what a client wrote', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('media-v1');
  const caller = await connectClient(t, relay.url, { auth: { room } }, 'caller');
  const callee = await connectClient(t, relay.url, { auth: { room } }, 'callee');
  await v1Call(caller, callee);
  caller.send({ type: 'bye', name: 'Spoofed' } as never);
  await callee.waitFor('the bye', (x) => received(x, 'bye').length === 1);
  assert.equal(received(callee, 'bye')[0]!.name, undefined);
});
