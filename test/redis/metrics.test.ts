/** `GET /metrics` (through `app.inject()`): Prometheus text, a registry per relay, one process or two nodes over Redis. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { candidateLine, connectClient, openClient, pair, sample, startRelay } from '../server/support.js';
import { twoNodes } from './cluster.js';

const metrics = async (app: FastifyInstance): Promise<string> => (await app.inject({ url: '/metrics' })).body;

test('in-memory relay: /metrics counts sockets, rooms, messages relayed by type and refusals by code', async (t) => {
  const relay = await startRelay(t, { rateLimit: { perSecond: 1, burst: 3 }, roomMembers: 2 });
  const before = await relay.app.inject({ url: '/metrics' });
  assert.equal(before.statusCode, 200);
  assert.match(before.body, /^# HELP rtc_relay_messages_relayed_total /m);
  assert.equal(sample(before.body, 'rtc_relay_messages_relayed_total', 'type="offer"'), 0, 'every type is there from the start');
  assert.equal(sample(before.body, 'rtc_relay_connected_sockets'), 0);
  assert.equal(sample(before.body, 'rtc_relay_redis_up'), undefined, 'no Redis series in-memory');
  assert.match(before.body, /rtc_relay_process_resident_memory_bytes\{node="[^"]+"\}/, 'process metrics, labelled');

  const [a, b] = await pair(t, relay.url, 'room-1');
  const [c] = await pair(t, relay.url, 'room-2');
  a.send({ type: 'offer', sdp: 'v=0\r\n' });
  a.send({ type: 'candidate', candidate: candidateLine(1) });
  a.send({ type: 'candidate', candidate: candidateLine(2) });
  b.send({ type: 'answer', sdp: 'v=0\r\n' });
  a.send({ type: 'candidate', candidate: candidateLine(3) }); // a's 4th message at once, burst 3: rate-limited
  c.sendRaw('not an object');
  await b.waitFor('the offer and two candidates', (x) => x.messages.length === 3);
  await a.waitFor('the answer and the rate-limit refusal', (x) => x.messages.length === 1 && x.errors.length === 1);
  await c.waitFor('bad-message', (x) => x.errors.length === 1);
  const third = openClient(t, relay.url, { auth: { room: 'room-1' } }, 'third');
  await third.waitFor('room-full', (x) => x.errors.length === 1);

  const m = await metrics(relay.app);
  assert.equal(sample(m, 'rtc_relay_messages_relayed_total', 'type="offer"'), 1);
  assert.equal(sample(m, 'rtc_relay_messages_relayed_total', 'type="answer"'), 1);
  assert.equal(sample(m, 'rtc_relay_messages_relayed_total', 'type="candidate"'), 2);
  assert.equal(sample(m, 'rtc_relay_messages_relayed_total', 'type="bye"'), 0);
  assert.equal(sample(m, 'rtc_relay_refusals_total', 'code="rate-limited"'), 1);
  assert.equal(sample(m, 'rtc_relay_refusals_total', 'code="bad-message"'), 1);
  assert.equal(sample(m, 'rtc_relay_refusals_total', 'code="room-full"'), 1);
  assert.equal(sample(m, 'rtc_relay_rooms'), 2);
  assert.ok([4, 5].includes(sample(m, 'rtc_relay_connected_sockets') ?? -1), 'four members (the refused one may still be closing)');

  // Counters never go back: a second scrape adds nothing that did not happen.
  const again = await metrics(relay.app);
  assert.equal(sample(again, 'rtc_relay_messages_relayed_total', 'type="offer"'), 1);
});

test('two relays in one process keep separate registries and node labels', async (t) => {
  const [r1, r2] = [await startRelay(t), await startRelay(t)];
  const [a] = await pair(t, r1.url, 'only-on-1');
  a.send({ type: 'ready' });
  await connectClient(t, r2.url, { auth: { room: 'alone' } }, 'alone');
  const [m1, m2] = [await metrics(r1.app), await metrics(r2.app)];
  assert.notEqual(/node="([^"]+)"/.exec(m1)?.[1], /node="([^"]+)"/.exec(m2)?.[1]);
  assert.equal(sample(m1, 'rtc_relay_connected_sockets'), 2);
  assert.equal(sample(m2, 'rtc_relay_connected_sockets'), 1);
});

test('/metrics on two nodes: distinct node labels, counters move on the node that relayed', async (t) => {
  const { A, B } = await twoNodes(t);
  const [a, b] = await pair(t, A.url, 'm', B.url);
  a.send({ type: 'offer', sdp: 'v=0\r\n' });
  a.send({ type: 'candidate', candidate: candidateLine(1) });
  a.send({ type: 'candidate', candidate: candidateLine(2) });
  b.send({ type: 'answer', sdp: 'v=0\r\n' });
  a.send({ type: 'nonsense' } as never);
  await b.waitFor('3 messages', (x) => x.messages.length === 3);
  await a.waitFor('the answer and the refusal', (x) => x.messages.length === 1 && x.errors.length === 1);

  const [ma, mb] = [await metrics(A.app), await metrics(B.app)];
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
