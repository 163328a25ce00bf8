/**
 * Squatters: sockets that join a room named after another socket's id (ids are public: every
 * member sees them in `peer-joined` and `client-id.peers`). A room is a room, never a socket's
 * address: the squatters hear nothing of the socket whose id names their room (its rings,
 * presence, offers, answers, candidates, `bound` with its rejoin key, `bye`), and it hears nothing
 * of theirs. Played on one relay (both urls the same) and on two nodes over Redis (room-namespace
 * tests in test/server and test/redis); what the squatters send each other still arrives.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { sleep, uniqueRoom } from '../support/wait.js';
import { candidateLine, connectClient, pair, received, v1Call, v2Client, type TestClient } from './support.js';

export interface Nodes {
  /** Where the first victim and some squatters connect. */
  a: string;
  /** Where the second victim and the other squatters connect (the same as `a` on one node). */
  b: string;
  /** How long to wait for a stray delivery before asserting there was none. */
  settleMs: number;
}

const OFFER = (tag: string) => ({ type: 'offer' as const, sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=${tag}\r\n` });
const ANSWER = (tag: string) => ({ type: 'answer' as const, sdp: `v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=${tag}\r\n` });
const CANDIDATE = (n: number) => ({ type: 'candidate' as const, candidate: candidateLine(n), sdpMid: '0', sdpMLineIndex: 0 });

/** The messages of `type` that `c` received from `sender`. */
const from = (c: TestClient, type: string, sender: TestClient) => received(c, type).filter((m) => m.from === sender.id);

/** A v1 client (the tutorial's handshake: a room, nothing else). */
const v1Client = (t: TestContext, url: string, room: string, name: string): Promise<TestClient> => connectClient(t, url, { auth: { room } }, name);

/**
 * Asserts `victims` and `squatters` heard nothing of each other: no message from the other side,
 * no `peer-joined`/`peer-left` naming it, no `bound` for a squatter, and presence counts no higher
 * than the listener's own room's members allow (`maxPresence` per client name).
 */
function assertApart(victims: TestClient[], squatters: TestClient[], maxPresence: Map<TestClient, number>): void {
  const ids = (cs: TestClient[]): Set<string> => new Set(cs.map((c) => c.id));
  const sides: [TestClient[], Set<string>][] = [
    [squatters, ids(victims)],
    [victims, ids(squatters)],
  ];
  for (const [listeners, others] of sides)
    for (const c of listeners) {
      const heard = c.messages.filter((m) => others.has(m.from ?? ''));
      assert.deepEqual(heard, [], `${c.name} heard the other side's messages`);
      assert.deepEqual(c.joined.filter((id) => others.has(id)), [], `${c.name} heard the other side join`);
      assert.deepEqual(c.left.filter((id) => others.has(id)), [], `${c.name} heard the other side leave`);
      const max = maxPresence.get(c);
      if (max !== undefined) for (const p of c.presence) assert.ok(p.available + p.busy <= max, `${c.name} got the presence of another room: ${JSON.stringify(c.presence)}`);
    }
  for (const s of squatters) {
    assert.deepEqual(s.bound, [], `${s.name} heard a bound (and its rejoin key)`);
    assert.ok(!s.info!.peers.some((id) => ids(victims).has(id)), `${s.name}'s client-id names a victim as a peer: ${JSON.stringify(s.info!.peers)}`);
  }
}

/** GET /presence for `room`, as a page outside it would ask. */
async function presenceOf(url: string, room: string): Promise<unknown> {
  const res = await fetch(`${url}/presence?room=${encodeURIComponent(room)}`);
  assert.equal(res.status, 200);
  return res.json();
}

/**
 * Protocol 2: a desk (on a) and a caller (on b) make a whole call while squatters sit in rooms
 * named after each of their ids, on both nodes; the squatters ring and talk among themselves.
 */
