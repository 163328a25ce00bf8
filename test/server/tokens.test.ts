/**
 * TOKEN_SECRET: every handshake needs a JWT signed HS256 for its room, with a role. Real
 * socket.io-client sockets against a relay on port 0: each bad token is refused at the
 * handshake with `unauthorized` and its reason; roles hold (a caller is never rung and cannot
 * accept or decline, an answerer cannot place a call, with `forbidden`); the token's name is the
 * one callees see; an expired token may only rejoin the call it was in. The FakeRelay of the
 * widget's tests follows the same role rules (calls/rules.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import type { ErrorPayload, HandshakeAuth, SignalMessage, TokenRole } from '../../src/protocol/index.js';
import { mayAnswer, mayCall, profileOf, route, type Role, type Sender } from '../../server/calls/rules.js';
import { checkToken, mintToken, tokenKey, TOKEN_CLOCK_TOLERANCE_S } from '../../server/tokens/tokens.js';
import { FakeRelay, settle } from '../core/fakes.js';
import { sleep, uniqueRoom } from '../support/wait.js';
import { connectClient, openClient, received, startRelay, type TestClient } from './support.js';

const SECRET = randomBytes(32).toString('hex');
const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

interface Claims {
  room?: unknown;
  role?: unknown;
  name?: unknown;
  exp?: unknown;
  [k: string]: unknown;
}

/** A JWT with exactly these claims (no exp unless given), signed with `alg` and `secret`. */
async function sign(claims: Claims, o: { alg?: 'HS256' | 'HS384' | 'HS512'; secret?: string } = {}): Promise<string> {
  return new SignJWT(claims as Record<string, unknown>).setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' }).sign(tokenKey(o.secret ?? SECRET));
}

const valid = (room: string, role: TokenRole, name = '', ttl = 3600): Promise<string> => sign({ room, role, ...(name ? { name } : {}), exp: now() + ttl });

/** Opens a v2 client with `auth` and waits for its client-id or its refusal. */
async function attempt(t: TestContext, url: string, auth: HandshakeAuth, name = 'client'): Promise<TestClient> {
  const c = openClient(t, url, { auth: { protocol: 2, ...auth } }, name);
  await c.waitFor('client-id or connect_error', (x) => x.info !== undefined || x.connectError !== undefined);
  return c;
}

async function refused(t: TestContext, url: string, auth: HandshakeAuth): Promise<ErrorPayload> {
  const c = await attempt(t, url, auth);
  assert.equal(c.info, undefined, `refused, not admitted (${JSON.stringify(auth).slice(0, 120)})`);
  const data = c.connectError?.data;
  assert.ok(data, `connect_error carries { code, message }: ${c.connectError?.message}`);
  assert.ok(!data.message.includes(SECRET), 'the secret is never in a refusal');
  return data;
}

async function admitted(t: TestContext, url: string, auth: HandshakeAuth, name = 'client'): Promise<TestClient> {
  const c = await attempt(t, url, auth, name);
  assert.ok(c.info, `${name} admitted (refused: ${c.connectError?.message})`);
  return c;
}

