/**
 * Preconnect on the real relay with real socket.io-client sockets over TCP: while a call request
 * rings, its caller and the first PRECONNECT_DESKS members it rings exchange offer, answer and
 * candidate of that call (with `call` and `to`), and nobody else does; it all stops when the call
 * binds to one desk or stops ringing (cancel, decline, expiry). Every refusal is `not-in-call`
 * with the call and type, and the message reaches nobody.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { PRECONNECT_DESKS, type RelayedMessage, type SignalMessage } from '../../src/protocol/index.js';
import { uniqueRoom } from '../support/wait.js';
import { received, startRelay, v2Client, type Relay, type TestClient } from './support.js';

type PreType = 'offer' | 'answer' | 'candidate';
let n = 0;
/** A message of `type` for `call` to `to`, with a mark no other message carries. */
function tagged(type: PreType, call: string, to: string): SignalMessage {
  const mark = `m${++n}x${Math.random().toString(36).slice(2, 8)}`;
  if (type === 'candidate') return { type, call, to, candidate: `candidate:${mark} 1 udp 1 198.51.100.7 3478 typ relay raddr 0.0.0.0 rport 0`, sdpMid: '0', sdpMLineIndex: 0 };
  return { type, call, to, sdp: `v=0\r\ns=${mark}\r\n` };
}
const markOf = (m: SignalMessage | RelayedMessage): string | undefined => m.sdp ?? m.candidate;

let barriers = 0;
/** Everything the relay sent these clients before now has arrived (a refused decline as a barrier, then removed). */
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

/** `from` sends `type` of `call` to `to`: it arrives, stamped with the sender, the call and nothing of a name. */
async function passes(from: TestClient, to: TestClient, type: PreType, call: string): Promise<void> {
  const m = tagged(type, call, to.id);
  from.send({ ...m, name: 'Forged' });
  await to.waitFor(`${type} from ${from.name}`, (x) => x.messages.some((r) => markOf(r) === markOf(m)));
  const got = to.messages.find((r) => markOf(r) === markOf(m))!;
  assert.equal(got.from, from.id);
  assert.equal(got.call, call);
  assert.equal(got.type, type);
  assert.equal(got.name, undefined, 'a name a client wrote is never relayed');
}

/** `from` sends `type` of `call` to `toId`: refused `not-in-call` (with type and call), and none of `everyone` gets it. */
async function refused(from: TestClient, toId: string, type: PreType, call: string, everyone: TestClient[]): Promise<void> {
  const m = tagged(type, call, toId);
  const before = from.errors.length;
  from.send(m);
  await from.waitFor(`the refusal of its ${type} to ${toId}`, (x) => x.errors.length > before);
  const e = from.errors.slice(before);
  assert.deepEqual(
    e.map((x) => [x.code, x.type, x.call]),
    [['not-in-call', type, call]],
    JSON.stringify(e),
  );
  await settled(...everyone);
  for (const c of everyone) assert.ok(!c.messages.some((r) => markOf(r) === markOf(m)), `${c.name} got a refused ${type}`);
}

/** `count` desks, a call-only visitor that calls them, and a call-only bystander; the request rings every desk. */
async function ringing(t: TestContext, relay: Relay, count: number) {
  const room = uniqueRoom('pre');
  const desks: TestClient[] = [];
  for (let i = 1; i <= count; i++) desks.push(await v2Client(t, relay.url, room, `Desk ${i}`));
  const visitor = await v2Client(t, relay.url, room, 'Visitor', { incoming: false });
  const bystander = await v2Client(t, relay.url, room, 'Bystander', { incoming: false });
  const call = `c-${uniqueRoom()}`;
  visitor.send({ type: 'ready', call, kind: 'video' });
  for (const d of desks) await d.waitFor('the ring', (x) => received(x, 'ready').some((m) => m.call === call));
  await visitor.waitFor('ringing', (x) => x.ringing.some((r) => r.call === call && r.count === count));
  return { room, desks, visitor, bystander, call, everyone: [...desks, visitor, bystander] };
}

test('while a call rings, its caller and each of its first desks exchange offer, answer and candidate of that call; nobody else can', async (t) => {
  const relay = await startRelay(t);
  const { desks, visitor, bystander, call, everyone } = await ringing(t, relay, PRECONNECT_DESKS + 1);
  const [d1, d2] = desks as [TestClient, TestClient];
  const beyond = desks[PRECONNECT_DESKS]!;

  // Caller ⇄ each of the first desks, both ways, every type.
  for (const d of desks.slice(0, PRECONNECT_DESKS)) {
    await passes(visitor, d, 'offer', call);
    await passes(d, visitor, 'answer', call);
    await passes(visitor, d, 'candidate', call);
    await passes(d, visitor, 'candidate', call);
  }

  // A desk past the first PRECONNECT_DESKS rings without: neither way.
  await refused(visitor, beyond.id, 'offer', call, everyone);
  await refused(beyond, visitor.id, 'answer', call, everyone);
  // Desk to desk: neither is the caller.
  await refused(d1, d2.id, 'candidate', call, everyone);
  // A member the call does not ring (a call-only page), either way, with the call's id it has seen.
  await refused(bystander, visitor.id, 'answer', call, everyone);
  await refused(bystander, d1.id, 'offer', call, everyone);
  await refused(visitor, bystander.id, 'offer', call, everyone);
  // A made-up id, another call's id.
  await refused(visitor, 'not-a-member', 'offer', call, everyone);
  await refused(d1, visitor.id, 'candidate', 'another-call', everyone);

  // Without `to` or without `call`, an unbound socket's offer is call signaling outside a call, as before.
  for (const m of [{ type: 'offer', call, sdp: 'v=0\r\n' }, { type: 'offer', to: visitor.id, sdp: 'v=0\r\n' }] as SignalMessage[]) {
    const before = d1.errors.length;
    d1.send(m);
    await d1.waitFor('the refusal', (x) => x.errors.length > before);
    assert.equal(d1.errors.at(-1)!.code, 'not-in-call');
  }
  await settled(...everyone);
  assert.ok(!visitor.messages.some((m) => m.sdp === 'v=0\r\n'));
});

