/**
 * Bad input: each case gets the exact `error` code and nothing reaches the peer.
 * Handshake refusals (bad room, bad token, origin) and room-full included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIMITS } from '../../src/protocol/index.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { assertNothingRelayed, candidateLine, connectClient, openClient, pair, startRelay } from './support.js';

const big = (n: number): string => 'x'.repeat(n);

/** [what, payload, the `type` echoed in the error (if any)] */
const BAD_MESSAGES: Array<[string, unknown, string | undefined]> = [
  ['a string', 'hello', undefined],
  ['a number', 42, undefined],
  ['null', null, undefined],
  ['an array', [{ type: 'offer', sdp: 'v=0' }], undefined],
  ['a boolean', true, undefined],
  ['an object without type', { sdp: 'v=0' }, undefined],
  ['an unknown type', { type: 'hack' }, 'hack'],
  ['a numeric type', { type: 1 }, undefined],
  ['an offer without sdp', { type: 'offer' }, 'offer'],
  ['an answer with empty sdp', { type: 'answer', sdp: '' }, 'answer'],
  ['an offer with a numeric sdp', { type: 'offer', sdp: 12 }, 'offer'],
  ['an offer with an oversized sdp', { type: 'offer', sdp: big(LIMITS.maxSdpBytes + 1) }, 'offer'],
  ['an offer whose multibyte sdp is over the byte limit', { type: 'offer', sdp: 'é'.repeat(LIMITS.maxSdpBytes / 2 + 1) }, 'offer'],
  ['a candidate without candidate', { type: 'candidate' }, 'candidate'],
  ['a candidate with an object candidate', { type: 'candidate', candidate: { candidate: 'x' } }, 'candidate'],
  ['an oversized candidate', { type: 'candidate', candidate: big(LIMITS.maxCandidateBytes + 1) }, 'candidate'],
  ['a negative sdpMLineIndex', { type: 'candidate', candidate: candidateLine(), sdpMLineIndex: -1 }, 'candidate'],
  ['a fractional sdpMLineIndex', { type: 'candidate', candidate: candidateLine(), sdpMLineIndex: 0.5 }, 'candidate'],
  ['a string sdpMLineIndex', { type: 'candidate', candidate: candidateLine(), sdpMLineIndex: '0' }, 'candidate'],
  ['a too-large sdpMLineIndex', { type: 'candidate', candidate: candidateLine(), sdpMLineIndex: LIMITS.maxSdpMLineIndex + 1 }, 'candidate'],
  ['a numeric sdpMid', { type: 'candidate', candidate: candidateLine(), sdpMid: 0 }, 'candidate'],
  ['an oversized sdpMid', { type: 'candidate', candidate: candidateLine(), sdpMid: big(LIMITS.maxSdpMidLength + 1) }, 'candidate'],
  ['an oversized usernameFragment', { type: 'candidate', candidate: candidateLine(), usernameFragment: big(LIMITS.maxUsernameFragmentLength + 1) }, 'candidate'],
  ['a ready carrying sdp', { type: 'ready', sdp: 'v=0' }, 'ready'],
  ['a bye carrying a candidate', { type: 'bye', candidate: candidateLine() }, 'bye'],
  ['an offer carrying a candidate', { type: 'offer', sdp: 'v=0', candidate: candidateLine() }, 'offer'],
  ['a numeric to', { type: 'ready', to: 5 }, 'ready'],
  ['an empty to', { type: 'ready', to: '' }, 'ready'],
  ['an oversized to', { type: 'ready', to: big(LIMITS.maxIdLength + 1) }, 'ready'],
  ['an oversized clientId', { type: 'ready', clientId: big(LIMITS.maxIdLength + 1) }, 'ready'],
  ['a numeric clientId', { type: 'ready', clientId: 7 }, 'ready'],
];

test('every bad message gets error bad-message (with its type) and nothing is relayed', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'bad-input');
  for (const [, payload] of BAD_MESSAGES) a.sendRaw(payload);
  a.sendRaw(); // no payload at all
  await a.waitFor(`${BAD_MESSAGES.length + 1} errors`, (x) => x.errors.length === BAD_MESSAGES.length + 1);
  for (const [i, [what, , type]] of BAD_MESSAGES.entries()) {
    const e = a.errors[i];
    assert.equal(e?.code, 'bad-message', `${what}: code`);
    assert.equal(e?.type, type, `${what}: echoed type`);
    assert.ok(typeof e?.message === 'string' && e.message.length > 5, `${what}: a readable message`);
  }
  assert.equal(a.errors.at(-1)?.code, 'bad-message', 'no payload');
  await assertNothingRelayed(a, b);
  assert.equal(a.socket.connected, true, 'bad input does not cost the connection');
  assert.equal(relay.app.relay.stats.refused['bad-message'], BAD_MESSAGES.length + 1);
});

