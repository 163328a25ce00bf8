/**
 * Protocol 2 on the real relay with real socket.io-client sockets over TCP: rooms are presence,
 * call requests ring idle members that take calls, the first accept binds, decline / cancel /
 * no-answer / unavailable / busy, a bound pair closed to everyone else, v1 clients calling and
 * being called, and a call rejoined on new sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { RelayedMessage, SignalMessage } from '../../src/protocol/index.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { candidateLine, connectClient, openClient, received, sample, startRelay, v2Client, type Relay, type TestClient } from './support.js';

const OFFER: SignalMessage = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' };
const ANSWER: SignalMessage = { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n' };
const CAND: SignalMessage = { type: 'candidate', candidate: candidateLine(1), sdpMid: '0', sdpMLineIndex: 0 };
const REJOIN_SECRET = 'rejoin-secret-of-this-test-0123456789';

/** The ring a callee hears for a request of `caller`. */
const ring = (caller: TestClient, call: string, name: string, kind = 'video'): RelayedMessage => ({ type: 'ready', call, kind: kind as 'video', name, from: caller.id, clientId: caller.id });

/**
 * Everything the relay sent `c` before now has arrived: a decline of a call that does not exist
 * is refused to `c` alone (a socket's events keep their order); the refusal is then removed.
 */
let barriers = 0;
async function settled(...cs: TestClient[]): Promise<void> {
  await Promise.all(
    cs.map(async (c) => {
      const call = `barrier-${++barriers}`;
      c.send({ type: 'decline', call });
      await c.waitFor(`the refusal of ${call}`, (x) => x.errors.some((e) => e.call === call));
      c.errors.splice(c.errors.findIndex((e) => e.call === call), 1);
    }),
  );
}