test('a desk that declines, and the desks that lose when the call binds, can no longer exchange anything with the caller; the winner can', async (t) => {
  const relay = await startRelay(t);
  const { desks, visitor, call, everyone } = await ringing(t, relay, 3);
  const [d1, d2, d3] = desks as [TestClient, TestClient, TestClient];
  for (const d of desks) await passes(visitor, d, 'offer', call);

  d3.send({ type: 'decline', call });
  await visitor.waitFor('the decline', (x) => received(x, 'decline').length === 1);
  await refused(d3, visitor.id, 'answer', call, everyone);
  await refused(visitor, d3.id, 'candidate', call, everyone);

  d1.send({ type: 'accept', call });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await d2.waitFor('cancel answered', (x) => received(x, 'cancel').some((m) => m.reason === 'answered'));
  // The loser, with the call id and the caller's id it knows.
  await refused(d2, visitor.id, 'candidate', call, everyone);
  // The caller is bound now: to anyone but its peer is `not-in-call` (its bound-pair rule).
  const before = visitor.errors.length;
  visitor.send(tagged('candidate', call, d2.id));
  await visitor.waitFor('the refusal', (x) => x.errors.length > before);
  assert.equal(visitor.errors.at(-1)!.code, 'not-in-call');
  // The pair goes on as any bound pair (the call id on the message does not matter).
  await passes(d1, visitor, 'candidate', call);
  await passes(visitor, d1, 'candidate', call);
  await settled(...everyone);
  assert.equal(d2.messages.filter((m) => m.type === 'candidate').length, 0);
});

test('a cancelled call stops everything at once', async (t) => {
  const relay = await startRelay(t);
  const { desks, visitor, call, everyone } = await ringing(t, relay, 2);
  const [d1] = desks as [TestClient];
  await passes(visitor, d1, 'offer', call);
  visitor.send({ type: 'cancel', call });
  await d1.waitFor('cancel', (x) => received(x, 'cancel').some((m) => m.call === call));
  await refused(d1, visitor.id, 'answer', call, everyone);
  await refused(visitor, d1.id, 'candidate', call, everyone);
});

test('a call that expires unanswered stops everything at once', async (t) => {
  const relay = await startRelay(t, { ringExpiryMs: 800 });
  const { desks, visitor, call, everyone } = await ringing(t, relay, 1);
  const [d1] = desks as [TestClient];
  await passes(visitor, d1, 'offer', call);
  await passes(d1, visitor, 'answer', call);
  await d1.waitFor('cancel no-answer', (x) => received(x, 'cancel').some((m) => m.call === call && m.reason === 'no-answer'));
  await visitor.waitFor('call-ended', (x) => x.errors.some((e) => e.code === 'call-ended' && e.call === call));
  await refused(d1, visitor.id, 'candidate', call, everyone);
  await refused(visitor, d1.id, 'candidate', call, everyone);
});

test('a desk rung by two calls that answers one is bound: the other caller cannot reach it, nor it the other caller', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('pre2');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const a = await v2Client(t, relay.url, room, 'Caller A', { incoming: false });
  const b = await v2Client(t, relay.url, room, 'Caller B', { incoming: false });
  a.send({ type: 'ready', call: 'call-a' });
  b.send({ type: 'ready', call: 'call-b' });
  await desk.waitFor('both rings', (x) => received(x, 'ready').length === 2);
  await passes(a, desk, 'offer', 'call-a');
  await passes(b, desk, 'offer', 'call-b');
  desk.send({ type: 'accept', call: 'call-b' });
  await b.waitFor('bound', (x) => x.bound.length === 1);
  // Call A still rings the desk (it has not cancelled), but the desk is bound to B now.
  await refused(a, desk.id, 'candidate', 'call-a', [desk, a, b]);
  const before = desk.errors.length;
  desk.send(tagged('answer', 'call-a', a.id));
  await desk.waitFor('the refusal', (x) => x.errors.length > before);
  assert.equal(desk.errors.at(-1)!.code, 'not-in-call');
  await settled(desk, a, b);
  assert.equal(received(a, 'answer').length, 0);
});