test('a frame over maxFrameBytes closes that socket before parsing; the peer receives nothing', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'oversize');
  a.sendRaw({ type: 'offer', sdp: big(LIMITS.maxFrameBytes + 1024) });
  await a.waitFor('the disconnect', (x) => x.disconnectReason !== undefined);
  assert.equal(a.disconnectReason, 'transport close');
  await b.waitFor('peer-left', (x) => x.left.includes(a.id));
  assert.equal(b.messages.length, 0);
  assert.equal(b.socket.connected, true, 'the peer is unaffected');
});

// Refusals far past 20 in 10 s would end the socket slow-consumer (limits.test.ts): these tests count them instead.
const NO_STRIKES = { rateLimitStrikes: { count: 1000, windowMs: 10_000 } };

test('rate limit: past the burst, messages are refused with rate-limited and not relayed; the bucket refills', async (t) => {
  const relay = await startRelay(t, NO_STRIKES);
  const [a, b] = await pair(t, relay.url, 'flood');
  const sent = LIMITS.messageBurst + 40;
  for (let i = 0; i < sent; i++) a.send({ type: 'candidate', candidate: candidateLine(i) });
  await waitFor('every message relayed or refused', () => b.messages.length + a.errors.length === sent);
  const refused = a.errors.length;
  assert.ok(a.errors.every((e) => e.code === 'rate-limited' && e.type === 'candidate'));
  // The burst passes; a few more may pass while the frames arrive (50/s refill).
  assert.ok(b.messages.length >= LIMITS.messageBurst, `relayed ${b.messages.length}`);
  assert.ok(refused >= 1, `refused ${refused}`);
  // The whole burst passes in order; later ones only as tokens trickle back, still in order.
  const got = b.messages.map((m) => m.candidate);
  assert.deepEqual(got.slice(0, LIMITS.messageBurst), Array.from({ length: LIMITS.messageBurst }, (_, i) => candidateLine(i)));
  const order = got.map((c) => Number(/^candidate:(\d+) /.exec(c ?? '')?.[1]));
  assert.deepEqual(order, [...order].sort((x, y) => x - y), 'relayed in the order sent');

  await sleep(300); // ~15 tokens back
  const before = b.messages.length;
  for (let i = 0; i < 10; i++) a.send({ type: 'candidate', candidate: candidateLine(1000 + i) });
  await b.waitFor('the refilled 10', (x) => x.messages.length === before + 10);
  assert.equal(a.errors.length, refused, 'no new refusals');
});

test('a configured rate limit: exactly the burst passes a flood, the rest is refused', async (t) => {
  const relay = await startRelay(t, { rateLimit: { perSecond: 0.5, burst: 20 }, ...NO_STRIKES });
  const [a, b] = await pair(t, relay.url, 'slow-bucket');
  for (let i = 0; i < 50; i++) a.send({ type: 'candidate', candidate: candidateLine(i) });
  await waitFor('every message relayed or refused', () => b.messages.length + a.errors.length === 50);
  // 0.5/s refill: at most one extra token unless the relay stalls for seconds.
  assert.ok(b.messages.length >= 20 && b.messages.length <= 21, `relayed ${b.messages.length}`);
  assert.equal(a.errors.length, 50 - b.messages.length);
  // The bucket is empty: the next message is refused too, and b hears nothing more.
  const relayed = b.messages.length;
  a.send({ type: 'bye' });
  await a.waitFor('the bye refused', (x) => x.errors.length === 51 - relayed);
  assert.deepEqual(a.errors.at(-1), { code: 'rate-limited', message: 'more than 0.5 messages/s; dropped', type: 'bye' });
  await sleep(50);
  assert.equal(b.messages.length, relayed);
});

test('a configured rate limit applies per socket: one flooding socket does not limit its peer', async (t) => {
  const relay = await startRelay(t, { rateLimit: { perSecond: 5, burst: 3 } });
  const [a, b] = await pair(t, relay.url, 'per-socket');
  // Candidates, not ready: a ready rings, and call requests have a budget of their own (ring-limits.test.ts).
  for (let i = 0; i < 6; i++) a.send({ type: 'candidate', candidate: candidateLine(i) });
  await a.waitFor('3 refusals', (x) => x.errors.length === 3);
  for (let i = 0; i < 3; i++) b.send({ type: 'candidate', candidate: candidateLine(i) });
  await a.waitFor('b\'s 3 messages', (x) => x.messages.length === 3);
  assert.equal(b.errors.length, 0);
  assert.equal(b.messages.length, 3);
});

