/**
 * Protocol 2 across relay nodes over a real redis-server: presence counts the members of every
 * node, two accepts racing on two nodes make exactly one call, a bound pair split over two
 * nodes stays closed to an intruder on a third member's node, and call state follows a socket
 * whichever node changes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'redis';
import type { SignalMessage } from '../../src/protocol/index.js';
import { candidateLine, connectClient, received, v2Client, type TestClient } from '../server/support.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { HEARTBEAT_MS, node, nodeProcess, redisFor, twoNodes } from './cluster.js';

const OFFER: SignalMessage = { type: 'offer', sdp: 'v=0\r\n' };
const CAND: SignalMessage = { type: 'candidate', candidate: candidateLine(4), sdpMid: '0', sdpMLineIndex: 0 };
const last = (c: TestClient): string => JSON.stringify(c.presence.at(-1));

test('presence across nodes: members of both nodes count, in client-id and in every update', async (t) => {
  const { A, B } = await twoNodes(t);
  const room = uniqueRoom('x-presence');
  const d1 = await v2Client(t, A.url, room, 'desk@A');
  const d2 = await v2Client(t, B.url, room, 'desk@B');
  assert.deepEqual(d2.info?.presence, { available: 2, busy: 0 }, 'B counts the desk on A');
  await d1.waitFor('presence 2/0 from B', (x) => last(x) === '{"available":2,"busy":0}');
  const caller = await v2Client(t, A.url, room, 'caller@A', { incoming: false });
  assert.deepEqual(caller.info?.presence, { available: 2, busy: 0 });
  caller.send({ type: 'ready', call: 'xp' });
  await d2.waitFor('rung across nodes', (x) => x.messages.some((m) => m.call === 'xp'));
  d2.send({ type: 'accept', call: 'xp' });
  for (const c of [d1, d2, caller]) await c.waitFor('1/1', (x) => last(x) === '{"available":1,"busy":1}');
  caller.send({ type: 'bye' });
  for (const c of [d1, d2, caller]) await c.waitFor('2/0 again', (x) => last(x) === '{"available":2,"busy":0}');
  d1.close();
  await d2.waitFor('1/0 after a leave on A', (x) => last(x) === '{"available":1,"busy":0}');
});

test('two accepts racing on two nodes make exactly one call, every time', async (t) => {
  const { A, B } = await twoNodes(t);
  const ROUNDS = 12;
  for (let r = 0; r < ROUNDS; r++) {
    const room = uniqueRoom('x-race');
    const onA = await v2Client(t, A.url, room, `desk@A/${r}`);
    const onB = await v2Client(t, B.url, room, `desk@B/${r}`);
    // The caller alternates nodes, so the winner's and the caller's nodes differ half the time.
    const caller = await v2Client(t, (r % 2 ? A : B).url, room, `caller/${r}`, { incoming: false });
    caller.send({ type: 'ready', call: 'race' });
    await onA.waitFor('ring', (x) => x.messages.length === 1);
    await onB.waitFor('ring', (x) => x.messages.length === 1);
    // Both accepts leave in the same tick, one to each node.
    onA.send({ type: 'accept', call: 'race' });
    onB.send({ type: 'accept', call: 'race' });
    await waitFor(`round ${r}: both answered`, () => onA.bound.length + onA.errors.length >= 1 && onB.bound.length + onB.errors.length >= 1, { timeoutMs: 10_000 });
    await caller.waitFor('bound', (x) => x.bound.length >= 1);
    await sleep(100); // a second binding would land here
    const winners = [onA, onB].filter((c) => c.bound.length > 0);
    const losers = [onA, onB].filter((c) => c.errors.some((e) => e.code === 'answered-elsewhere'));
    assert.equal(winners.length, 1, `round ${r}: exactly one winner (A: ${JSON.stringify(onA.errors)}, B: ${JSON.stringify(onB.errors)})`);
    assert.equal(losers.length, 1, `round ${r}: the other hears answered-elsewhere`);
    const winner = winners[0]!;
    // Each side its own key: the caller's opens the caller's side, the winner's the acceptor's.
    assert.deepEqual(caller.bound, [{ call: 'race', peer: winner.id, key: caller.bound[0]!.key }]);
    assert.match(caller.bound[0]!.key, /^c0-/);
    assert.match(winner.bound[0]!.key, /^a0-/);
    // The call works across nodes, and the loser hears none of it.
    caller.send(OFFER);
    await winner.waitFor('the offer', (x) => received(x, 'offer').length === 1);
    assert.deepEqual(received(losers[0]!, 'offer'), []);
  }
});

test('a bound pair split over two nodes stays closed to an intruder on a third member’s node', async (t) => {
  const redis = await redisFor(t);
  const [A, B, C] = await Promise.all([node(t, redis), node(t, redis), node(t, redis)]);
  const room = uniqueRoom('x-closed');
  const desk = await v2Client(t, A.url, room, 'desk@A');
  const visitor = await v2Client(t, B.url, room, 'visitor@B', { incoming: false });
  visitor.send({ type: 'ready', call: 'split' });
  await desk.waitFor('ring', (x) => x.messages.length === 1);
  desk.send({ type: 'accept', call: 'split' });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  const third = await v2Client(t, C.url, room, 'member@C', { incoming: false });
  const intruders = [await v2Client(t, C.url, room, 'intruder@C', { incoming: false }), await connectClient(t, C.url, { auth: { room } }, 'v1 intruder@C')];
  const before = [desk.messages.length, visitor.messages.length];
  let sent = 0;
  for (let round = 0; round < 5; round++) {
    for (const c of intruders) {
      for (const to of [undefined, desk.id, visitor.id]) {
        for (const m of [OFFER, CAND, { type: 'bye' }, { type: 'ready' }, { type: 'ready', call: 'split' }] as SignalMessage[]) {
          c.send(to ? { ...m, to } : m);
          sent++;
        }
      }
    }
    await sleep(250);
  }
  await waitFor('every intruder message refused', () => intruders.reduce((n, c) => n + c.errors.length, 0) === sent, { timeoutMs: 10_000 });
  const codes = new Set(intruders.flatMap((c) => c.errors.map((e) => e.code)));
  // rate-limited: the v2 intruder's requests ring the v1 one (idle, it takes calls), past its budget of call requests.
  assert.ok([...codes].every((c) => ['not-in-call', 'busy', 'unavailable', 'bad-message', 'rate-limited'].includes(c)), [...codes].join());
  // The pair talks across nodes and heard nobody else.
  visitor.send(CAND);
  desk.send(CAND);
  await desk.waitFor('the visitor’s candidate', (x) => received(x, 'candidate').length === 1);
  await visitor.waitFor('the desk’s candidate', (x) => received(x, 'candidate').length === 1);
  assert.deepEqual(desk.messages.slice(before[0]).map((m) => m.from), [visitor.id]);
  assert.deepEqual(visitor.messages.slice(before[1]).map((m) => m.from), [desk.id]);
  assert.deepEqual(third.messages, []);
  t.diagnostic(`${sent} intruder messages from node C, all refused (${[...codes].join(', ')})`);
});

test('across nodes: decline reaches the caller, cancel the rung, bye unbinds both, a rejoin on another node takes the old side’s place', async (t) => {
  // Three requests from one socket in quick succession: no gap between them (test/server/ring-limits.test.ts).
  const { A, B } = await twoNodes(t, { callRequests: { perMinute: 60, burst: 10, minGapMs: 0 } });
  const room = uniqueRoom('x-flow');
  const desk = await v2Client(t, A.url, room, 'desk@A');
  const caller = await v2Client(t, B.url, room, 'caller@B', { incoming: false });
  caller.send({ type: 'ready', call: 'd1' });
  await desk.waitFor('ring', (x) => x.messages.length === 1);
  desk.send({ type: 'decline', call: 'd1' });
  await caller.waitFor('decline', (x) => received(x, 'decline').length === 1);
  caller.send({ type: 'ready', call: 'c1' });
  await desk.waitFor('ring', (x) => x.messages.length === 2);
  caller.send({ type: 'cancel', call: 'c1' });
  await desk.waitFor('cancel', (x) => received(x, 'cancel').length === 1);
  caller.send({ type: 'ready', call: 'b1' });
  await desk.waitFor('ring', (x) => x.messages.length === 4);
  desk.send({ type: 'accept', call: 'b1' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  const key = caller.bound[0]!.key;
  // The caller's link moves to node A (as after its node restarted).
  caller.close();
  await desk.waitFor('peer-left', (x) => x.left.length === 1);
  const back = await v2Client(t, A.url, room, 'caller again@A', { incoming: false, call: 'b1', key });
  // A key node B minted, checked on node A (the secret the nodes agreed on in Redis); a new one for the new socket.
  assert.deepEqual(back.info?.bound, { call: 'b1', peer: desk.id, key: back.info?.bound?.key });
  assert.match(back.info?.bound?.key ?? '', /^c1-/);
  await desk.waitFor('bound to the new socket', (x) => x.bound.length === 2);
  back.send(OFFER);
  await desk.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  desk.send({ type: 'bye' });
  await back.waitFor('bye', (x) => received(x, 'bye').length === 1);
  await back.waitFor('presence 1/0', (x) => last(x) === '{"available":1,"busy":0}');
  back.send(OFFER);
  await back.waitFor('refused', (x) => x.errors.length === 1);
  assert.equal(back.errors[0]?.code, 'not-in-call');
});

test('a node killed under a call: the peer hears peer-left; the dead side rejoins on the surviving node, or else its peer is freed after the rejoin window', async (t) => {
  const redis = await redisFor(t);
  const A = await node(t, redis, { rejoinMs: 1500 });
  for (const comesBack of [true, false]) {
    const B = await nodeProcess(t, redis);
    const room = uniqueRoom(`x-killed-${comesBack}`);
    const desk = await v2Client(t, A.url, room, 'desk@A');
    const visitor = await v2Client(t, B.url, room, 'visitor@B', { incoming: false });
    visitor.send({ type: 'ready', call: 'k' });
    await desk.waitFor('ring', (x) => x.messages.length === 1);
    desk.send({ type: 'accept', call: 'k' });
    await visitor.waitFor('bound', (x) => x.bound.length === 1);
    const { key } = visitor.bound[0]!;
    const gone = visitor.id;
    await B.kill();
    await desk.waitFor('peer-left for the killed node’s socket', (x) => x.left.includes(gone), { timeoutMs: HEARTBEAT_MS * 10 + 2000 });
    if (comesBack) {
      // Its link reconnects to the survivor, presenting the call and key.
      const back = await v2Client(t, A.url, room, 'visitor again@A', { incoming: false, call: 'k', key });
      assert.deepEqual(back.info?.bound, { call: 'k', peer: desk.id, key: back.info?.bound?.key });
      assert.notEqual(back.info?.bound?.key, key, 'a new key for the new socket');
      await desk.waitFor('bound to the new socket', (x) => x.bound.length === 2);
      back.send(OFFER);
      await desk.waitFor('the offer', (x) => received(x, 'offer').length === 1);
      await sleep(2000); // past the rejoin window: still in the call
      back.send(CAND);
      await desk.waitFor('a candidate', (x) => received(x, 'candidate').length === 1);
      // Presence across nodes settles (a count taken while the dead node was still awaited may land late).
      await desk.waitFor('presence: the desk is busy in the call', (x) => last(x) === '{"available":0,"busy":1}', { timeoutMs: 8000 });
    } else {
      await desk.waitFor('free again after the window', (x) => last(x) === '{"available":1,"busy":0}', { timeoutMs: 5000 });
      // Under load the presence update can come before the freed socket's own node has let go of
      // the call (it is told across nodes): offer until the relay refuses, which it must.
      await waitFor('the freed desk’s offer is refused', async () => {
        desk.send(OFFER);
        await sleep(200);
        return desk.errors.length > 0;
      }, { timeoutMs: 10_000 });
      assert.deepEqual([...new Set(desk.errors.map((e) => e.code))], ['not-in-call']);
    }
  }
});

test('call records lost (Redis flushed of them): a rung member first back with made-up keys binds nothing; the real pair rebinds across nodes', async (t) => {
  const { redis, A, B } = await twoNodes(t);
  const room = uniqueRoom('x-squat');
  const desk = await v2Client(t, A.url, room, 'desk@A');
  const other = await v2Client(t, A.url, room, 'other desk@A');
  const visitor = await v2Client(t, B.url, room, 'visitor@B', { incoming: false });
  visitor.send({ type: 'ready', call: 'sq' });
  await other.waitFor('rung: it knows the call id', (x) => x.messages.some((m) => m.call === 'sq'));
  await desk.waitFor('ring', (x) => x.messages.length === 1);
  desk.send({ type: 'accept', call: 'sq' });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  const [vKey, dKey] = [visitor.bound[0]!.key, desk.bound[0]!.key];
  const db = createClient({ url: redis.url });
  db.on('error', () => {});
  await db.connect();
  assert.equal(await db.del(`rtc-call:calls:{${room}}:sq`), 1, 'the record is gone');
  visitor.close();
  desk.close();
  other.close();
  // The member that was rung comes back first, on both nodes, with keys it made up.
  const made = [`c0-${'A'.repeat(32)}`, `a0-${'A'.repeat(32)}`, 'sq-key', `${vKey.slice(0, 3)}${'B'.repeat(32)}`];
  const squatters = [];
  for (const [i, key] of made.entries()) squatters.push(await v2Client(t, (i % 2 ? A : B).url, room, `squatter ${i}`, { incoming: false, call: 'sq', key }));
  for (const sq of squatters) assert.equal(sq.info?.bound, undefined);
  assert.equal(await db.exists(`rtc-call:calls:{${room}}:sq`), 0, 'a made-up key creates no record');
  await db.quit();
  const d = await v2Client(t, B.url, room, 'desk again@B', { call: 'sq', key: dKey });
  const v = await v2Client(t, A.url, room, 'visitor again@A', { incoming: false, call: 'sq', key: vKey });
  assert.equal(v.info?.bound?.peer, d.id);
  await d.waitFor('bound', (x) => x.bound.length === 1);
  assert.equal(d.bound[0]!.peer, v.id);
  v.send(OFFER);
  await d.waitFor('the offer', (x) => received(x, 'offer').length === 1);
  for (const sq of squatters) {
    sq.send({ ...OFFER, to: d.id });
    await sq.waitFor('refused', (x) => x.errors.length === 1);
    assert.equal(sq.errors[0]?.code, 'not-in-call');
  }
  assert.deepEqual(received(d, 'offer').map((m) => m.from), [v.id]);
});

test('preconnect across nodes: the caller on A and its desks on B exchange offer/answer/candidate while it rings; an intruder on B cannot; a loser cannot after the bind', async (t) => {
  const { A, B } = await twoNodes(t);
  const room = uniqueRoom('x-pre');
  const d1 = await v2Client(t, B.url, room, 'desk1@B');
  const d2 = await v2Client(t, A.url, room, 'desk2@A');
  const intruder = await v2Client(t, B.url, room, 'intruder@B', { incoming: false });
  const caller = await v2Client(t, A.url, room, 'caller@A', { incoming: false });
  caller.send({ type: 'ready', call: 'xpre' });
  for (const d of [d1, d2]) await d.waitFor('rung', (x) => x.messages.some((m) => m.call === 'xpre'));
  caller.send({ ...OFFER, call: 'xpre', to: d1.id });
  await d1.waitFor('the offer across nodes', (x) => received(x, 'offer').length === 1);
  d1.send({ type: 'answer', sdp: 'v=0\r\ns=a\r\n', call: 'xpre', to: caller.id });
  await caller.waitFor('the answer across nodes', (x) => received(x, 'answer').length === 1);
  d2.send({ ...CAND, call: 'xpre', to: caller.id });
  await caller.waitFor('a candidate from desk 2 (same node)', (x) => received(x, 'candidate').length === 1);
  intruder.send({ type: 'answer', sdp: 'v=0\r\ns=i\r\n', call: 'xpre', to: caller.id });
  intruder.send({ ...OFFER, call: 'xpre', to: d1.id });
  await intruder.waitFor('two refusals', (x) => x.errors.length === 2);
  assert.deepEqual(intruder.errors.map((e) => [e.code, e.type, e.call]), [['not-in-call', 'answer', 'xpre'], ['not-in-call', 'offer', 'xpre']]);
  d1.send({ type: 'accept', call: 'xpre' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  await d2.waitFor('answered elsewhere', (x) => received(x, 'cancel').length === 1);
  d2.send({ ...CAND, call: 'xpre', to: caller.id });
  await d2.waitFor('refused after the bind', (x) => x.errors.some((e) => e.code === 'not-in-call' && e.call === 'xpre'));
  await sleep(200);
  assert.deepEqual(caller.messages.filter((m) => m.type !== 'ready').map((m) => [m.type, m.from]), [['answer', d1.id], ['candidate', d2.id]]);
  assert.equal(d1.messages.filter((m) => m.from === intruder.id).length, 0);
});
