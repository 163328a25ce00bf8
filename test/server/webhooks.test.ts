/**
 * Webhooks on the real relay: real socket.io-client sockets place, answer, decline, miss and
 * end calls; a real HTTP receiver verifies every delivery with the `standardwebhooks` package
 * and records what arrived. Also the receiver down for 10 s (every event still delivered, each
 * id once), call summaries (only from a side, once, bounded), and the options.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCallSummary, type CallSummaryReport } from '../../src/protocol/index.js';
import { ConfigError, optionsFromEnv, resolveOptions } from '../../server/config/options.js';
import { mintToken } from '../../server/tokens/tokens.js';
import { backoff } from '../../server/webhooks/deliverer.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { received, startRelay, v2Client, type Relay, type TestClient } from './support.js';
import { startReceiver, webhookOptions, WEBHOOK_SECRET, type Receiver } from './webhook-receiver.js';

const SECRET = 'a-token-secret-of-at-least-32-characters!';
const summary = (call: string, o: Partial<CallSummaryReport> = {}): CallSummaryReport => ({ call, durationMs: 1200, relayed: false, rttMs: 12.5, packetLoss: 0.01, reconnects: 0, ...o });

async function client(t: Parameters<typeof v2Client>[0], relay: Relay, room: string, name: string, sub: string, role: 'caller' | 'answerer', incoming = true): Promise<TestClient> {
  const token = await mintToken(SECRET, { room, role, name, sub, ttl: 600 });
  return v2Client(t, relay.url, room, name, { token, incoming });
}

async function call(visitor: TestClient, desks: TestClient[], id: string, kind: 'video' | 'voice' = 'video'): Promise<void> {
  visitor.send({ type: 'ready', call: id, kind });
  for (const d of desks) await d.waitFor(`the ring of ${id}`, (x) => received(x, 'ready').some((m) => m.call === id));
}

/** Waits until the receiver got what `probe` looks for. */
const waitEvents = (rx: Receiver, what: string, probe: () => boolean, timeoutMs = 15_000): Promise<true> =>
  waitFor(() => `${what} (received: ${rx.got.map((e) => e.type).join(', ')})`, () => probe() || undefined, { timeoutMs, intervalMs: 20 });

test('answered and ended: names and token subs of both sides, times, duration, who hung up, and both summaries; every delivery verifies', async (t) => {
  const rx = await startReceiver(t);
  const relay = await startRelay(t, { tokenSecret: SECRET, ...webhookOptions(rx, 1500) });
  const room = uniqueRoom('wh');
  const desk = await client(t, relay, room, 'Desk Ann', 'agent-17', 'answerer');
  const visitor = await client(t, relay, room, 'Visitor Bo', 'cust-42', 'caller', false);
  const id = `c-${uniqueRoom()}`;
  const t0 = Date.now();
  await call(visitor, [desk], id, 'voice');
  desk.send({ type: 'accept', call: id });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await sleep(300);
  visitor.send({ type: 'bye' });
  await desk.waitFor('bye', (x) => received(x, 'bye').length === 1);
  // A third socket of the room cannot report for this call; each side reports once.
  const other = await client(t, relay, room, 'Other', 'x-1', 'answerer');
  other.socket.emit('call-summary', summary(id));
  await other.waitFor('not-in-call', (x) => x.errors.some((e) => e.code === 'not-in-call' && e.type === 'call-summary'));
  visitor.socket.emit('call-summary', summary(id, { relayed: true, reconnects: 1 }));
  desk.socket.emit('call-summary', summary(id, { rttMs: 40 }));
  desk.socket.emit('call-summary', summary(id, { rttMs: 999 }));
  await desk.waitFor('the repeat refused', (x) => x.errors.some((e) => e.code === 'bad-message' && e.type === 'call-summary'));
  assert.equal(visitor.errors.length, 0, JSON.stringify(visitor.errors));

  await waitEvents(rx, 'call.ended', () => rx.of('call.ended').length === 1);
  const evs = rx.forCall(id);
  assert.deepEqual(evs.map((e) => e.type), ['call.requested', 'call.answered', 'call.ended']);
  assert.equal(rx.refused.length, 0);
  assert.equal(new Set(evs.map((e) => e.id)).size, 3, 'one webhook-id per event');
  const caller = { name: 'Visitor Bo', sub: 'cust-42' };
  const answerer = { name: 'Desk Ann', sub: 'agent-17' };
  const [req, ans, end] = evs as [typeof evs[0], typeof evs[0], typeof evs[0]];
  assert.deepEqual({ ...req.data, requestedAt: undefined }, { room, call: id, kind: 'voice', caller, answerer: null, requestedAt: undefined, answeredAt: null, rung: 1 });
  assert.ok(Math.abs(Date.parse(req.data.requestedAt as string) - t0) < 2000);
  assert.deepEqual(ans.data.answerer, answerer);
  assert.deepEqual(ans.data.caller, caller);
  const d = end.data;
  assert.deepEqual([d.endedBy, d.reason, d.caller, d.answerer], ['caller', 'hang-up', caller, answerer]);
  const dur = d.durationMs as number;
  assert.ok(dur >= 250 && dur < 3000, `duration ${dur}`);
  assert.equal(Date.parse(d.endedAt as string) - Date.parse(d.answeredAt as string), dur);
  assert.deepEqual(d.summaries, {
    caller: { durationMs: 1200, relayed: true, rttMs: 12.5, packetLoss: 0.01, reconnects: 1 },
    answerer: { durationMs: 1200, relayed: false, rttMs: 40, packetLoss: 0.01, reconnects: 0 },
  });
  assert.equal(end.timestamp, d.endedAt);
});

