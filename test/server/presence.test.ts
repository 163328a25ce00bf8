/**
 * GET /presence?room=R: the shape, validation, cache headers and CORS through `app.inject()`;
 * one lookup per room however many ask; the per-address budget; tokens; and the truth, with
 * real socket.io-client sockets on a relay listening on 127.0.0.1:0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { roomOf } from '../../server/adapter-rooms.js';
import { PRESENCE_LIMITS, PRESENCE_TIMING } from '../../server/calls/presence-types.js';
import { mintToken } from '../../server/tokens/tokens.js';
import { sleep, uniqueRoom, waitFor } from '../support/wait.js';
import { relayApp, startRelay, v2Client } from './support.js';

const SECRET = 'a-token-secret-of-at-least-32-chars!!';
const MAX_AGE = `max-age=${PRESENCE_TIMING.cacheMs / 1000}`;

/** Counts the adapter lookups the route makes (`io.in(adapterRoom(room))`), per room (as clients name it). */
function countLookups(app: FastifyInstance): Map<string, number> {
  const counts = new Map<string, number>();
  const original = app.io.in.bind(app.io);
  app.io.in = ((room: string | string[]) => {
    for (const r of [room].flat().map((name) => roomOf(name) ?? name)) counts.set(r, (counts.get(r) ?? 0) + 1);
    return original(room);
  }) as typeof app.io.in;
  return counts;
}

