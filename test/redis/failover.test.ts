/**
 * Failures of a multi-node relay, for real: a node SIGKILLed mid-call (it cannot
 * announce anything), and redis-server killed and restarted empty mid-call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { candidateLine, connectClient, openClient, pair, sample } from '../server/support.js';
import { waitFor } from '../support/wait.js';
import { HEARTBEAT_MS, node, nodeProcess, redisFor, twoNodes } from './cluster.js';

/** /healthz of an in-process node: its status code and body. */
async function health(app: FastifyInstance): Promise<{ status: number; body: { status: string; checks?: Record<string, string> } }> {
  const res = await app.inject({ url: '/healthz' });
  return { status: res.statusCode, body: res.json() };
}

const redisUp = async (app: FastifyInstance): Promise<number | undefined> => sample((await app.inject({ url: '/metrics' })).body, 'rtc_relay_redis_up');

test('a node killed mid-call: its callers\' partners on the other node see peer-left, within a bounded time', async (t) => {
  const redis = await redisFor(t);
  const A = await node(t, redis);
  const B = await nodeProcess(t, redis);
  const [a, b] = await pair(t, A.url, 'doomed', B.url);
  // Another call wholly on A must not hear anything.
  const [c, d] = await pair(t, A.url, 'bystander');
  b.send({ type: 'candidate', candidate: candidateLine(3) });
  await a.waitFor('a message from the doomed node', (x) => x.messages.length === 1);

  const bId = b.id;
  const killedAt = Date.now();
  await B.kill();
  // Dead after 3 missed heartbeats, noticed on the next one: well under 10 heartbeats.
  await a.waitFor('peer-left for the killed node\'s socket', (x) => x.left.includes(bId), { timeoutMs: HEARTBEAT_MS * 10 + 2000 });
  const took = Date.now() - killedAt;
  t.diagnostic(`peer-left ${took} ms after SIGKILL (heartbeat ${HEARTBEAT_MS} ms)`);
  assert.deepEqual(a.left, [bId], 'exactly one peer-left, for the right id');
  assert.deepEqual([c.left, d.left], [[], []], 'other rooms hear nothing');

  // The seat is free again: a new callee joins on A and the call goes on.
  const e = await connectClient(t, A.url, { auth: { room: 'doomed' } }, 'e@A');
  assert.deepEqual(e.info?.peers, [a.id]);
});

test('Redis killed mid-call: /healthz 503 and redis_up 0 while down, calls on one node keep relaying, everything resumes when it is back', async (t) => {
  const { redis, A, B } = await twoNodes(t);
  const [a, b] = await pair(t, A.url, 'outage', B.url);
  const [c, d] = await pair(t, A.url, 'local');
  assert.equal((await health(A.app)).status, 200);

  await redis.stop();
  const unhealthy = async (app: FastifyInstance): Promise<boolean> => (await health(app)).status === 503;
  await waitFor('/healthz to turn 503 on both nodes after Redis went down', async () => (await unhealthy(A.app)) && (await unhealthy(B.app)), { timeoutMs: 5000 });
  const down = (await health(A.app)).body;
  assert.equal(down.status, 'unhealthy');
  assert.ok(down.checks?.redis, `the failing check is named: ${JSON.stringify(down)}`);
  assert.equal(await redisUp(A.app), 0);

  // Both clients of a call on one node still reach each other during the outage.
  c.send({ type: 'candidate', candidate: candidateLine(1) });
  await d.waitFor('a same-node message during the outage', (x) => x.messages.length === 1);
  // A join cannot check membership across nodes now: refused, not admitted blindly.
  const late = openClient(t, A.url, { auth: { room: 'late' } }, 'late@A');
  await late.waitFor('a refusal during the outage', (x) => x.errors.length > 0);
  assert.equal(late.errors[0]?.code, 'internal');
  assert.equal(late.info, undefined);
  // `internal` is not fatal (ERRORS): only the transport closes, so a client reconnects by itself.
  await late.waitFor('the disconnect', (x) => x.disconnectReason !== undefined);
  assert.equal(late.disconnectReason, 'transport close');

  await redis.restart(); // an empty Redis: no persistence
  for (const [name, n] of [['A', A], ['B', B]] as const)
    await waitFor(`/healthz of node ${name} to answer 200 after Redis came back`, async () => (await health(n.app)).status === 200, { timeoutMs: 10_000 });
  assert.equal(await redisUp(B.app), 1);

  // Cross-node relaying resumes (subscriptions are restored by the reconnect). Messages
  // sent in the instant of reconnection may be lost, so send until one arrives, bounded.
  let n = 0;
  await waitFor(
    'a → b across nodes to resume after Redis restarted',
    () => {
      if (b.messages.some((m) => m.from === a.id)) return true;
      a.send({ type: 'candidate', candidate: candidateLine(100 + n++) });
      return false;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  b.send({ type: 'ready' });
  await a.waitFor('b → a across nodes', (x) => x.messages.some((m) => m.type === 'ready' && m.from === b.id));
  // And membership works across nodes again (a join asks both nodes).
  const e = await connectClient(t, B.url, { auth: { room: 'fresh' } }, 'e@B');
  const f = await connectClient(t, A.url, { auth: { room: 'fresh' } }, 'f@A');
  assert.deepEqual(f.info?.peers, [e.id], 'a new call spanning both nodes sees its peer');
  assert.equal(a.errors.length + b.errors.length, 0, JSON.stringify([...a.errors, ...b.errors]));
});