/** A visitor calls and the desk accepts: a bound pair, both having heard `bound`. */
async function boundPair(t: TestContext, relay: Relay, room: string, call = `c-${uniqueRoom()}`): Promise<{ visitor: TestClient; desk: TestClient; call: string; key: string; deskKey: string }> {
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const visitor = await v2Client(t, relay.url, room, 'Visitor', { incoming: false });
  visitor.send({ type: 'ready', call, kind: 'video' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').some((m) => m.call === call));
  desk.send({ type: 'accept', call });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  return { visitor, desk, call, key: visitor.bound[0]!.key, deskKey: desk.bound[0]!.key };
}

test('presence: who takes calls, idle and busy, in client-id and to the room on every change; call-only pages do not count', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('presence');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  // `ice`: this socket's ICE servers (none configured here).
  assert.deepEqual(desk.info, { id: desk.id, room, peers: [], protocol: 2, presence: { available: 1, busy: 0 }, ice: { iceServers: [], iceTransportPolicy: 'all' } });
  const visitor = await v2Client(t, relay.url, room, 'Visitor', { incoming: false });
  assert.deepEqual(visitor.info?.presence, { available: 1, busy: 0 }, 'a call-only page is not available');
  const desk2 = await v2Client(t, relay.url, room, 'Desk 2');
  assert.deepEqual(desk2.info?.presence, { available: 2, busy: 0 });
  await visitor.waitFor('presence 2/0', (x) => x.presence.at(-1)?.available === 2);
  // The visitor calls; desk 2 answers: one desk in a call, one free.
  visitor.send({ type: 'ready', call: 'p1' });
  await desk2.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk2.send({ type: 'accept', call: 'p1' });
  for (const c of [desk, desk2, visitor]) await c.waitFor('presence 1/1', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":1,"busy":1}');
  // Hang up: both free again.
  visitor.send({ type: 'bye' });
  for (const c of [desk, desk2, visitor]) await c.waitFor('presence 2/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":2,"busy":0}');
  // A desk leaves.
  desk.close();
  await visitor.waitFor('presence 1/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":1,"busy":0}');
});

test('a call request rings only the idle members that take calls, with the caller’s name and kind; ringing says how many', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('ring');
  const busy = await boundPair(t, relay, room, 'busy-call');
  const desk1 = await v2Client(t, relay.url, room, 'Desk 1');
  const desk2 = await v2Client(t, relay.url, room, 'Desk 2');
  const callOnly = await v2Client(t, relay.url, room, 'Another visitor', { incoming: false });
  const caller = await v2Client(t, relay.url, room, '  Ann\u0007 Smith  ', { incoming: false });
  caller.send({ type: 'ready', call: 'call-1', kind: 'voice', name: 'Forged Name' } as SignalMessage);
  await caller.waitFor('ringing', (x) => x.ringing.length === 1);
  assert.deepEqual(caller.ringing, [{ call: 'call-1', count: 2 }]);
  for (const d of [desk1, desk2]) await d.waitFor('the ring', (x) => x.messages.length === 1);
  assert.deepEqual(desk1.messages, [ring(caller, 'call-1', 'Ann  Smith', 'voice')], 'the handshake name, trimmed and without control characters; the message’s own name dropped');
  assert.deepEqual(desk2.messages, desk1.messages);
  await settled(callOnly, busy.visitor, busy.desk, caller);
  assert.deepEqual(callOnly.messages, [], 'a call-only page is not rung');
  assert.deepEqual(received(busy.desk, 'ready').map((m) => m.call), ['busy-call'], 'a bound member is not rung');
  assert.deepEqual(received(busy.visitor, 'ready'), []);
  assert.deepEqual(caller.errors, []);
  assert.equal(relay.app.relay.stats.calls.requested, 2);
});

test('unavailable, busy, and a request to one member: unknown-peer, busy, unavailable, or it rings that one alone', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('nobody');
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  const other = await v2Client(t, relay.url, room, 'Other visitor', { incoming: false });
  caller.send({ type: 'ready', call: 'u1' });
  await caller.waitFor('refused', (x) => x.errors.length === 1);
  assert.deepEqual(caller.errors[0], { code: 'unavailable', message: `nobody in room ${room} takes calls`, type: 'ready', call: 'u1' });
  const { visitor, desk } = await boundPair(t, relay, room);
  caller.send({ type: 'ready', call: 'b1' });
  await caller.waitFor('refused', (x) => x.errors.length === 2);
  assert.deepEqual(caller.errors[1], { code: 'busy', message: `everyone who takes calls in room ${room} is in a call`, type: 'ready', call: 'b1' });
  caller.send({ type: 'ready', call: 'to1', to: desk.id });
  caller.send({ type: 'ready', call: 'to2', to: other.id });
  caller.send({ type: 'ready', call: 'to3', to: 'NoSuchSocket' });
  await caller.waitFor('three more refusals', (x) => x.errors.length === 5);
  assert.deepEqual(caller.errors.slice(2).map((e) => [e.code, e.call]), [['busy', 'to1'], ['unavailable', 'to2'], ['unknown-peer', 'to3']]);
  // Two idle desks; a request to one rings that one only, and a desk joining later is not rung by it.
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  caller.send({ type: 'ready', call: 'direct', to: d2.id });
  await d2.waitFor('the ring', (x) => x.messages.length === 1);
  const d3 = await v2Client(t, relay.url, room, 'D3');
  await settled(d1, d3, caller);
  assert.deepEqual([d1.messages, d3.messages], [[], []]);
  assert.deepEqual(caller.ringing, [{ call: 'direct', count: 1 }]);
  assert.deepEqual([visitor.errors, desk.errors], [[], []]);
});