test('declined (each desk, the last one final) and missed (caller cancelled, no answer, caller left)', async (t) => {
  const rx = await startReceiver(t);
  const relay = await startRelay(t, { ringExpiryMs: 800, ...webhookOptions(rx) });
  const room = uniqueRoom('wh');
  const d1 = await v2Client(t, relay.url, room, 'D1');
  const d2 = await v2Client(t, relay.url, room, 'D2');
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  await call(v, [d1, d2], 'dec');
  d1.send({ type: 'decline', call: 'dec' });
  await v.waitFor('a decline', (x) => received(x, 'decline').length === 1);
  d2.send({ type: 'decline', call: 'dec' });
  await v.waitFor('two declines', (x) => received(x, 'decline').length === 2);
  await call(v, [d1, d2], 'can');
  v.send({ type: 'cancel', call: 'can' });
  await d1.waitFor('cancel', (x) => received(x, 'cancel').some((m) => m.call === 'can'));
  await call(v, [d1, d2], 'exp');
  await v.waitFor('expired', (x) => x.errors.some((e) => e.call === 'exp'));
  const v2 = await v2Client(t, relay.url, room, 'V2', { incoming: false });
  await call(v2, [d1, d2], 'gone');
  v2.close();
  // Both desks away: refused at once, and still a missed call for the backend.
  d1.socket.emit('away', { away: true });
  d2.socket.emit('away', { away: true });
  await v.waitFor('presence 0', (x) => x.presence.at(-1)?.available === 0);
  v.send({ type: 'ready', call: 'nob' });
  await v.waitFor('unavailable', (x) => x.errors.some((e) => e.code === 'unavailable' && e.call === 'nob'));
  await waitEvents(rx, 'all events', () => rx.of('call.missed').length === 4 && rx.of('call.declined').length === 2);
  const declines = rx.of('call.declined').map((e) => [(e.data.declinedBy as { name: string }).name, e.data.final]);
  assert.deepEqual(declines, [['D1', false], ['D2', true]]);
  const missed = Object.fromEntries(rx.of('call.missed').map((e) => [e.data.call, e.data.reason]));
  assert.deepEqual(missed, { can: 'caller-cancelled', exp: 'no-answer', gone: 'caller-cancelled', nob: 'unavailable' });
  assert.equal(rx.forCall('nob').length, 1, 'no call.requested for a request refused at once');
  for (const e of rx.of('call.missed')) assert.deepEqual(e.data.caller, { name: e.data.call === 'gone' ? 'V2' : 'V', sub: null });
  assert.equal(rx.of('call.ended').length, 0);
  assert.equal(rx.refused.length, 0);
});

test('the receiver down for 10 s: every event is delivered once it is back, each webhook-id once, every signature valid', async (t) => {
  const rx = await startReceiver(t);
  const relay = await startRelay(t, webhookOptions(rx, 200));
  const room = uniqueRoom('wh');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  await rx.down();
  const downAt = Date.now();
  for (let i = 0; i < 3; i++) {
    await call(v, [desk], `d${i}`);
    desk.send({ type: 'accept', call: `d${i}` });
    await v.waitFor('bound', (x) => x.bound.length === i + 1);
    desk.send({ type: 'bye' });
    await v.waitFor('bye', (x) => received(x, 'bye').length === i + 1);
  }
  await sleep(10_000 - (Date.now() - downAt));
  const failedWhileDown = relay.app.relay.webhooks.deliverer!.counts.failed;
  assert.ok(failedWhileDown >= 9, `retried while down (${failedWhileDown} failed attempts)`);
  assert.equal(rx.got.length, 0);
  await rx.up();
  await waitEvents(rx, '9 events', () => rx.got.length >= 9, 20_000);
  await sleep(1500);
  assert.equal(rx.got.length, 9, 'nothing twice');
  assert.equal(new Set(rx.got.map((e) => e.id)).size, 9);
  assert.deepEqual(rx.got.map((e) => e.type).sort(), [...Array(3).fill('call.answered'), ...Array(3).fill('call.ended'), ...Array(3).fill('call.requested')]);
  assert.equal(rx.refused.length, 0);
});

