/**
 * Ring fan-out bounded (issue 19, item 5): one socket's call requests have a budget of their own
 * (a burst, a few a minute, never two within a second), every delivery they make counts against
 * the sender, v1 messages to the whole room too, and a room's presence goes out at most about
 * once a second. Deliveries are counted where they arrive, at the members, over real sockets.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RingLimits, fanOutFor } from '../../server/limits/ring.js';
import { DEFAULT_OPTIONS } from '../../server/config/options.js';
import { sleep, uniqueRoom } from '../support/wait.js';
import { candidateLine, connectClient, received, startRelay, v2Client, type Relay, type TestClient } from './support.js';

const DEFAULTS = { callRequests: DEFAULT_OPTIONS.callRequests, fanOut: fanOutFor(DEFAULT_OPTIONS) };

test('RingLimits: a burst of 3, then 6 a minute, never two within a second; a refusal costs nothing', () => {
  const r = new RingLimits(DEFAULTS);
  const s = {};
  assert.equal(r.request(s, 1, 0), null);
  assert.match(r.request(s, 1, 999) ?? '', /at most one per 1 s/);
  assert.equal(r.request(s, 1, 1000), null);
  assert.equal(r.request(s, 1, 2000), null, 'the third of the burst');
  assert.match(r.request(s, 1, 3000) ?? '', /more than 6 call requests a minute/);
  // 2 s have refilled a third of a token since; one whole token is back 10 s after the first.
  assert.match(r.request(s, 1, 9999) ?? '', /a minute/);
  assert.equal(r.request(s, 1, 10_001), null);
  assert.equal(new RingLimits(DEFAULTS).request({}, 1, 0), null, 'another socket has its own budget');
});

test('RingLimits: fan-out counts deliveries: a full room rings about once a second', () => {
  const r = new RingLimits({ callRequests: { perMinute: 6000, burst: 100, minGapMs: 0 }, fanOut: { perSecond: 50, burst: 50 } });
  const s = {};
  assert.equal(r.request(s, 45, 0), null);
  assert.match(r.request(s, 45, 10) ?? '', /would ring 45 members/);
  assert.equal(r.request(s, 45, 900), null, '45 deliveries back after 0.9 s');
  assert.equal(r.request(s, 2, 910), null, 'a small ring fits in what is left');
  assert.equal(r.deliver(s, 10, 920), false, 'v1 messages draw on the same budget');
  assert.equal(r.request(s, 200, 100_000), null, 'a room larger than the burst still rings, for a whole burst');
  assert.equal(r.deliver(s, 1, 100_000), false);
});

/** `n` desks that take calls in `room`, and a caller that does not. */
async function room45(t: TestContext, relay: Relay, room: string, n: number): Promise<{ desks: TestClient[]; caller: TestClient }> {
  const desks: TestClient[] = [];
  for (let i = 0; i < n; i += 11) desks.push(...(await Promise.all(Array.from({ length: Math.min(11, n - i) }, (_, j) => v2Client(t, relay.url, room, `Desk ${i + j}`)))));
  const caller = await v2Client(t, relay.url, room, 'Caller', { incoming: false });
  return { desks, caller };
}

test('ready/cancel cycles from one socket in a 45-member room: each desk rings at most once a second, the rest refused rate-limited', { timeout: 60_000 }, async (t) => {
  const relay = await startRelay(t);
  const { desks, caller } = await room45(t, relay, uniqueRoom('cycles'), 44);
  const start = Date.now();
  let sent = 0;
  // Within the message limit (50/s): 148 messages, as in the report.
  while (sent < 148) {
    const call = `cycle-${sent}`;
    caller.send({ type: 'ready', call });
    caller.send({ type: 'cancel', call });
    sent += 2;
    await sleep(40);
  }
  const seconds = (Date.now() - start) / 1000;
  await sleep(300);
  const rings = desks.map((d) => received(d, 'ready').length);
  const deliveries = desks.reduce((n, d) => n + d.messages.length, 0);
  const refused = caller.errors.filter((e) => e.code === 'rate-limited' && e.type === 'ready').length;
  t.diagnostic(`${sent} messages in ${seconds.toFixed(1)} s: ${deliveries} deliveries, rings per desk ${Math.min(...rings)}..${Math.max(...rings)}, ${refused} requests refused rate-limited`);
  // The default budget: 3 requests, at least a second apart.
  const most = Math.min(3, Math.floor(seconds) + 1);
  assert.ok(rings.every((n) => n >= 1 && n <= most), `each desk rang ${most} times at most: ${rings.join(',')}`);
  assert.equal(refused, 74 - rings[0]!, 'every other request refused, type ready');
  assert.ok(deliveries <= 2 * most * 44, `ring + cancel per allowed request: ${deliveries}`);
  assert.ok(caller.errors.every((e) => e.code === 'rate-limited' || e.code === 'call-ended'), JSON.stringify(caller.errors.slice(0, 3)));
});