test('accept: the first binds, both hear bound with a key of their own, the other rung members hear cancel answered, a late accept hears answered-elsewhere', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('accept');
  const desks = await Promise.all([1, 2, 3].map((i) => v2Client(t, relay.url, room, `Desk ${i}`)));
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  caller.send({ type: 'ready', call: 'a1' });
  for (const d of desks) await d.waitFor('the ring', (x) => x.messages.length === 1);
  const [first, second, third] = desks as [TestClient, TestClient, TestClient];
  first.send({ type: 'accept', call: 'a1' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  await first.waitFor('bound', (x) => x.bound.length === 1);
  const key = caller.bound[0]!.key;
  const firstKey = first.bound[0]!.key;
  // Each side's key is an HMAC of the relay's secret over the room, call, side and epoch (server/tokens/rejoin-keys.ts).
  assert.match(key, /^c0-[A-Za-z0-9_-]{32}$/);
  assert.match(firstKey, /^a0-[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(caller.bound, [{ call: 'a1', peer: first.id, key }]);
  assert.deepEqual(first.bound, [{ call: 'a1', peer: caller.id, key: firstKey }]);
  for (const d of [second, third]) await d.waitFor('cancel answered', (x) => x.messages.length === 2);
  assert.deepEqual(second.messages[1], { type: 'cancel', call: 'a1', reason: 'answered', from: caller.id, clientId: caller.id });
  second.send({ type: 'accept', call: 'a1' });
  await second.waitFor('refused', (x) => x.errors.length === 1);
  assert.deepEqual(second.errors, [{ code: 'answered-elsewhere', message: 'call a1 was answered by another member', type: 'accept', call: 'a1' }]);
  assert.deepEqual(second.bound, []);
  // The bound pair talks; the others hear none of it.
  caller.send(OFFER);
  await first.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  first.send(ANSWER);
  await caller.waitFor('the answer', (x) => received(x, 'answer').length === 1);
  await settled(second, third);
  assert.deepEqual([second.messages.length, third.messages.length], [2, 2]);
  assert.equal(relay.app.relay.stats.calls.answered, 1);
  // An accept of a call that never rang here, or that does not exist: call-ended.
  third.send({ type: 'accept', call: 'nope' });
  await third.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(third.errors[0]?.code, 'call-ended');
});

test('two accepts racing on one node make exactly one call, every time', async (t) => {
  const relay = await startRelay(t);
  for (let round = 0; round < 10; round++) {
    const room = uniqueRoom('race');
    const d1 = await v2Client(t, relay.url, room, `d1/${round}`);
    const d2 = await v2Client(t, relay.url, room, `d2/${round}`);
    const caller = await v2Client(t, relay.url, room, `caller/${round}`, { incoming: false });
    caller.send({ type: 'ready', call: 'race' });
    await d1.waitFor('ring', (x) => x.messages.length === 1);
    await d2.waitFor('ring', (x) => x.messages.length === 1);
    d1.send({ type: 'accept', call: 'race' });
    d2.send({ type: 'accept', call: 'race' });
    await waitFor('both answered', () => d1.bound.length + d1.errors.length === 1 && d2.bound.length + d2.errors.length === 1);
    const [winner, loser] = d1.bound.length ? [d1, d2] : [d2, d1];
    assert.equal(winner.bound.length, 1);
    assert.deepEqual(loser.errors.map((e) => e.code), ['answered-elsewhere']);
    await caller.waitFor('bound once', (x) => x.bound.length === 1);
    assert.equal(caller.bound[0]?.peer, winner.id);
    await settled(caller);
    assert.equal(caller.bound.length, 1);
  }
});

test('decline: the caller hears each one; when every rung member declined the caller is free again', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('decline');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const caller = await v2Client(t, relay.url, room, 'Caller');
  caller.send({ type: 'ready', call: 'x1' });
  await caller.waitFor('ringing', (x) => x.ringing.length === 1);
  for (const d of [d1, d2]) await d.waitFor('ring', (x) => x.messages.length === 1);
  await caller.waitFor('busy 1 (the caller rings out)', (x) => x.presence.at(-1)?.busy === 1);
  d1.send({ type: 'decline', call: 'x1' });
  await caller.waitFor('one decline', (x) => received(x, 'decline').length === 1);
  assert.deepEqual(received(caller, 'decline'), [{ type: 'decline', call: 'x1', from: d1.id, clientId: d1.id }]);
  d1.send({ type: 'accept', call: 'x1' });
  await d1.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(d1.errors[0]?.code, 'call-ended', 'a declined call cannot be accepted after all');
  d2.send({ type: 'decline', call: 'x1' });
  await caller.waitFor('two declines', (x) => received(x, 'decline').length === 2);
  await caller.waitFor('free again: presence 3/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":3,"busy":0}');
  d2.send({ type: 'decline', call: 'x1' });
  await d2.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(d2.errors[0]?.code, 'call-ended');
  assert.equal(relay.app.relay.stats.calls.declined, 2);
});

test('cancel, a bye while ringing, and a caller that leaves: every rung member hears cancel with the reason; an accept after it is call-ended', async (t) => {
  // Five requests from one socket in a row: past the default budget of call requests (ring-limits.test.ts).
  const relay = await startRelay(t, { callRequests: { perMinute: 60, burst: 10, minGapMs: 0 } });
  const room = uniqueRoom('cancel');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  const cases: Array<[string, () => void, string]> = [
    ['k1', () => caller.send({ type: 'cancel', call: 'k1', reason: 'no-answer' }), 'no-answer'],
    ['k2', () => caller.send({ type: 'cancel', call: 'k2' }), 'hang-up'],
    ['k3', () => caller.send({ type: 'bye' }), 'hang-up'],
  ];
  for (const [call, cancel, reason] of cases) {
    caller.send({ type: 'ready', call });
    for (const d of [d1, d2]) await d.waitFor(`ring ${call}`, (x) => x.messages.some((m) => m.type === 'ready' && m.call === call));
    cancel();
    for (const d of [d1, d2]) await d.waitFor(`cancel ${call}`, (x) => x.messages.some((m) => m.type === 'cancel' && m.call === call));
    assert.deepEqual(d1.messages.at(-1), { type: 'cancel', call, reason, from: caller.id, clientId: caller.id });
    d1.send({ type: 'accept', call });
    await d1.waitFor('refused', (x) => x.errors.some((e) => e.call === call));
    assert.equal(d1.errors.at(-1)?.code, 'call-ended');
  }
  caller.send({ type: 'cancel', call: 'k1' });
  await caller.waitFor('refused', (x) => x.errors.length === 1);
  assert.deepEqual(caller.errors[0], { code: 'call-ended', message: 'call k1 is not ringing here', type: 'cancel', call: 'k1' });
  // A new request while one rings replaces it (the caller hung up and dialled again).
  caller.send({ type: 'ready', call: 'k4' });
  caller.send({ type: 'ready', call: 'k5' });
  await d2.waitFor('ring k5', (x) => x.messages.some((m) => m.call === 'k5' && m.type === 'ready'));
  assert.deepEqual(d2.messages.slice(-3).map((m) => [m.type, m.call, m.reason]), [['ready', 'k4', undefined], ['cancel', 'k4', 'hang-up'], ['ready', 'k5', undefined]]);
  // The caller leaves while ringing.
  const callerId = caller.id;
  caller.close();
  await d2.waitFor('cancel k5', (x) => x.messages.some((m) => m.type === 'cancel' && m.call === 'k5'));
  assert.deepEqual(d2.messages.at(-1), { type: 'cancel', call: 'k5', reason: 'hang-up', from: callerId, clientId: callerId });
  assert.equal(relay.app.relay.stats.calls.missed, 1);
  assert.equal(relay.app.relay.stats.calls.cancelled, 4);
});

test('no answer: the relay closes a request that rang too long; the rung hear cancel no-answer, the caller call-ended', async (t) => {
  const relay = await startRelay(t, { ringExpiryMs: 300 });
  const room = uniqueRoom('expiry');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  caller.send({ type: 'ready', call: 'e1' });
  await desk.waitFor('cancel no-answer', (x) => x.messages.some((m) => m.type === 'cancel'), { timeoutMs: 5000 });
  assert.deepEqual(desk.messages.at(-1), { type: 'cancel', call: 'e1', reason: 'no-answer', from: caller.id, clientId: caller.id });
  await caller.waitFor('call-ended', (x) => x.errors.length === 1);
  assert.deepEqual(caller.errors[0], { code: 'call-ended', message: 'call e1 rang 120 s unanswered and is closed', type: 'ready', call: 'e1' });
  await desk.waitFor('presence back to 1/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":1,"busy":0}');
});

test('a member that joins while a request rings is rung too, and the caller hears the new count', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('late');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  caller.send({ type: 'ready', call: 'l1', kind: 'voice' });
  await d1.waitFor('ring', (x) => x.messages.length === 1);
  const d2 = await v2Client(t, relay.url, room, 'D2');
  await d2.waitFor('ring', (x) => x.messages.length === 1);
  assert.deepEqual(d2.messages, [ring(caller, 'l1', 'Caller', 'voice')]);
  await caller.waitFor('ringing 2', (x) => x.ringing.length === 2);
  assert.deepEqual(caller.ringing, [{ call: 'l1', count: 1 }, { call: 'l1', count: 2 }]);
  const callOnly = await v2Client(t, relay.url, room, 'Call-only', { incoming: false });
  await settled(callOnly);
  assert.deepEqual(callOnly.messages, []);
  d2.send({ type: 'accept', call: 'l1' });
  await d1.waitFor('cancel answered', (x) => x.messages.length === 2);
  assert.equal(d1.messages[1]?.reason, 'answered');
});

test('a bound call is closed: an intruder’s offer, answer, candidate, bye and ready, aimed at either member or broadcast, are refused and never delivered; bye unbinds', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('closed');
  const { visitor, desk, call } = await boundPair(t, relay, room);
  // A call-only page (else the v1 intruder's ready would simply ring it: it would be an idle member taking calls).
  const intruder = await v2Client(t, relay.url, room, 'Intruder', { incoming: false });
  const v1Intruder = await connectClient(t, relay.url, { auth: { room } }, 'v1 intruder');
  const before = [visitor.messages.length, desk.messages.length];
  const attacks: SignalMessage[] = [];
  for (const to of [undefined, visitor.id, desk.id]) {
    for (const m of [OFFER, ANSWER, CAND, { type: 'bye' } as SignalMessage, { type: 'ready' } as SignalMessage]) attacks.push(to ? { ...m, to } : m);
    attacks.push({ type: 'ready', call, ...(to ? { to } : {}) });
  }
  for (const m of attacks) {
    intruder.send(m);
    v1Intruder.send(m);
  }
  await intruder.waitFor('every refusal', (x) => x.errors.length === attacks.length);
  await v1Intruder.waitFor('every refusal', (x) => x.errors.length === attacks.length);
  // Outside a call, call signaling is refused; a request at a bound member is busy; the bound call's id is not the intruder's to use.
  const codes = (c: TestClient): string[] => c.errors.map((e) => e.code);
  // (The visitor is a call-only page: a request to it is `unavailable` before it is `busy`.)
  assert.deepEqual(codes(intruder), [
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'bad-message'],
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'unavailable'],
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'busy'],
  ]);
  assert.equal(intruder.errors[5]?.message, `call id ${call} is already in use in this room`, 'it rang the v1 intruder: the id is the only objection');
  assert.deepEqual(codes(v1Intruder), [
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'busy', 'busy'],
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'unavailable', 'unavailable'],
    ...['not-in-call', 'not-in-call', 'not-in-call', 'not-in-call', 'busy', 'busy'],
  ]);
  // The pair still talks, and heard nothing from either intruder.
  visitor.send(CAND);
  desk.send(CAND);
  await desk.waitFor('the visitor’s candidate', (x) => received(x, 'candidate').length === 1);
  await visitor.waitFor('the desk’s candidate', (x) => received(x, 'candidate').length === 1);
  assert.deepEqual(visitor.messages.slice(before[0]).map((m) => m.from), [desk.id]);
  assert.deepEqual(desk.messages.slice(before[1]).map((m) => m.from), [visitor.id]);
  // A bound member sending to someone outside its call: not-in-call.
  visitor.send({ ...CAND, to: intruder.id });
  await visitor.waitFor('refused', (x) => x.errors.length === 1);
  assert.deepEqual(visitor.errors[0], { code: 'not-in-call', message: `peer ${intruder.id} is not in your call; nothing was relayed`, type: 'candidate' });
  // Bye ends it: delivered to the peer, both free, and further signaling is refused.
  visitor.send({ type: 'bye' });
  await desk.waitFor('bye', (x) => received(x, 'bye').length === 1);
  await desk.waitFor('presence 2/0 (the desk and the v1 intruder)', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":2,"busy":0}');
  desk.send(OFFER);
  await desk.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(desk.errors[0]?.code, 'not-in-call');
  assert.equal(relay.app.relay.stats.refused['not-in-call'] >= 2 * 10, true);
});