export async function squatV2(t: TestContext, { a, b, settleMs }: Nodes): Promise<void> {
  const room = uniqueRoom('ns-v2');
  const desk = await v2Client(t, a, room, 'desk');
  const caller = await v2Client(t, b, room, 'caller', { incoming: false });
  // Squatters of the desk's id on both nodes (one takes calls, one is the tutorial's client); the same for the caller's id.
  const sx = await v2Client(t, a, desk.id, 'squatter of desk (v2) on a');
  const sy = await v1Client(t, b, desk.id, 'squatter of desk (v1) on b');
  const sz = await v2Client(t, b, caller.id, 'squatter of caller (v2) on b');
  const sw = await v1Client(t, a, caller.id, 'squatter of caller (v1) on a');
  const squatters = [sx, sy, sz, sw];
  assert.deepEqual(sx.info!.peers, [], 'the first squatter of the desk’s id sees an empty room');
  assert.deepEqual(sx.info!.presence, { available: 1, busy: 0 }, 'its presence counts itself only');
  assert.deepEqual(sy.info!.peers, [sx.id]);
  assert.deepEqual(sz.info!.peers, []);
  assert.deepEqual(sw.info!.peers, [sz.id]);

  // The squatters ring their own room: the other squatter there is rung, the desk is not.
  sx.send({ type: 'ready', call: 'squat' });
  await sy.waitFor('the squatter’s ring', (x) => x.messages.some((m) => m.type === 'ready' && m.call === 'squat'));
  await sx.waitFor('ringing', (x) => x.ringing.some((r) => r.call === 'squat'));
  assert.deepEqual(sx.ringing.find((r) => r.call === 'squat'), { call: 'squat', count: 1 }, 'one member rung: the other squatter, not the desk');
  sx.send({ type: 'cancel', call: 'squat' });
  await sy.waitFor('the cancel', (x) => x.messages.some((m) => m.type === 'cancel' && m.call === 'squat'));

  // The victims' whole call.
  caller.send({ type: 'ready', call: 'v' });
  await desk.waitFor('the ring', (x) => x.messages.some((m) => m.type === 'ready' && m.call === 'v'));
  desk.send({ type: 'accept', call: 'v' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  caller.send(OFFER('victim'));
  await desk.waitFor('the offer', (x) => from(x, 'offer', caller).length === 1);
  desk.send(ANSWER('victim'));
  desk.send(CANDIDATE(1));
  caller.send(CANDIDATE(2));
  await caller.waitFor('answer and candidate', (x) => from(x, 'answer', desk).length === 1 && from(x, 'candidate', desk).length === 1);
  await desk.waitFor('the candidate', (x) => from(x, 'candidate', caller).length === 1);
  caller.send({ type: 'bye' });
  await desk.waitFor('bye', (x) => from(x, 'bye', caller).length === 1);
  await sleep(settleMs);

  assertApart([desk, caller], squatters, new Map([[desk, 1], [caller, 1], [sx, 2], [sy, 2], [sz, 2], [sw, 2]]));
  // A page outside asking for the presence of a room named after the desk counts the squatters only.
  for (const url of new Set([a, b])) {
    assert.deepEqual(await presenceOf(url, desk.id), { available: 2, busy: 0 });
    assert.deepEqual(await presenceOf(url, caller.id), { available: 2, busy: 0 });
  }
}

/**
 * Protocol 1 (the tutorial's client, no call ids): two v1 clients (on a and b) talk outside a
 * call and then in one while squatters sit in rooms named after their ids; squatters of one id
 * talk to each other; each side hears only its own room.
 */
export async function squatV1(t: TestContext, { a, b, settleMs }: Nodes): Promise<void> {
  const room = uniqueRoom('ns-v1');
  const [v1, v2] = await pair(t, a, room, b);
  const q1 = await v1Client(t, a, v1.id, 'squatter of v1 (v1) on a');
  const q2 = await v2Client(t, b, v1.id, 'squatter of v1 (v2) on b');
  const q3 = await v1Client(t, b, v2.id, 'squatter of v2 (v1) on b');
  const q4 = await v1Client(t, a, v2.id, 'squatter of v2 (v1) on a');
  const squatters = [q1, q2, q3, q4];
  assert.deepEqual(q1.info!.peers, []);
  assert.deepEqual(q3.info!.peers, []);

  // The squatters' own v1 talk: an offer, a candidate and a bye between the two in v2's name.
  q3.send(OFFER('squat'));
  q3.send(CANDIDATE(3));
  q4.send({ type: 'bye' });
  await q4.waitFor('the squatter’s offer and candidate', (x) => from(x, 'offer', q3).length === 1 && from(x, 'candidate', q3).length === 1);
  await q3.waitFor('the squatter’s bye', (x) => from(x, 'bye', q4).length === 1);
  // And a ring in v1's name (q1 rings; q2, the squatter that takes calls, is rung).
  q1.send({ type: 'ready' });
  await q2.waitFor('the squatter’s ring', (x) => x.messages.some((m) => m.type === 'ready' && m.from === q1.id));

  // The victims: an offer outside a call (the tutorial's first offer), then a call.
  v1.send(OFFER('early'));
  await v2.waitFor('the early offer', (x) => from(x, 'offer', v1).length === 1);
  await v1Call(v1, v2);
  v1.send(OFFER('victim'));
  await v2.waitFor('the offer', (x) => from(x, 'offer', v1).length === 2);
  v2.send(ANSWER('victim'));
  v2.send(CANDIDATE(4));
  v1.send(CANDIDATE(5));
  await v1.waitFor('answer and candidate', (x) => from(x, 'answer', v2).length === 1 && from(x, 'candidate', v2).length === 1);
  await v2.waitFor('the candidate', (x) => from(x, 'candidate', v1).length === 1);
  v1.send({ type: 'bye' });
  await v2.waitFor('bye', (x) => from(x, 'bye', v1).length === 1);
  await sleep(settleMs);

  assertApart([v1, v2], squatters, new Map([[v1, 2], [v2, 2], [q1, 2], [q2, 2], [q3, 2], [q4, 2]]));
}