test('each bad token is refused at the handshake with unauthorized and says why', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = 'support-42';
  const good = await valid(room, 'both');
  const [h, p, s] = good.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims;
  const flip = (x: string): string => (x[0] === 'A' ? 'B' : 'A') + x.slice(1);
  const cases: Array<[string, HandshakeAuth, RegExp]> = [
    ['no token', { room }, /a token is required/],
    ['a token that is not a string', { room, token: 42 as unknown as string }, /must be a string/],
    ['malformed', { room, token: 'not.a.jwt' }, /not a well-formed JWT/],
    ['garbage', { room, token: 'abc' }, /not a well-formed JWT/],
    ['expired', { room, token: await sign({ room, role: 'both', exp: now() - TOKEN_CLOCK_TOLERANCE_S - 60 }) }, /has expired/],
    ['another room', { room, token: await valid('support-43', 'both') }, /for room support-43, not support-42/],
    ['a prefix of other rooms', { room, token: await valid('sales-*', 'both') }, /for room sales-\*/],
    ['a tampered signature', { room, token: `${h}.${p}.${flip(s)}` }, /signature does not match/],
    ['a tampered payload (role raised)', { room, token: `${h}.${b64({ ...payload, role: 'both', name: 'Boss' })}.${s}` }, /signature does not match/],
    ['another secret', { room, token: await sign({ room, role: 'both', exp: now() + 60 }, { secret: randomBytes(32).toString('hex') }) }, /signature does not match/],
    ['alg: none', { room, token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ room, role: 'both', exp: now() + 60 })}.` }, /not signed HS256/],
    ['HS512 with the right secret', { room, token: await sign({ room, role: 'both', exp: now() + 60 }, { alg: 'HS512' }) }, /not signed HS256/],
    ['no exp', { room, token: await sign({ room, role: 'both' }) }, /no exp claim/],
    ['exp not a number', { room, token: await sign({ room, role: 'both', exp: 'tomorrow' }) }, /exp claim is not valid/],
    ['no role', { room, token: await sign({ room, exp: now() + 60 }) }, /no role claim/],
    ['an unknown role', { room, token: await sign({ room, role: 'admin', exp: now() + 60 }) }, /role must be one of caller, answerer, both/],
    ['no room', { room, token: await sign({ role: 'both', exp: now() + 60 }) }, /no room claim/],
    ['a room claim that is no room', { room, token: await sign({ room: 'a b', role: 'both', exp: now() + 60 }) }, /not a room name/],
    ['a name that is not a string', { room, token: await sign({ room, role: 'both', name: 7, exp: now() + 60 }) }, /name claim must be a string/],
  ];
  for (const [what, auth, reason] of cases) {
    const e = await refused(t, relay.url, auth);
    assert.equal(e.code, 'unauthorized', what);
    assert.match(e.message, /^token refused: |token must be a string/, what);
    assert.match(e.message, reason, what);
  }
  // The handshake's room defaults like any other: a token for `lobby` admits a client naming no room.
  await admitted(t, relay.url, { token: await valid('lobby', 'both') });
  await admitted(t, relay.url, { room, token: good });
  const stats = relay.app.relay.stats.refused;
  assert.equal(stats.unauthorized, cases.length, 'each refusal is counted');
});

test('a room prefix admits the rooms that start with it; * admits every room', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const token = await valid('support-*', 'answerer');
  await admitted(t, relay.url, { room: 'support-42', token });
  await admitted(t, relay.url, { room: 'support-', token });
  assert.equal((await refused(t, relay.url, { room: 'sales-1', token })).code, 'unauthorized');
  assert.equal((await refused(t, relay.url, { room: 'support', token })).code, 'unauthorized');
  const any = await valid('*', 'caller');
  await admitted(t, relay.url, { room: 'sales-1', token: any });
  await admitted(t, relay.url, { token: any });
});

/** A desk (answerer), a visitor (caller) and someone with both roles, in one room of a relay with tokens. */
async function office(t: TestContext) {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = uniqueRoom('office');
  const desk = await admitted(t, relay.url, { room, name: 'not me', token: await valid(room, 'answerer', 'Front desk') }, 'desk');
  const visitor = await admitted(t, relay.url, { room, name: 'The Boss', incoming: true, token: await valid(room, 'caller', 'Ann') }, 'visitor');
  return { relay, room, desk, visitor };
}

test('a caller is never rung, and its name is the token’s', async (t) => {
  const { relay, room, desk, visitor } = await office(t);
  // Presence counts who takes calls: the desk; the caller asked for incoming but its role takes none.
  await desk.waitFor('presence 1/0', (x) => x.presence.at(-1)?.available === 1 && x.presence.at(-1)?.busy === 0);
  const both = await admitted(t, relay.url, { room, token: await valid(room, 'both', 'Bea') }, 'both');
  await desk.waitFor('presence 2/0', (x) => x.presence.at(-1)?.available === 2);

  both.send({ type: 'ready', call: 'call-from-bea', kind: 'voice' });
  await both.waitFor('ringing', (x) => x.ringing.length === 1);
  assert.deepEqual(both.ringing[0], { call: 'call-from-bea', count: 1 }, 'only the desk is rung, not the caller');
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  both.send({ type: 'cancel', call: 'call-from-bea' });
  await desk.waitFor('the cancel', (x) => received(x, 'cancel').length === 1);

  visitor.send({ type: 'ready', call: 'call-from-ann', name: 'Forged' });
  await desk.waitFor('the second ring', (x) => received(x, 'ready').length === 2);
  const ring = received(desk, 'ready')[1]!;
  assert.equal(ring.name, 'Ann', 'the name is the token’s, not the handshake’s nor the message’s');
  assert.equal(ring.from, visitor.id);
  await sleep(50);
  assert.equal(received(visitor, 'ready').length, 0, 'the caller heard no ring');
  assert.equal(received(both, 'ready').length, 1, 'Bea (both) was rung by Ann');
});

test('a caller cannot accept or decline (forbidden); an answerer cannot place a call (forbidden)', async (t) => {
  const { relay, room, desk, visitor } = await office(t);
  const both = await admitted(t, relay.url, { room, token: await valid(room, 'both', 'Bea') }, 'both');
  both.send({ type: 'ready', call: 'c1', to: desk.id });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);

  visitor.send({ type: 'accept', call: 'c1' });
  visitor.send({ type: 'decline', call: 'c1' });
  await visitor.waitFor('two refusals', (x) => x.errors.length === 2);
  assert.deepEqual(visitor.errors.map((e) => [e.code, e.type, e.call]), [['forbidden', 'accept', 'c1'], ['forbidden', 'decline', 'c1']]);
  assert.match(visitor.errors[0]!.message, /role \(caller\) does not take calls/);

  desk.send({ type: 'ready', call: 'c2' });
  await desk.waitFor('a refusal', (x) => x.errors.length === 1);
  assert.deepEqual([desk.errors[0]!.code, desk.errors[0]!.type, desk.errors[0]!.call], ['forbidden', 'ready', 'c2']);
  assert.match(desk.errors[0]!.message, /role \(answerer\) does not place calls/);

  // Nothing of that reached anyone; the desk still answers.
  desk.send({ type: 'accept', call: 'c1' });
  await both.waitFor('bound', (x) => x.bound.length === 1);
  assert.equal(both.bound[0]!.peer, desk.id);
  assert.equal(received(both, 'accept').length + received(both, 'decline').length, 0);
  assert.equal(relay.app.relay.stats.refused.forbidden, 3);
});

test('a version-1 client with an answerer token cannot place a call with its ready', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = uniqueRoom('v1');
  const desk = await connectClient(t, relay.url, { auth: { room, token: await valid(room, 'answerer') } }, 'v1 desk');
  const other = await connectClient(t, relay.url, { auth: { room, token: await valid(room, 'both') } }, 'v1 other');
  desk.send({ type: 'ready' });
  await desk.waitFor('forbidden', (x) => x.errors.length === 1);
  assert.equal(desk.errors[0]!.code, 'forbidden');
  // Rung, its ready answers (what a v1 client does).
  other.send({ type: 'ready' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk.send({ type: 'ready' });
  await other.waitFor('the answer', (x) => received(x, 'ready').length === 1);
  assert.equal(desk.errors.length, 1);
});

test('expiry: a token that expires during a call ends nothing; a rejoin of that call may present it expired, nothing else may', async (t) => {
  const { relay, room, desk } = await office(t);
  // Expires (with the clock tolerance) in about 2 s.
  const short = await sign({ room, role: 'caller', name: 'Ann', exp: now() - TOKEN_CLOCK_TOLERANCE_S + 2 });
  const caller = await admitted(t, relay.url, { room, token: short }, 'caller');
  caller.send({ type: 'ready', call: 'long-call' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk.send({ type: 'accept', call: 'long-call' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  const { key } = caller.bound[0]!;
  const check = await checkToken(short, room, tokenKey(SECRET), Date.now() + 3000);
  assert.equal(check.ok, false);
  await sleep(3000);
  assert.equal((await checkToken(short, room, tokenKey(SECRET))).ok, false, 'the token has expired now');

  caller.send({ type: 'offer', sdp: 'v=0\r\n' });
  await desk.waitFor('the offer after expiry', (x) => received(x, 'offer').length === 1);
  assert.ok(caller.socket.connected, 'still connected');

  // Its link drops; it comes back with the expired token and the call's key.
  caller.close();
  await desk.waitFor('peer-left', (x) => x.left.includes(caller.id));
  const back = await admitted(t, relay.url, { room, token: short, call: 'long-call', key }, 'caller again');
  assert.deepEqual(back.info?.bound, { call: 'long-call', peer: desk.id, key: back.info?.bound?.key });
  assert.notEqual(back.info?.bound?.key, key, 'a new key: the one it presented is spent');
  back.send({ type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' });
  await desk.waitFor('its candidate', (x) => received(x, 'candidate').length === 1);
  // Admitted only for that call: it places no other.
  back.send({ type: 'bye' });
  await desk.waitFor('bye', (x) => received(x, 'bye').length === 1);
  back.send({ type: 'ready', call: 'another-call' });
  await back.waitFor('forbidden', (x) => x.errors.some((e) => e.code === 'forbidden'));

  // Without call + key, or with a key that is not the call's: refused.
  assert.match((await refused(t, relay.url, { room, token: short })).message, /has expired/);
  const desk2 = await admitted(t, relay.url, { room, token: await valid(room, 'answerer') }, 'desk 2');
  const visitor2 = await admitted(t, relay.url, { room, token: await valid(room, 'caller') }, 'visitor 2');
  visitor2.send({ type: 'ready', call: 'second', to: desk2.id });
  await desk2.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk2.send({ type: 'accept', call: 'second' });
  await visitor2.waitFor('bound', (x) => x.bound.length === 1);
  const wrongKey = await refused(t, relay.url, { room, token: short, call: 'second', key: 'not-the-key' });
  assert.equal(wrongKey.code, 'unauthorized');
  assert.match(wrongKey.message, /has expired.*cannot be rejoined/);
});

test('an expired token with a call and key this relay never minted is unauthorized at the handshake: 50 of them get no seat', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = uniqueRoom('squat');
  // Expired 200 days ago, and 2 minutes ago (inside the grace window): with an invented call and key, neither gets in.
  const old = await sign({ room, role: 'both', exp: now() - 200 * 86400 });
  const recent = await sign({ room, role: 'both', exp: now() - 120 });
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => refused(t, relay.url, { room, token: i % 2 ? old : recent, call: `invented-${i}`, key: `made-up-key-${i}` })),
  );
  assert.deepEqual(new Set(outcomes.map((o) => o.code)), new Set(['unauthorized']));
  assert.match(outcomes[0]!.message, /has expired \(and call invented-0 cannot be rejoined with it\)/);
  assert.match(outcomes[1]!.message, /has expired more than 1 h ago/);
  // A key of the right shape for a call nobody made is no better.
  const shaped = await refused(t, relay.url, { room, token: recent, call: 'invented', key: `c0-${'A'.repeat(32)}` });
  assert.match(shaped.message, /cannot be rejoined/);
  const desk = await admitted(t, relay.url, { room, token: await valid(room, 'answerer') }, 'desk');
  assert.deepEqual(desk.info?.peers, [], 'nobody took a seat');
  assert.deepEqual(desk.info?.presence, { available: 1, busy: 0 });
});

test('an expired token rejoins its call with the call’s current key within the grace window (1 h past exp), not after; a spent key is refused', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = uniqueRoom('grace');
  const desk = await admitted(t, relay.url, { room, token: await valid(room, 'answerer') }, 'desk');
  const caller = await admitted(t, relay.url, { room, token: await valid(room, 'caller') }, 'caller');
  caller.send({ type: 'ready', call: 'c1' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  desk.send({ type: 'accept', call: 'c1' });
  await caller.waitFor('bound', (x) => x.bound.length === 1);
  const { key } = caller.bound[0]!;
  caller.close();
  await desk.waitFor('peer-left', (x) => x.left.includes(caller.id));
  // The same person's token, expired two hours ago: past the grace window, even with the real key.
  const tooOld = await refused(t, relay.url, { room, token: await sign({ room, role: 'caller', exp: now() - 7200 }), call: 'c1', key });
  assert.equal(tooOld.code, 'unauthorized');
  assert.match(tooOld.message, /has expired more than 1 h ago/);
  // Expired two minutes ago: it rejoins, as role rejoin, and its socket carries the token's exp.
  const exp = now() - 120;
  const back = await admitted(t, relay.url, { room, token: await sign({ room, role: 'caller', exp }), call: 'c1', key }, 'caller again');
  assert.equal(back.info?.bound?.peer, desk.id);
  const data = relay.app.io.of('/').sockets.get(back.id)?.data;
  assert.equal(data?.tokenExp, exp * 1000);
  assert.equal(data?.role, 'rejoin');
  await desk.waitFor('bound to the new socket', (x) => x.bound.length === 2);
  // It leaves again: the key it came back with is spent, only the new one opens the call.
  back.close();
  await desk.waitFor('peer-left', (x) => x.left.includes(back.id));
  const spent = await refused(t, relay.url, { room, token: await sign({ room, role: 'caller', exp }), call: 'c1', key });
  assert.match(spent.message, /cannot be rejoined/);
  const again = await admitted(t, relay.url, { room, token: await sign({ room, role: 'caller', exp }), call: 'c1', key: back.info!.bound!.key }, 'caller once more');
  assert.equal(again.info?.bound?.peer, desk.id);
  // The desk's own key (the other side) does not open the caller's place, and a valid token's socket carries its exp too.
  assert.equal(relay.app.io.of('/').sockets.get(desk.id)?.data.tokenExp !== undefined, true);
});

test('MAX_TOKEN_TTL: a token whose exp is further from now than it is refused at the handshake (a 10-year exp among them)', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const room = uniqueRoom('ttl');
  const decade = await refused(t, relay.url, { room, token: await sign({ room, role: 'both', exp: now() + 10 * 365 * 86400 }) });
  assert.equal(decade.code, 'unauthorized');
  assert.equal(decade.message, 'token refused: its exp is more than 24 h from now (MAX_TOKEN_TTL)');
  await refused(t, relay.url, { room, token: await sign({ room, role: 'both', exp: now() + 86400 + 3600 }) });
  const day = await admitted(t, relay.url, { room, token: await sign({ room, role: 'both', exp: now() + 86400 - 60 }) }, 'a day');
  assert.ok(day.info);
  const hour = await startRelay(t, { tokenSecret: SECRET, maxTokenTtl: 3600 });
  assert.match((await refused(t, hour.url, { room, token: await valid(room, 'both', '', 7200) })).message, /more than 1 h from now/);
  const exp = now() + 3000;
  const ok = await admitted(t, hour.url, { room, token: await sign({ room, role: 'both', exp }) }, 'within an hour');
  assert.equal(hour.app.io.of('/').sockets.get(ok.id)?.data.tokenExp, exp * 1000, 'socket.data.tokenExp: the token’s exp in ms');
  // An open relay reads no token: no exp.
  const open = await startRelay(t);
  const anyone = await admitted(t, open.url, { room, token: await valid(room, 'both') }, 'open relay');
  assert.equal(open.app.io.of('/').sockets.get(anyone.id)?.data.tokenExp, undefined);
});

test('without TOKEN_SECRET the relay is open: no token needed, the handshake name is used', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('open');
  const desk = await admitted(t, relay.url, { room }, 'desk');
  const visitor = await admitted(t, relay.url, { room, name: 'Ann', incoming: false, token: 'anything' }, 'visitor');
  visitor.send({ type: 'ready', call: 'c' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').length === 1);
  assert.equal(received(desk, 'ready')[0]!.name, 'Ann');
});

test('authorize(token, room) still runs, after the token check', async (t) => {
  const seen: string[] = [];
  const relay = await startRelay(t, {
    tokenSecret: SECRET,
    authorize: (token, room) => {
      seen.push(room);
      return room !== 'closed' && typeof token === 'string';
    },
  });
  await admitted(t, relay.url, { room: 'open', token: await valid('*', 'both') });
  assert.equal((await refused(t, relay.url, { room: 'closed', token: await valid('*', 'both') })).message, 'not authorized for room closed');
  await refused(t, relay.url, { room: 'open', token: 'bad' });
  assert.deepEqual(seen, ['open', 'closed'], 'a token refused never reaches authorize');
});

test('the CLI’s mintToken makes what the relay accepts', async (t) => {
  const relay = await startRelay(t, { tokenSecret: SECRET });
  const token = await mintToken(SECRET, { room: 'desk-*', role: 'answerer', name: 'Ann', ttl: 60 });
  const c = await admitted(t, relay.url, { room: 'desk-1', token });
  assert.equal(c.info?.room, 'desk-1');
  const check = await checkToken(token, 'desk-1', tokenKey(SECRET));
  assert.ok(check.ok);
  assert.deepEqual({ ...check.claims, exp: 0 }, { room: 'desk-*', role: 'answerer', name: 'Ann', exp: 0 });
});

test('the FakeRelay follows the same role rules', async () => {
  const relay = new FakeRelay();
  const grants: Record<string, { role: TokenRole; name: string }> = { desk: { role: 'answerer', name: 'Desk' }, ann: { role: 'caller', name: 'Ann' }, bea: { role: 'both', name: 'Bea' } };
  relay.tokens = (token) => (token && grants[token]) || null;
  const desk = relay.join({ room: 'r', protocol: 2, token: 'desk' });
  const ann = relay.join({ room: 'r', protocol: 2, token: 'ann', name: 'Forged' });
  const bea = relay.join({ room: 'r', protocol: 2, token: 'bea' });
  const nobody = relay.join({ room: 'r', protocol: 2, token: 'nope' });
  await settle();
  assert.ok(!relay.members.some((m) => m.id === nobody.id && m.open), 'an unknown token is refused');
  bea.send({ type: 'ready', call: 'c1' });
  await settle();
  assert.deepEqual(bea.ringing, [{ call: 'c1', count: 1 }], 'the caller is not rung');
  assert.equal(desk.received.filter((r) => r.m.type === 'ready').length, 1);
  ann.send({ type: 'accept', call: 'c1' });
  desk.send({ type: 'ready', call: 'c2' });
  await settle();
  assert.deepEqual(ann.errors.map((e) => e.code), ['forbidden']);
  assert.deepEqual(desk.errors.map((e) => e.code), ['forbidden']);
  ann.send({ type: 'ready', call: 'c3', to: desk.id });
  await settle();
  // Desk is still rung by c1 (idle): c3 rings it too, with the token's name.
  assert.equal(desk.received.find((r) => r.m.call === 'c3')?.m.name, 'Ann');
});

test('the role rules as pure functions: route() and profileOf() for every role', () => {
  const roles: Array<Role | undefined> = [undefined, 'caller', 'answerer', 'both', 'rejoin'];
  const verdict = (role: Role | undefined, m: SignalMessage, v: 1 | 2 = 2, call?: Sender['call']): string => {
    const r = route({ id: 'me', v, role, ...(call ? { call } : {}) }, m);
    return r.do === 'refuse' ? r.refusal.code : r.do === 'v1' && r.noCall ? `v1:${r.noCall.code}` : r.do;
  };
  const table = roles.map((role) => [
    role ?? 'none',
    verdict(role, { type: 'ready', call: 'c' }),
    verdict(role, { type: 'accept', call: 'c' }),
    verdict(role, { type: 'decline', call: 'c' }),
    verdict(role, { type: 'cancel', call: 'c' }),
    verdict(role, { type: 'ready' }, 1),
    // Inside a bound call every role talks to its peer.
    verdict(role, { type: 'offer', sdp: 'v=0' }, 2, { id: 'c', state: 'bound', peer: 'p' }),
    verdict(role, { type: 'ready', call: 'c' }, 2, { id: 'c', state: 'bound', peer: 'p' }),
  ]);
  assert.deepEqual(table, [
    ['none', 'request', 'accept', 'decline', 'cancel', 'v1', 'peer', 'peer'],
    ['caller', 'request', 'forbidden', 'forbidden', 'cancel', 'v1', 'peer', 'peer'],
    ['answerer', 'forbidden', 'accept', 'decline', 'cancel', 'v1:forbidden', 'peer', 'peer'],
    ['both', 'request', 'accept', 'decline', 'cancel', 'v1', 'peer', 'peer'],
    ['rejoin', 'forbidden', 'forbidden', 'forbidden', 'cancel', 'v1:forbidden', 'peer', 'peer'],
  ]);
  // Who is rung (incoming) and whose name is shown.
  const auth = { protocol: 2, incoming: true, name: 'Chosen by the page' };
  assert.deepEqual(profileOf(auth), { v: 2, incoming: true, name: 'Chosen by the page' });
  assert.deepEqual(profileOf(auth, { role: 'caller', name: ' Ann\u0007 ' }), { v: 2, incoming: false, name: 'Ann', role: 'caller' });
  assert.deepEqual(profileOf(auth, { role: 'answerer', name: '' }), { v: 2, incoming: true, name: '', role: 'answerer' });
  assert.deepEqual(profileOf({ ...auth, incoming: false }, { role: 'both', name: 'Bea' }), { v: 2, incoming: false, name: 'Bea', role: 'both' });
  assert.equal(profileOf({ protocol: 2, call: 'c', key: 'k' }, { role: 'rejoin', name: '' }).incoming, false);
  assert.deepEqual(profileOf({}, { role: 'caller', name: 'V1' }), { v: 1, incoming: false, name: 'V1', role: 'caller' });
  assert.ok(mayCall(undefined) && mayAnswer(undefined), 'no tokens: anything');
});