test('an intruder sending offers, candidates, byes and readys at a bound pair for 5 s: nothing delivered, every one refused, the pair keeps talking', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('siege');
  const { visitor, desk, call } = await boundPair(t, relay, room);
  const intruders = [await v2Client(t, relay.url, room, 'Intruder v2', { incoming: false }), await connectClient(t, relay.url, { auth: { room } }, 'Intruder v1')];
  const before = [visitor.messages.length, desk.messages.length];
  const kinds: SignalMessage[] = [OFFER, CAND, { type: 'bye' }, { type: 'ready' }, { type: 'ready', call, to: visitor.id }, { type: 'ready', call: 'intrude', to: desk.id }];
  let sent = 0;
  let n = 0;
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    for (const c of intruders) {
      const m = kinds[n % kinds.length]!;
      const to = m.to ?? [undefined, visitor.id, desk.id][Math.floor(n / kinds.length) % 3];
      c.send(to ? { ...m, to } : m);
      sent++;
    }
    n++;
    // The pair keeps signaling through it (an ICE restart's worth every 500 ms).
    if (n % 10 === 0) {
      visitor.send(CAND);
      desk.send(CAND);
    }
    await sleep(20); // 50/s per intruder: at the rate limit
  }
  await waitFor('every intruder message answered', () => intruders.reduce((s, c) => s + c.errors.length, 0) === sent, { timeoutMs: 10_000 });
  await settled(visitor, desk);
  const fromOthers = (c: TestClient, peer: TestClient, from: number): RelayedMessage[] => c.messages.slice(from).filter((m) => m.from !== peer.id);
  assert.deepEqual(fromOthers(visitor, desk, before[0]!), []);
  assert.deepEqual(fromOthers(desk, visitor, before[1]!), []);
  assert.ok(received(desk, 'candidate').length >= 20, `the pair kept talking: ${received(desk, 'candidate').length}`);
  assert.deepEqual([visitor.bound.length, desk.bound.length], [1, 1]);
  const codes = new Set(intruders.flatMap((c) => c.errors.map((e) => e.code)));
  assert.ok([...codes].every((c) => ['not-in-call', 'busy', 'unavailable', 'rate-limited'].includes(c)), [...codes].join());
  assert.ok(relay.app.relay.stats.refused['not-in-call'] > 100, `refusals counted: ${relay.app.relay.stats.refused['not-in-call']}`);
  t.diagnostic(`${sent} intruder messages, all refused (${[...codes].join(', ')})`);
  // Still bound: the offer of an ICE restart reaches the peer.
  visitor.send(OFFER);
  await desk.waitFor('the offer', (x) => received(x, 'offer').length === 1);
});