test('fan-out counts against the sender: with requests unlimited, a full room still rings about once a second', { timeout: 60_000 }, async (t) => {
  const relay = await startRelay(t, { callRequests: { perMinute: 6000, burst: 1000, minGapMs: 0 } });
  const { desks, caller } = await room45(t, relay, uniqueRoom('fanout'), 44);
  const start = Date.now();
  for (let i = 0; i < 60; i++) {
    caller.send({ type: 'ready', call: `f-${i}` });
    caller.send({ type: 'cancel', call: `f-${i}` });
    await sleep(50);
  }
  const seconds = (Date.now() - start) / 1000;
  await sleep(300);
  const rings = desks.map((d) => received(d, 'ready').length);
  const { perSecond, burst } = fanOutFor(DEFAULT_OPTIONS);
  const bound = Math.floor((burst + perSecond * seconds) / 44);
  t.diagnostic(`60 requests in ${seconds.toFixed(1)} s: rings per desk ${Math.min(...rings)}..${Math.max(...rings)} (bound ${bound})`);
  assert.ok(rings.every((n) => n >= 2 && n <= bound), `rings per desk within ${burst} + ${perSecond}/s deliveries: ${rings.join(',')}`);
  assert.ok(rings[0]! <= seconds + 3, 'about once a second');
  assert.ok(caller.errors.some((e) => e.code === 'rate-limited' && e.type === 'ready' && /would ring 44 members/.test(e.message)));
});

test('v1 messages to the whole room count their deliveries too', { timeout: 60_000 }, async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('v1-fanout');
  const members = await Promise.all(Array.from({ length: 20 }, (_, i) => connectClient(t, relay.url, { auth: { room } }, `v1-${i}`)));
  const sender = members[0]!;
  const others = members.slice(1);
  const start = Date.now();
  for (let i = 0; i < 60; i++) {
    sender.send({ type: 'candidate', candidate: candidateLine(i) });
    await sleep(20);
  }
  const seconds = (Date.now() - start) / 1000;
  await sleep(300);
  const deliveries = others.reduce((n, c) => n + received(c, 'candidate').length, 0);
  const { perSecond, burst } = fanOutFor(DEFAULT_OPTIONS);
  t.diagnostic(`60 candidates to 19 members in ${seconds.toFixed(1)} s: ${deliveries} deliveries, ${sender.errors.length} refused`);
  assert.ok(deliveries <= burst + perSecond * seconds + 19, `${deliveries} deliveries`);
  assert.ok(deliveries >= burst - 19, 'the burst went out');
  assert.ok(sender.errors.length > 0 && sender.errors.every((e) => e.code === 'rate-limited' && e.type === 'candidate'));
  // A pair of v1 clients is far inside it: every message of a burst arrives.
  const [a, b] = await Promise.all(['pa', 'pb'].map((n) => connectClient(t, relay.url, { auth: { room: `${room}-pair` } }, n)));
  await a!.waitFor('peer', (x) => x.joined.length === 1);
  for (let i = 0; i < 90; i++) a!.send({ type: 'candidate', candidate: candidateLine(i) });
  await b!.waitFor('90 candidates', (x) => received(x, 'candidate').length === 90);
  assert.deepEqual(a!.errors, []);
});

test('presence is coalesced per room: ring/cancel cycles of a member that takes calls reach each member about once a second', { timeout: 60_000 }, async (t) => {
  const relay = await startRelay(t, { callRequests: { perMinute: 6000, burst: 1000, minGapMs: 0 } });
  const room = uniqueRoom('presence');
  const watchers = await Promise.all(Array.from({ length: 5 }, (_, i) => v2Client(t, relay.url, room, `W${i}`)));
  const caller = await v2Client(t, relay.url, room, 'Busy caller');
  await sleep(1100);
  const before = watchers.map((w) => w.presence.length);
  const start = Date.now();
  for (let i = 0; i < 40; i++) {
    caller.send({ type: 'ready', call: `p-${i}` });
    caller.send({ type: 'cancel', call: `p-${i}` });
    await sleep(50);
  }
  const seconds = (Date.now() - start) / 1000;
  await sleep(1200);
  const counts = watchers.map((w, i) => w.presence.length - before[i]!);
  t.diagnostic(`40 ring/cancel cycles in ${seconds.toFixed(1)} s: presence events per member ${counts.join(',')}`);
  assert.ok(counts.every((n) => n >= 1 && n <= Math.ceil(seconds) + 2), `about one a second: ${counts.join(',')}`);
  // The last one says how things are now.
  for (const w of watchers) assert.deepEqual(w.presence.at(-1), { available: 6, busy: 0 });
});