test('a receiver answering 500 gets the same event (same webhook-id, fresh signature) again until it answers 2xx', async (t) => {
  const rx = await startReceiver(t);
  rx.status = 500;
  const relay = await startRelay(t, webhookOptions(rx));
  const room = uniqueRoom('wh');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const v = await v2Client(t, relay.url, room, 'V', { incoming: false });
  await call(v, [desk], 'r1');
  await waitEvents(rx, 'three attempts', () => rx.got.length >= 3);
  rx.status = 200;
  const n = rx.got.length;
  await sleep(3000);
  assert.ok(rx.got.length <= n + 1, 'stops once delivered');
  assert.equal(new Set(rx.got.map((e) => e.id)).size, 1);
  assert.equal(rx.refused.length, 0);
});

test('call-summary is validated and bounded', () => {
  assert.deepEqual(checkCallSummary({ ...summary('a'), extra: 'x'.repeat(10_000) }), summary('a'));
  assert.equal(checkCallSummary({ ...summary('a'), rttMs: null, packetLoss: null, relayed: null }) instanceof Object, true);
  for (const [k, v] of [['call', 'a b'], ['durationMs', -1], ['durationMs', 1.5], ['durationMs', 1e12], ['rttMs', 1e9], ['packetLoss', 2], ['reconnects', -1], ['relayed', 'yes']] as const)
    assert.equal(checkCallSummary({ ...summary('a'), [k]: v }), k);
  assert.equal(checkCallSummary(null), 'payload');
  assert.equal(checkCallSummary([]), 'payload');
});

test('a bad call-summary is refused bad-message over the wire, and nothing is kept', async (t) => {
  const relay = await startRelay(t);
  const c = await v2Client(t, relay.url, uniqueRoom('wh'), 'C');
  c.socket.emit('call-summary', { call: 'x', durationMs: 'long' } as unknown as CallSummaryReport);
  await c.waitFor('bad-message', (x) => x.errors.some((e) => e.code === 'bad-message' && e.type === 'call-summary' && /durationMs/.test(e.message)));
});

test('options: WEBHOOK_URL and WEBHOOK_SECRET go together; a bad secret is named, never quoted; backoff doubles up to its cap', () => {
  const o = optionsFromEnv({ WEBHOOK_URL: 'https://crm.example/hooks, http://127.0.0.1:9/x', WEBHOOK_SECRET: WEBHOOK_SECRET });
  assert.deepEqual(o.webhookUrls, ['https://crm.example/hooks', 'http://127.0.0.1:9/x']);
  assert.equal(o.webhookSecret, WEBHOOK_SECRET);
  assert.throws(() => optionsFromEnv({ WEBHOOK_URL: 'https://crm.example/hooks' }), /WEBHOOK_SECRET is not/);
  assert.throws(() => optionsFromEnv({ WEBHOOK_SECRET: WEBHOOK_SECRET }), /WEBHOOK_URL is not/);
  assert.throws(() => optionsFromEnv({ WEBHOOK_URL: 'ftp://x/y', WEBHOOK_SECRET }), /WEBHOOK_URL/);
  assert.throws(() => optionsFromEnv({ WEBHOOK_URL: 'https://u:hunter2@x/y', WEBHOOK_SECRET: 'nope' }), (e: Error) => e instanceof ConfigError && !e.message.includes('nope') && /WEBHOOK_SECRET/.test(e.message));
  assert.throws(() => resolveOptions({ webhookUrls: ['https://x/'], webhookSecret: 'whsec_c2hvcnQ=' }), (e: Error) => !e.message.includes('c2hvcnQ'));
  assert.deepEqual([1, 2, 3, 4, 20].map((n) => backoff(n, { baseMs: 1000, maxMs: 10_000 }, () => 0.5)), [1000, 2000, 4000, 8000, 10_000]);
});