test('ROOM_MEMBERS: 50 by default, the 51st is refused room-full; 20 idle sockets do not keep a caller from reaching the desk', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('crowd');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  // 20 idle pages that take calls (tutorial-style sockets), and 28 call-only pages.
  const idle = await Promise.all(Array.from({ length: 20 }, (_, i) => connectClient(t, relay.url, { auth: { room } }, `idle ${i}`)));
  const callOnly = await Promise.all(Array.from({ length: 28 }, (_, i) => v2Client(t, relay.url, room, `call-only ${i}`, { incoming: false })));
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  assert.deepEqual(caller.info?.presence, { available: 21, busy: 0 });
  const late = openClient(t, relay.url, { auth: { room, protocol: 2 } }, 'the 51st');
  await late.waitFor('room-full', (x) => x.errors.length === 1 && x.disconnectReason !== undefined);
  assert.deepEqual(late.errors.map((e) => e.code), ['room-full']);
  caller.send({ type: 'ready', call: 'crowd', to: desk.id });
  await desk.waitFor('the ring', (x) => x.messages.length === 1);
  desk.send({ type: 'accept', call: 'crowd' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  // A broadcast request rings every idle member that takes calls (not the desk: it is in a call).
  const other = callOnly[0]!;
  other.send({ type: 'ready', call: 'crowd-2' });
  await other.waitFor('ringing', (x) => x.ringing.length === 1);
  assert.deepEqual(other.ringing, [{ call: 'crowd-2', count: 20 }], 'the bound desk is not rung');
  await idle[0]!.waitFor('the ring', (x) => x.messages.some((m) => m.call === 'crowd-2'));
});

test('ROOM_MEMBERS=2 (roomMembers) keeps rooms of two; ROOM_SIZE is its deprecated alias', async (t) => {
  for (const opts of [{ roomMembers: 2 }, { roomSize: 2 }]) {
    const relay = await startRelay(t, opts);
    const room = uniqueRoom('two');
    await v2Client(t, relay.url, room, 'a');
    await v2Client(t, relay.url, room, 'b');
    const c = openClient(t, relay.url, { auth: { room } }, 'c');
    await c.waitFor('room-full', (x) => x.disconnectReason !== undefined);
    assert.deepEqual(c.errors.map((e) => e.code), ['room-full'], JSON.stringify(opts));
  }
});

test('a v1 client (no protocol, no call ids) calls a v2 desk: its ready rings, the accept makes the relay tell it ready, it offers', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('v1-calls');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const tut = await connectClient(t, relay.url, { auth: { room } }, 'tutorial');
  assert.equal(tut.info?.protocol, 2);
  tut.send({ type: 'ready', clientId: tut.id });
  await desk.waitFor('the ring', (x) => x.messages.length === 1);
  const r = desk.messages[0]!;
  assert.match(r.call ?? '', /^v1-[A-Za-z0-9_-]+$/, 'the relay names a v1 call');
  assert.deepEqual(r, { type: 'ready', call: r.call, kind: 'video', name: '', from: tut.id, clientId: tut.id });
  desk.send({ type: 'accept', call: r.call! });
  await tut.waitFor('ready from the desk', (x) => received(x, 'ready').length === 1);
  assert.deepEqual(received(tut, 'ready'), [{ type: 'ready', call: r.call, from: desk.id, clientId: desk.id }]);
  assert.equal(tut.bound[0]?.peer, desk.id, 'bound too (it does not listen for it: harmless)');
  tut.send({ ...OFFER, clientId: tut.id });
  tut.send({ type: 'candidate', candidate: candidateLine(2), clientId: tut.id });
  await desk.waitFor('offer and bare candidate', (x) => x.messages.length === 3);
  assert.deepEqual(desk.messages.slice(1).map((m) => [m.type, m.from, m.sdpMid]), [['offer', tut.id, undefined], ['candidate', tut.id, undefined]]);
  desk.send(ANSWER);
  await tut.waitFor('the answer', (x) => received(x, 'answer').length === 1);
  desk.send({ type: 'bye' });
  await tut.waitFor('bye', (x) => received(x, 'bye').length === 1);
});