test('GET /presence: {available, busy} and nothing else, public cache for a few seconds with its Age, CORS for any origin by default', async (t) => {
  const app = await relayApp(t);
  const res = await app.inject({ url: `/presence?room=${uniqueRoom('empty')}`, headers: { origin: 'https://shop.example' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { available: 0, busy: 0 });
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers['cache-control'], `public, ${MAX_AGE}`);
  assert.equal(res.headers.age, '0');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  // No room named: the relay's default room, as for a handshake without one.
  const lobby = await app.inject({ url: '/presence' });
  assert.equal(lobby.statusCode, 200);
  assert.deepEqual(lobby.json(), { available: 0, busy: 0 });
});

test('GET /presence: a room that is not a room name is 400 bad-room, not cached, never looked up', async (t) => {
  const app = await relayApp(t);
  const lookups = countLookups(app);
  for (const q of ['room=a%20b', `room=${'x'.repeat(65)}`, 'room=a&room=b', 'room=%C3%A9t%C3%A9', 'room=a/b', 'room[x]=1&room=%00']) {
    const res = await app.inject({ url: `/presence?${q}` });
    assert.equal(res.statusCode, 400, q);
    assert.deepEqual(res.json(), { code: 'bad-room', message: 'room must match ^[A-Za-z0-9_.:@-]{1,64}$ (1-64 characters: letters, digits, _ . : @ -)' }, q);
    assert.equal(res.headers['cache-control'], 'no-store', q);
  }
  assert.equal(lookups.size, 0);
});

test('GET /presence: ALLOWED_ORIGINS — an allowed origin gets itself back with Vary: Origin, another none; a preflight is answered', async (t) => {
  const app = await relayApp(t, { allowedOrigins: ['https://shop.example'] });
  const room = uniqueRoom('cors');
  const ok = await app.inject({ url: `/presence?room=${room}`, headers: { origin: 'https://shop.example' } });
  assert.equal(ok.headers['access-control-allow-origin'], 'https://shop.example');
  assert.equal(ok.headers.vary, 'Origin');
  const other = await app.inject({ url: `/presence?room=${room}`, headers: { origin: 'https://evil.example' } });
  assert.equal(other.statusCode, 200, 'CORS is the browser’s to enforce: the answer is the same, without the header');
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const pre = await app.inject({
    method: 'OPTIONS',
    url: `/presence?room=${room}`,
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(pre.statusCode, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'https://shop.example');
  assert.equal(pre.headers['access-control-allow-methods'], 'GET, OPTIONS');
  assert.equal(pre.headers['access-control-allow-headers'], 'authorization');
  assert.equal(pre.headers['access-control-max-age'], '600');
});

test('GET /presence: 2,000 requests at once for one room cost one lookup; after the cache time, one more', async (t) => {
  const app = await relayApp(t);
  const lookups = countLookups(app);
  const room = uniqueRoom('flight');
  const all = await Promise.all(Array.from({ length: 2000 }, () => app.inject({ url: `/presence?room=${room}` })));
  assert.deepEqual(new Set(all.map((r) => r.statusCode)), new Set([200]));
  assert.equal(lookups.get(room), 1, 'one lookup for 2,000 requests');
  await sleep(PRESENCE_TIMING.cacheMs + 50);
  const again = await app.inject({ url: `/presence?room=${room}` });
  assert.equal(again.statusCode, 200);
  assert.equal(again.headers.age, '0');
  assert.equal(lookups.get(room), 2, 'a new lookup once the cached one is older than the cache time');
});

test('GET /presence: one address gets a burst of lookups of rooms not cached, then 429 rate-limited with Retry-After; cached rooms are still answered', async (t) => {
  const app = await relayApp(t);
  const rooms = Array.from({ length: PRESENCE_LIMITS.lookupBurst + 30 }, (_, i) => uniqueRoom(`walk${i}`));
  const codes: number[] = [];
  let refused;
  for (const room of rooms) {
    const r = await app.inject({ url: `/presence?room=${room}` });
    codes.push(r.statusCode);
    if (r.statusCode === 429) refused ??= r;
  }
  const ok = codes.filter((c) => c === 200).length;
  // The budget refills at lookupsPerSecond while the loop runs (well under a second here).
  assert.ok(ok >= PRESENCE_LIMITS.lookupBurst && ok < rooms.length, `200s: ${ok} of ${rooms.length}`);
  assert.ok(refused, 'some were refused');
  assert.deepEqual(refused.json(), { code: 'rate-limited', message: 'too many presence lookups from your address; ask again later' });
  assert.equal(refused.headers['retry-after'], String(PRESENCE_TIMING.retryAfterS));
  assert.equal(refused.headers['cache-control'], 'no-store');
  const cached = await app.inject({ url: `/presence?room=${rooms[0]}` });
  assert.equal(cached.statusCode, 200, 'an answer from the cache costs nothing and is never refused');
  // Another address has its own budget.
  const other = await app.inject({ url: `/presence?room=${uniqueRoom('elsewhere')}`, remoteAddress: '127.0.0.9' });
  assert.equal(other.statusCode, 200);
});

test('GET /presence with TOKEN_SECRET: a Bearer token for the room in any role, private cache; none, another room’s, an expired one or one in the query string is 401', async (t) => {
  const app = await relayApp(t, { tokenSecret: SECRET });
  const room = uniqueRoom('gated');
  const get = (headers: Record<string, string> = {}, q = '') => app.inject({ url: `/presence?room=${room}${q}`, headers });
  const none = await get();
  assert.equal(none.statusCode, 401);
  assert.deepEqual(none.json(), { code: 'unauthorized', message: 'this relay requires tokens: send Authorization: Bearer <token> with a token for this room (any role)' });
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  const caller = await mintToken(SECRET, { room, role: 'caller', ttl: 60 });
  const inQuery = await get({}, `&token=${caller}`);
  assert.equal(inQuery.statusCode, 401, 'a token in the query string is not read (it would be logged)');
  for (const role of ['caller', 'answerer', 'both'] as const) {
    const ok = await get({ authorization: `Bearer ${await mintToken(SECRET, { room, role, ttl: 60 })}` });
    assert.equal(ok.statusCode, 200, role);
    assert.deepEqual(ok.json(), { available: 0, busy: 0 });
    assert.equal(ok.headers['cache-control'], `private, ${MAX_AGE}`, 'no shared cache may hand it to someone without a token');
  }
  const prefix = await get({ authorization: `Bearer ${await mintToken(SECRET, { room: 'gated-*', role: 'caller', ttl: 60 })}` });
  assert.equal(prefix.statusCode, 200, 'a prefix* claim covering the room');
  const elsewhere = await get({ authorization: `Bearer ${await mintToken(SECRET, { room: 'other-room', role: 'caller', ttl: 60 })}` });
  assert.equal(elsewhere.statusCode, 401);
  assert.deepEqual(elsewhere.json(), { code: 'unauthorized', message: `token refused: it is for room other-room, not ${room}` });
  const expired = await get({ authorization: `Bearer ${await mintToken(SECRET, { room, role: 'caller', ttl: 1, now: Date.now() - 3_600_000 })}` });
  assert.equal(expired.statusCode, 401);
  assert.deepEqual(expired.json(), { code: 'unauthorized', message: 'token refused: it has expired' });
  const decade = await get({ authorization: `Bearer ${await mintToken(SECRET, { room, role: 'caller', ttl: 10 * 365 * 86400 })}` });
  assert.equal(decade.statusCode, 401);
  assert.deepEqual(decade.json(), { code: 'unauthorized', message: 'token refused: its exp is more than 24 h from now (MAX_TOKEN_TTL)' });
  const forged = await get({ authorization: `Bearer ${await mintToken('another-secret-of-at-least-32-chars!', { room, role: 'caller', ttl: 60 })}` });
  assert.equal(forged.statusCode, 401);
  assert.deepEqual(forged.json(), { code: 'unauthorized', message: 'token refused: its signature does not match (another secret, or altered)' });
});

/** GET /presence over TCP, as a page's fetch() does it. */
async function presenceOf(url: string, room: string): Promise<{ available: number; busy: number }> {
  const res = await fetch(`${url}/presence?room=${room}`);
  assert.equal(res.status, 200);
  return (await res.json()) as { available: number; busy: number };
}

const settlesTo = (url: string, room: string, want: { available: number; busy: number }): Promise<unknown> =>
  // The cache may answer the old count for up to its time; then the new one, for good.
  waitFor(`GET /presence to say ${JSON.stringify(want)}`, async () => JSON.stringify(await presenceOf(url, room)) === JSON.stringify(want), {
    timeoutMs: PRESENCE_TIMING.cacheMs + 3000,
    intervalMs: 50,
  });

test('GET /presence tells the truth: an answerer joins → 1 available, in a call → 1 busy, leaves → 0; call-only pages never count', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('truth');
  await settlesTo(relay.url, room, { available: 0, busy: 0 });
  const desk = await v2Client(t, relay.url, room, 'desk');
  const visitor = await v2Client(t, relay.url, room, 'visitor', { incoming: false });
  const joinedAt = Date.now();
  await settlesTo(relay.url, room, { available: 1, busy: 0 });
  const seenAfter = Date.now() - joinedAt;
  assert.ok(seenAfter <= PRESENCE_TIMING.cacheMs + 1500, `the join seen after ${seenAfter} ms`);
  // The same counts as the socket's own presence event (which counts the visitor out too).
  await desk.waitFor('presence 1/0', (x) => JSON.stringify(x.presence.at(-1)) === '{"available":1,"busy":0}');

  visitor.send({ type: 'ready', call: 'presence-call-1', kind: 'voice' });
  await desk.waitFor('the ring', (x) => x.messages.some((m) => m.type === 'ready' && m.call === 'presence-call-1'));
  desk.send({ type: 'accept', call: 'presence-call-1' });
  await desk.waitFor('bound', (x) => x.bound.length === 1);
  await settlesTo(relay.url, room, { available: 0, busy: 1 });

  desk.close();
  await settlesTo(relay.url, room, { available: 0, busy: 0 });
  const body = await (await fetch(`${relay.url}/presence?room=${room}`)).text();
  assert.ok(!body.includes(visitor.id) && !body.includes('visitor') && !body.includes('desk'), 'counts only: no id, no name');
});
