/**
 * Failures of a multi-node relay, for real: a node SIGKILLed mid-call (it cannot
 * announce anything), and redis-server killed and restarted empty mid-call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateLine, connectClient, openClient } from '../server/support.js';
import { HEARTBEAT_MS, get, node, nodeProcess, redisFor, sample } from './cluster.js';

test('a node killed mid-call: its callers\' partners on the other node see peer-left, within a bounded time', async (t) => {
  const redis = await redisFor(t);
  const A = await node(t, redis);
  const B = await nodeProcess(t, redis);
  const a = await connectClient(t, A.url, { auth: { room: 'doomed' } }, 'a@A');
  const b = await connectClient(t, B.url, { auth: { room: 'doomed' } }, 'b@B(process)');
  // Another call wholly on A must not hear anything.
  const c = await connectClient(t, A.url, { auth: { room: 'bystander' } }, 'c@A');
  const d = await connectClient(t, A.url, { auth: { room: 'bystander' } }, 'd@A');
  await a.waitFor((x) => x.joined.includes(b.id), 'peer-joined across nodes');
  b.send({ type: 'candidate', candidate: candidateLine(3) });
  await a.waitFor((x) => x.messages.length === 1, 'a message from the doomed node');

  const bId = b.id;
  const killedAt = Date.now();
  await B.kill();
  // Dead after 3 missed heartbeats, noticed on the next one: well under 10 heartbeats.
  await a.waitFor((x) => x.left.includes(bId), 'peer-left for the killed node\'s socket', HEARTBEAT_MS * 10 + 2000);
  const took = Date.now() - killedAt;
  t.diagnostic(`peer-left ${took} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms)`);
  assert.deepEqual(a.left, [bId], 'exactly one peer-left, for the right id');
  assert.deepEqual([c.left, d.left], [[], []], 'other rooms hear nothing');

  // The seat is free again: a new callee joins on A and the call goes on.
  const e = await connectClient(t, A.url, { auth: { room: 'doomed' } }, 'e@A');
  assert.deepEqual(e.info?.peers, [a.id]);
});

test('Redis killed mid-call: /healthz 503 and redis_up 0 while down, calls on one node keep relaying, everything resumes when it is back', async (t) => {
  const redis = await redisFor(t);
  const [A, B] = await Promise.all([node(t, redis), node(t, redis)]);
  const a = await connectClient(t, A.url, { auth: { room: 'outage' } }, 'a@A');
  const b = await connectClient(t, B.url, { auth: { room: 'outage' } }, 'b@B');
  const c = await connectClient(t, A.url, { auth: { room: 'local' } }, 'c@A');
  const d = await connectClient(t, A.url, { auth: { room: 'local' } }, 'd@A');
  await a.waitFor((x) => x.joined.includes(b.id), 'peer-joined across nodes');
  assert.equal((await get(A.url, '/healthz')).status, 200);

  await redis.stop();
  const unhealthy = async (url: string): Promise<boolean> => (await get(url, '/healthz')).status === 503;
  const end = Date.now() + 5000;
  while (!((await unhealthy(A.url)) && (await unhealthy(B.url)))) {
    if (Date.now() > end) throw new Error('/healthz did not turn 503 within 5 s of Redis going down');
    await new Promise((r) => setTimeout(r, 50));
  }
  const health = JSON.parse((await get(A.url, '/healthz')).body) as { status: string; checks?: Record<string, string> };
  assert.equal(health.status, 'unhealthy');
  assert.ok(health.checks?.redis, `the failing check is named: ${JSON.stringify(health)}`);
  assert.equal(sample((await get(A.url, '/metrics')).body, 'rtc_relay_redis_up'), 0);

  // Both clients of a call on one node still reach each other during the outage.
  c.send({ type: 'candidate', candidate: candidateLine(1) });
  await d.waitFor((x) => x.messages.length === 1, 'a same-node message during the outage');
  // A join cannot check membership across nodes now: refused, not admitted blindly.
  const late = openClient(t, A.url, { auth: { room: 'late' } }, 'late@A');
  await late.waitFor((x) => x.errors.length > 0, 'a refusal during the outage');
  assert.equal(late.errors[0]?.code, 'internal');
  assert.equal(late.info, undefined);

  await redis.restart(); // an empty Redis: no persistence
  for (const url of [A.url, B.url]) {
    const until = Date.now() + 10_000;
    while ((await get(url, '/healthz')).status !== 200) {
      if (Date.now() > until) throw new Error(`${url}/healthz still not 200 10 s after Redis came back`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.equal(sample((await get(B.url, '/metrics')).body, 'rtc_relay_redis_up'), 1);

  // Cross-node relaying resumes (subscriptions are restored by the reconnect). Messages
  // sent in the instant of reconnection may be lost, so send until one arrives, bounded.
  const deadline = Date.now() + 10_000;
  let n = 0;
  while (!b.messages.some((m) => m.from === a.id)) {
    if (Date.now() > deadline) throw new Error('a → b across nodes did not resume within 10 s after Redis restarted');
    a.send({ type: 'candidate', candidate: candidateLine(100 + n++) });
    await new Promise((r) => setTimeout(r, 100));
  }
  b.send({ type: 'ready' });
  await a.waitFor((x) => x.messages.some((m) => m.type === 'ready' && m.from === b.id), 'b → a across nodes');
  // And membership works across nodes again (a join asks both nodes).
  const e = await connectClient(t, B.url, { auth: { room: 'fresh' } }, 'e@B');
  const f = await connectClient(t, A.url, { auth: { room: 'fresh' } }, 'f@A');
  assert.deepEqual(f.info?.peers, [e.id], 'a new call spanning both nodes sees its peer');
  assert.equal(a.errors.length + b.errors.length, 0, JSON.stringify([...a.errors, ...b.errors]));
});

test('/metrics on two nodes: distinct node labels, counters move on the node that relayed', async (t) => {
  const redis = await redisFor(t);
  const [A, B] = await Promise.all([node(t, redis), node(t, redis)]);
  const a = await connectClient(t, A.url, { auth: { room: 'm' } }, 'a@A');
  const b = await connectClient(t, B.url, { auth: { room: 'm' } }, 'b@B');
  await a.waitFor((x) => x.joined.includes(b.id), 'peer-joined');
  a.send({ type: 'offer', sdp: 'v=0\r\n' });
  a.send({ type: 'candidate', candidate: candidateLine(1) });
  a.send({ type: 'candidate', candidate: candidateLine(2) });
  b.send({ type: 'answer', sdp: 'v=0\r\n' });
  a.send({ type: 'nonsense' } as never);
  await b.waitFor((x) => x.messages.length === 3, '3 messages');
  await a.waitFor((x) => x.messages.length === 1 && x.errors.length === 1, 'the answer and the refusal');

  const [ma, mb] = [(await get(A.url, '/metrics')).body, (await get(B.url, '/metrics')).body];
  const nodeOf = (text: string): string => /node="([^"]+)"/.exec(text)?.[1] ?? '';
  assert.notEqual(nodeOf(ma), nodeOf(mb), 'each node labels its series with its own name');
  assert.equal(sample(ma, 'rtc_relay_messages_relayed_total', 'type="candidate"'), 2);
  assert.equal(sample(ma, 'rtc_relay_messages_relayed_total', 'type="offer"'), 1);
  assert.equal(sample(ma, 'rtc_relay_messages_relayed_total', 'type="answer"'), 0);
  assert.equal(sample(mb, 'rtc_relay_messages_relayed_total', 'type="answer"'), 1);
  assert.equal(sample(ma, 'rtc_relay_refusals_total', 'code="bad-message"'), 1);
  assert.equal(sample(ma, 'rtc_relay_connected_sockets'), 1);
  assert.equal(sample(mb, 'rtc_relay_connected_sockets'), 1);
  assert.equal(sample(ma, 'rtc_relay_rooms'), 1);
  assert.equal(sample(ma, 'rtc_relay_redis_up'), 1);
});