test('a v2 desk calls a v1 client: it is rung with ready; its own ready (or an offer) answers; the caller offers on bound', async (t) => {
  const relay = await startRelay(t);
  for (const answer of ['ready', 'offer'] as const) {
    const room = uniqueRoom(`v1-called-${answer}`);
    const tut = await connectClient(t, relay.url, { auth: { room } }, `tutorial (${answer})`);
    const desk = await v2Client(t, relay.url, room, 'Desk', { incoming: false });
    desk.send({ type: 'ready', call: `to-v1-${answer}` });
    await tut.waitFor('the ring', (x) => x.messages.length === 1);
    assert.deepEqual(tut.messages[0], ring(desk, `to-v1-${answer}`, 'Desk'));
    if (answer === 'ready') {
      tut.send({ type: 'ready', clientId: tut.id });
      await desk.waitFor('bound', (x) => x.bound.length === 1);
      assert.equal(desk.bound[0]?.peer, tut.id);
      await settled(desk);
      assert.deepEqual(received(desk, 'ready'), [], 'a v2 caller hears bound, not ready');
      desk.send(OFFER);
      await tut.waitFor('the offer', (x) => received(x, 'offer').length === 1);
      tut.send({ ...ANSWER, clientId: tut.id });
      await desk.waitFor('the answer', (x) => received(x, 'answer').length === 1);
    } else {
      // A tutorial client that already has its camera offers as soon as it hears ready.
      tut.send({ ...OFFER, clientId: tut.id });
      await desk.waitFor('bound, then the offer', (x) => x.bound.length === 1 && received(x, 'offer').length === 1);
      assert.equal(desk.bound[0]?.peer, tut.id);
      desk.send(ANSWER);
      await tut.waitFor('the answer', (x) => received(x, 'answer').length === 1);
    }
  }
});