test('room-full: with ROOM_MEMBERS=2 the third client gets error room-full and is disconnected; the two inside hear nothing', async (t) => {
  const relay = await startRelay(t, { roomMembers: 2 });
  const [a, b] = await pair(t, relay.url, 'two-only');
  const c = openClient(t, relay.url, { auth: { room: 'two-only' } }, 'c');
  // Sent at once (socket.io-client buffers it until connected): it must die with the refusal.
  c.send({ type: 'offer', sdp: 'v=0\r\n' });
  await c.waitFor('disconnect', (x) => x.disconnectReason !== undefined);
  assert.deepEqual(c.errors.map((e) => e.code), ['room-full']);
  assert.equal(c.disconnectReason, 'io server disconnect', 'a server-side disconnect: the client does not retry');
  assert.equal(c.info, undefined, 'no client-id for a refused socket');
  await assertNothingRelayed(a, b);
  assert.equal(a.messages.length, 0, 'the refused socket\'s offer reached nobody');
  assert.deepEqual(a.joined, [b.id]);
  assert.deepEqual(a.left, []);
  assert.deepEqual(b.left, []);
});

test('room-full is race-safe: of 3 clients joining an empty room of 2 at the same moment exactly 2 get in', async (t) => {
  const relay = await startRelay(t, { roomMembers: 2 });
  for (let round = 0; round < 5; round++) {
    const room = uniqueRoom('race');
    const cs = [0, 1, 2].map((i) => openClient(t, relay.url, { auth: { room } }, `c${i}@${room}`));
    await waitFor(`${room}: all settled`, () => cs.every((c) => c.info !== undefined || c.disconnectReason !== undefined));
    const inside = cs.filter((c) => c.info !== undefined);
    const refused = cs.filter((c) => c.info === undefined);
    assert.equal(inside.length, 2, `${room}: two inside`);
    assert.deepEqual(refused.map((c) => c.errors.map((e) => e.code)), [['room-full']]);
    assert.deepEqual(inside[1]?.info?.peers, [inside[0]?.id]);
  }
});

test('ROOM_MEMBERS is honoured (3 per room)', async (t) => {
  const relay = await startRelay(t, { roomMembers: 3 });
  for (let i = 0; i < 3; i++) await connectClient(t, relay.url, { auth: { room: 'three' } }, `c${i}`);
  const d = openClient(t, relay.url, { auth: { room: 'three' } }, 'd');
  await d.waitFor('disconnect', (x) => x.disconnectReason !== undefined);
  assert.deepEqual(d.errors.map((e) => e.code), ['room-full']);
});

test('a bad room name is refused at the handshake with connect_error bad-room', async (t) => {
  const relay = await startRelay(t);
  for (const room of ['has space', 'x'.repeat(LIMITS.maxRoomLength + 1), 'a/b', 'ünicode', 42]) {
    const c = openClient(t, relay.url, { auth: { room } }, `room ${String(room).slice(0, 10)}`);
    await c.waitFor('connect_error', (x) => x.connectError !== undefined);
    assert.deepEqual(c.connectError?.data?.code, 'bad-room', `room ${JSON.stringify(room)}`);
    assert.equal(c.info, undefined);
  }
  const q = openClient(t, relay.url, { query: { room: 'no spaces please' } }, 'query');
  await q.waitFor('connect_error', (x) => x.connectError !== undefined);
  assert.equal(q.connectError?.data?.code, 'bad-room');
});

test('authorize(token, room): refusals are unauthorized, also when it throws or the token is not a string', async (t) => {
  const seen: Array<[string | undefined, string]> = [];
  const relay = await startRelay(t, {
    authorize: async (token, room) => {
      seen.push([token, room]);
      if (token === 'boom') throw new Error('backend down');
      return token === `ok-${room}`;
    },
  });
  const ok = await connectClient(t, relay.url, { auth: { room: 'vip', token: 'ok-vip' } }, 'ok');
  assert.equal(ok.info?.room, 'vip');
  for (const auth of [{ room: 'vip', token: 'ok-other' }, { room: 'vip' }, { room: 'vip', token: 'boom' }, { room: 'vip', token: 5 }]) {
    const c = openClient(t, relay.url, { auth }, JSON.stringify(auth));
    await c.waitFor('connect_error', (x) => x.connectError !== undefined);
    assert.equal(c.connectError?.data?.code, 'unauthorized', JSON.stringify(auth));
  }
  // The non-string token never reached authorize().
  assert.deepEqual(seen, [['ok-vip', 'vip'], ['ok-other', 'vip'], [undefined, 'vip'], ['boom', 'vip']]);
});

test('ALLOWED_ORIGINS: an origin not listed cannot open a socket; a listed one and a non-browser client can', async (t) => {
  const relay = await startRelay(t, { allowedOrigins: ['https://shop.example'] });
  for (const transports of [['websocket'], ['polling']]) {
    const evil = openClient(t, relay.url, { transports, extraHeaders: { origin: 'https://evil.example' } }, `evil ${transports}`);
    await evil.waitFor('connect_error', (x) => x.connectError !== undefined);
    assert.equal(evil.info, undefined);
    const good = await connectClient(t, relay.url, { transports, extraHeaders: { origin: 'https://shop.example' } }, `good ${transports}`);
    assert.ok(good.info);
    good.close();
  }
  const node = await connectClient(t, relay.url, {}, 'no-origin');
  assert.ok(node.info);
});