test('two v1 clients: the first ready rings, the second answers; the caller hears ready and offers', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('v1-pair');
  const a = await connectClient(t, relay.url, { auth: { room } }, 'a');
  const b = await connectClient(t, relay.url, { auth: { room } }, 'b');
  b.send({ type: 'ready', clientId: b.id });
  await a.waitFor('the ring', (x) => x.messages.length === 1);
  a.send({ type: 'ready', clientId: a.id });
  await b.waitFor('a’s ready', (x) => x.messages.length === 1);
  assert.deepEqual(b.messages.map((m) => [m.type, m.from]), [['ready', a.id]]);
  b.send({ ...OFFER, clientId: b.id });
  await a.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  a.send({ ...ANSWER, clientId: a.id });
  await b.waitFor('the answer', (x) => received(x, 'answer').length === 1);
  // Bound: a third v1 client's broadcast reaches neither.
  const c = await connectClient(t, relay.url, { auth: { room } }, 'c');
  c.send({ ...OFFER, clientId: c.id });
  await c.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(c.errors[0]?.code, 'not-in-call');
});

test('rejoin: one side comes back on a new socket with call and key and takes its place; a wrong key is an ordinary member; no rejoin ends the call', async (t) => {
  const relay = await startRelay(t, { rejoinMs: 1500 });
  const room = uniqueRoom('rejoin');
  const { visitor, desk, call, key, deskKey } = await boundPair(t, relay, room);
  visitor.close();
  await desk.waitFor('peer-left', (x) => x.left.length === 1);
  const thief = await v2Client(t, relay.url, room, 'Thief', { incoming: false, call, key: 'wrong-key' });
  assert.equal(thief.info?.bound, undefined);
  const back = await v2Client(t, relay.url, room, 'Visitor again', { incoming: false, call, key });
  // A new key for the side that was bound to a new socket; the desk keeps its own.
  const newKey = back.info?.bound?.key ?? '';
  assert.match(newKey, /^c1-/);
  assert.deepEqual(back.info?.bound, { call, peer: desk.id, key: newKey });
  await back.waitFor('bound', (x) => x.bound.length === 1);
  assert.deepEqual(back.bound, [{ call, peer: desk.id, key: newKey }]);
  await desk.waitFor('bound to the new socket', (x) => x.bound.length === 2);
  assert.deepEqual(desk.bound[1], { call, peer: back.id, key: deskKey });
  back.send(OFFER);
  await desk.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  thief.send({ ...OFFER, to: desk.id });
  await thief.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(thief.errors[0]?.code, 'not-in-call');
  // Presence is coalesced (at most one a second per room): it says busy before the desk is seen free again.
  await desk.waitFor('busy', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":0,"busy":1}', { timeoutMs: 5000 });
  // The spent key opens nothing any more, even with its side gone again.
  back.close();
  await desk.waitFor('peer-left', (x) => x.left.length === 2);
  const replay = await v2Client(t, relay.url, room, 'Replay', { incoming: false, call, key });
  assert.equal(replay.info?.bound, undefined, 'the old key is spent');
  replay.close();
  // Past the window nobody comes back: the desk is free again.
  await desk.waitFor('free again', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":1,"busy":0}', { timeoutMs: 5000 });
  desk.send(OFFER);
  await desk.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(desk.errors[0]?.code, 'not-in-call');
});

test('rejoin after a relay restart: the relay knows nothing; the first to present its key waits, the other side’s binds them; a squatter’s made-up key binds nothing', async (t) => {
  const first = await startRelay(t, { rejoinSecret: REJOIN_SECRET });
  const room = uniqueRoom('restart');
  const { call, key, deskKey, visitor, desk } = await boundPair(t, first, room);
  visitor.close();
  desk.close();
  await first.app.close();
  const again = await startRelayOn(t, first.port);
  // A member that was rung knows the call id, not a key: it is first back, with keys it made up.
  const squatters = [];
  for (const made of ['a0-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'c0-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'made-up-key', `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`])
    squatters.push(await v2Client(t, again.url, room, 'Squatter', { incoming: false, call, key: made }));
  for (const sq of squatters) assert.equal(sq.info?.bound, undefined);
  const d = await v2Client(t, again.url, room, 'Desk again', { call, key: deskKey });
  assert.equal(d.info?.bound, undefined, 'the peer is not back yet');
  const ring = await v2Client(t, again.url, room, 'Someone', { incoming: false });
  ring.send({ type: 'ready', call: 'meanwhile' });
  await ring.waitFor('busy', (x) => x.errors.length === 1);
  assert.equal(ring.errors[0]?.code, 'busy', 'a member waiting for its call is not rung');
  const v = await v2Client(t, again.url, room, 'Visitor again', { incoming: false, call, key });
  const vKey = v.info?.bound?.key ?? '';
  assert.deepEqual(v.info?.bound, { call, peer: d.id, key: vKey });
  assert.match(vKey, /^c1-/, 'bound to a new socket: a new key');
  await d.waitFor('bound', (x) => x.bound.length === 1);
  assert.deepEqual(d.bound, [{ call, peer: v.id, key: d.bound[0]!.key }]);
  assert.match(d.bound[0]!.key, /^a1-/);
  v.send(OFFER);
  await d.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  for (const sq of squatters) {
    sq.send({ ...OFFER, to: d.id });
    await sq.waitFor('refused', (x) => x.errors.length === 1);
    assert.equal(sq.errors[0]?.code, 'not-in-call');
  }
  assert.equal(received(d, 'offer').length, 1, 'the desk heard its visitor only');
});

test('rejoin keys with no secret configured are this process’s: after a restart nobody rebinds (the documented cost of no REJOIN_SECRET, TOKEN_SECRET or TURN_SECRET)', async (t) => {
  const first = await startRelay(t);
  const room = uniqueRoom('nosecret');
  const { call, key, deskKey, visitor, desk } = await boundPair(t, first, room);
  visitor.close();
  desk.close();
  await first.app.close();
  const again = await startRelayOn(t, first.port, {});
  const d = await v2Client(t, again.url, room, 'Desk again', { call, key: deskKey });
  const v = await v2Client(t, again.url, room, 'Visitor again', { incoming: false, call, key });
  assert.equal(v.info?.bound, undefined);
  assert.equal(d.info?.bound, undefined);
});

/** A relay listening on a given port (a restart on the same address). */
async function startRelayOn(t: TestContext, port: number, opts: { rejoinSecret?: string } = { rejoinSecret: REJOIN_SECRET }): Promise<Relay> {
  const { buildRelay } = await import('../../server/index.js');
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false, ...opts });
  t.after(() => app.close());
  await app.listen({ port, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${port}`, port };
}

test('metrics: calls by what became of them', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('metrics');
  await boundPair(t, relay, room);
  const res = await relay.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(sample(res.body, 'rtc_relay_calls_total', 'event="requested"'), 1);
  assert.equal(sample(res.body, 'rtc_relay_calls_total', 'event="answered"'), 1);
  assert.equal(sample(res.body, 'rtc_relay_calls_total', 'event="missed"'), 0);
});
