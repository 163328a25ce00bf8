/**
 * The connection limits: the pure pieces (limits.ts, limits/address.ts) driven by a clock, the
 * options that set them, and each refusal as a real client over TCP on 127.0.0.x sees it:
 * too-many (told, then bare), TRUST_PROXY, ICE servers over the socket with their budget,
 * unknown events, and slow-consumer for a socket that keeps sending past its rate limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManagerOptions } from 'socket.io-client';
import type { ClientIdPayload, IceConfig } from '../../src/protocol/index.js';
import { AddressBook, Outbox, PACKET_OVERHEAD, Strikes, TokenBucket } from '../../server/limits/limits.js';
import { addressKey, clientAddress, normaliseAddress, parseTrustProxy, TRUST_NOBODY } from '../../server/limits/address.js';
import { ConfigError, optionsFromEnv, resolveOptions } from '../../server/config/options.js';
import { turnPassword } from '../../server/tokens/turn.js';
import { connectClient, openClient, relayApp, startRelay, v2Client, type TestClient } from './support.js';
import { sleep } from '../support/wait.js';

/** Client options that connect from another loopback address (engine.io-client passes localAddress to its WebSocket; its types do not list it). */
const from = (localAddress: string): Partial<ManagerOptions> => ({ localAddress }) as unknown as Partial<ManagerOptions>;

// ---------- pure pieces ----------

test('TokenBucket: a burst, then the rate; never above the burst', () => {
  const b = new TokenBucket(2, 3, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.take(400), false, '0.8 of a token after 400 ms');
  assert.equal(b.take(500), true, 'one token after 500 ms at 2/s');
  assert.equal(b.full(10_000), true);
  assert.deepEqual([b.take(10_000), b.take(10_000), b.take(10_000), b.take(10_000)], [true, true, true, false], 'refilled to the burst only');
});

test('Strikes: the limit-th within the window counts, spread-out ones do not', () => {
  const s = new Strikes(3, 1000);
  assert.deepEqual([s.hit(0), s.hit(100), s.hit(200)], [false, false, true]);
  const spread = new Strikes(3, 1000);
  assert.deepEqual([spread.hit(0), spread.hit(600), spread.hit(1200), spread.hit(1800)], [false, false, false, false], 'never 3 within 1 s');
  assert.equal(spread.hit(1900), true, '1200, 1800, 1900');
  const one = new Strikes(1, 1000);
  assert.equal(one.hit(5), true);
});

test('Outbox: queued bytes plus the transport\'s, every packet at least PACKET_OVERHEAD; a flush empties the queue', () => {
  const o = new Outbox(1000);
  assert.equal(o.add(500, 0), false);
  assert.equal(o.add(400, 0), false);
  assert.equal(o.add(10, 50), true, `500 + 400 + ${PACKET_OVERHEAD} + 50 in the transport > 1000`);
  o.flushed();
  assert.equal(o.add(10, 900), false, `${PACKET_OVERHEAD} + 900`);
  assert.equal(o.add(10, 900), true);
  const tiny = new Outbox(PACKET_OVERHEAD * 10);
  const results = Array.from({ length: 11 }, () => tiny.add(0, 0));
  assert.equal(results.indexOf(true), 10, 'eleven empty packets are over ten overheads');
});

test('AddressBook: sockets per address, handshakes per second, the relay\'s cap, told then bare, mints, and forgetting', () => {
  const book = new AddressBook({ maxSocketsPerAddress: 3, handshakesPerSecond: 1, maxSockets: 5, mintsPerMinute: 60 });
  const a = '192.0.2.1';
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(book.admit(a, i, 0), { ok: true });
    book.opened(a, 0);
  }
  const full = book.admit(a, 3, 0);
  assert.ok(!full.ok && /maximum of 3 sockets/.test(full.message) && full.tell);
  book.closed(a, 0);
  const rate = book.admit(a, 2, 0);
  assert.ok(!rate.ok && /more than 1 new sockets per second/.test(rate.message), 'a socket is free but the burst of 3 is spent');
  assert.deepEqual(book.admit(a, 2, 1000), { ok: true }, 'a second later');
  book.opened(a, 1000);
  // The relay's own cap, whoever asks.
  const cap = book.admit('192.0.2.2', 5, 1000);
  assert.ok(!cap.ok && /this relay holds its maximum of 5/.test(cap.message));
  // Refusals are told 5 times in a burst, then one per 5 s.
  const b = '192.0.2.3';
  const told = Array.from({ length: 8 }, () => book.admit(b, 5, 2000)).map((x) => !x.ok && x.tell);
  assert.deepEqual(told, [true, true, true, true, true, false, false, false]);
  assert.equal((book.admit(b, 5, 7000) as { tell: boolean }).tell, true, 'one more after 5 s');
  // Mints: a burst of max(sockets per address, per minute) = 60, then one a second.
  const m = '192.0.2.4';
  const mints = Array.from({ length: 61 }, () => book.mint(m, 0));
  assert.equal(mints.filter(Boolean).length, 60);
  assert.equal(book.mint(m, 1000), true);
  // An address with no socket is forgotten once its buckets are full again; one holding sockets never.
  assert.equal(book.sockets(a), 3);
  book.sweep(10_000);
  assert.ok(book.size >= 2, 'not yet: the notices refill over 25 s, the mints over 60 s');
  book.sweep(100_000);
  assert.equal(book.size, 1, 'only the address that holds sockets is left');
  assert.equal(book.sockets(a), 3);
});

test('client addresses: normalised, TRUST_PROXY read right to left, IPv6 counted per /64', () => {
  assert.equal(normaliseAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normaliseAddress('FE80::1%eth0'), 'fe80::1');
  assert.equal(normaliseAddress('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(normaliseAddress('203.0.113.9:5000'), '203.0.113.9');
  assert.equal(normaliseAddress('unknown'), '');
  const loop = parseTrustProxy(['loopback']);
  assert.ok(loop('127.0.0.1') && loop('127.9.9.9') && loop('::1') && !loop('10.0.0.1') && !loop(''));
  const cidrs = parseTrustProxy(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  assert.ok(cidrs('10.200.0.1') && cidrs('fd12::5') && cidrs('192.0.2.7') && !cidrs('192.0.2.8') && !cidrs('fe80::1'));
  for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.0/8/1', '::/129', 'lo'])
    assert.throws(() => parseTrustProxy([bad]), new RegExp(bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));

  // Untrusted peer: its X-Forwarded-For is nobody's word.
  assert.equal(clientAddress('203.0.113.5', '198.51.100.1', TRUST_NOBODY), '203.0.113.5');
  assert.equal(clientAddress('203.0.113.5', '198.51.100.1', loop), '203.0.113.5');
  // A trusted proxy: the rightmost entry it added, not what the client wrote on the left.
  assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.1', loop), '198.51.100.1');
  assert.equal(clientAddress('::ffff:127.0.0.1', ['6.6.6.6', '198.51.100.1'], loop), '198.51.100.1', 'repeated headers');
  // Two proxies in a row (a CDN, then nginx on loopback).
  const both = parseTrustProxy(['loopback', '10.0.0.0/8']);
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 10.1.2.3', both), '198.51.100.1');
  assert.equal(clientAddress('127.0.0.1', '10.1.2.3', both), '10.1.2.3', 'all trusted: the last one');
  // Nonsense from a trusted proxy stops the walk at that proxy.
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1, not-an-ip', loop), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', '', loop), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', undefined, loop), '127.0.0.1');

  assert.equal(addressKey('198.51.100.1'), '198.51.100.1');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64', 'the same /64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
});

test('options: the limits from env and code, TURN_TTL an hour by default, /ice-servers off where tokens are required', () => {
  const d = resolveOptions();
  assert.deepEqual(
    [d.maxSocketsPerAddress, d.handshakesPerSecond, d.maxSockets, d.trustProxy, d.publicIceServers, d.maxBufferedBytes, d.rateLimitStrikes],
    [100, 20, 10_000, [], true, 1024 * 1024, { count: 20, windowMs: 10_000 }],
  );
  assert.equal(optionsFromEnv({ TURN_URLS: 'turn:t:3478', TURN_SECRET: 'x' }).turn?.ttl, 3600);
  const env = optionsFromEnv({ MAX_SOCKETS_PER_ADDRESS: '7', HANDSHAKES_PER_SECOND: '3', MAX_SOCKETS: '900', TRUST_PROXY: 'loopback, 10.0.0.0/8', PUBLIC_ICE_SERVERS: 'off' });
  assert.deepEqual([env.maxSocketsPerAddress, env.handshakesPerSecond, env.maxSockets, env.trustProxy, env.publicIceServers], [7, 3, 900, ['loopback', '10.0.0.0/8'], false]);
  const secret = 'a'.repeat(40);
  assert.equal(resolveOptions({ tokenSecret: secret }).publicIceServers, false, 'tokens required: off');
  assert.equal(resolveOptions({ tokenSecret: secret, publicIceServers: true }).publicIceServers, true);
  assert.equal(optionsFromEnv({ TOKEN_SECRET: secret, PUBLIC_ICE_SERVERS: 'on' }).publicIceServers, true);
  assert.throws(() => optionsFromEnv({ MAX_SOCKETS: '0' }), /^ConfigError: MAX_SOCKETS="0" is not valid/);
  assert.throws(() => optionsFromEnv({ HANDSHAKES_PER_SECOND: 'lots' }), /HANDSHAKES_PER_SECOND="lots" is not valid/);
  assert.throws(() => optionsFromEnv({ TRUST_PROXY: 'nginx' }), /TRUST_PROXY="nginx" is not valid: expected comma-separated addresses, CIDRs or loopback/);
  assert.throws(() => optionsFromEnv({ PUBLIC_ICE_SERVERS: 'yes' }), /PUBLIC_ICE_SERVERS="yes" is not valid: expected on or off/);
  assert.throws(() => resolveOptions({ trustProxy: ['10.0.0.0/40'] }), ConfigError);
  assert.throws(() => resolveOptions({ maxBufferedBytes: 1000 }), ConfigError);
});

// ---------- real clients ----------

type Refused = Error & { data?: { code?: string; message?: string } };

/** Opens a client from `localAddress` and waits until it connects or is refused. */
async function attempt(t: Parameters<typeof openClient>[0], url: string, name: string, opts: Parameters<typeof openClient>[2] = {}): Promise<TestClient> {
  const c = openClient(t, url, opts, name);
  await c.waitFor('connected or refused', (x) => x.info !== undefined || x.connectError !== undefined);
  return c;
}

test('too-many: sockets per address (told with the code, then a bare refusal), another address still gets in, and the relay\'s cap', async (t) => {
  const relay = await startRelay(t, { maxSocketsPerAddress: 3, maxSockets: 6 });
  for (let i = 0; i < 3; i++) await connectClient(t, relay.url, {}, `held ${i}`);
  const refused: (Refused | undefined)[] = [];
  for (let i = 0; i < 7; i++) refused.push((await attempt(t, relay.url, `over ${i}`)).connectError as Refused | undefined);
  const codes = refused.map((e) => e?.data?.code ?? e?.message);
  assert.deepEqual(codes.slice(0, 5), Array(5).fill('too-many'), 'the first five are told');
  assert.match(refused[0]!.data!.message!, /your address holds its maximum of 3 sockets/);
  assert.ok(codes.slice(5).every((c) => c === 'websocket error'), `then a bare HTTP refusal: ${codes.join(', ')}`);
  assert.equal(relay.app.relay.stats.refused['too-many'], 7);
  assert.equal(relay.app.io.of('/').sockets.size, 3);
  // Another address is not the first one's business.
  for (let i = 0; i < 3; i++) await connectClient(t, relay.url, from('127.0.0.2'), `other ${i}`);
  // The relay's cap (6): a third address is refused too.
  const capped = await attempt(t, relay.url, 'third address', from('127.0.0.3'));
  assert.equal((capped.connectError as Refused | undefined)?.data?.code, 'too-many');
  assert.match((capped.connectError as Refused).data!.message!, /this relay holds its maximum of 6 sockets/);
});

test('too-many: handshakes per second per address, sockets closed or not', async (t) => {
  const relay = await startRelay(t, { maxSocketsPerAddress: 4, handshakesPerSecond: 2 });
  // The burst is maxSocketsPerAddress: four at once, each closed right away.
  for (let i = 0; i < 4; i++) (await connectClient(t, relay.url, {}, `quick ${i}`)).close();
  const fifth = await attempt(t, relay.url, 'fifth');
  assert.equal((fifth.connectError as Refused | undefined)?.data?.code, 'too-many');
  assert.match((fifth.connectError as Refused).data!.message!, /more than 2 new sockets per second from your address/);
  await sleep(600);
  await connectClient(t, relay.url, {}, 'after half a second');
});

test('TRUST_PROXY: X-Forwarded-For counts clients behind a trusted proxy apart, and is ignored from anyone else', async (t) => {
  const behind = await startRelay(t, { maxSocketsPerAddress: 1, trustProxy: ['loopback'] });
  const xff = (a: string) => ({ extraHeaders: { 'x-forwarded-for': `6.6.6.6, ${a}` } });
  await connectClient(t, behind.url, xff('198.51.100.1'), 'client 1 via proxy');
  await connectClient(t, behind.url, xff('198.51.100.2'), 'client 2 via proxy');
  const again = await attempt(t, behind.url, 'client 1 again', xff('198.51.100.1'));
  assert.equal((again.connectError as Refused | undefined)?.data?.code, 'too-many', 'the same client address twice');
  const direct = await startRelay(t, { maxSocketsPerAddress: 1, trustProxy: ['10.0.0.0/8'] });
  await connectClient(t, direct.url, xff('198.51.100.1'), 'first');
  const spoofed = await attempt(t, direct.url, 'another forwarded-for, same peer', xff('198.51.100.2'));
  assert.equal((spoofed.connectError as Refused | undefined)?.data?.code, 'too-many', '127.0.0.1 is no trusted proxy here');
});

const turn = { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'limits-test-secret', ttl: 600 };

/** The TURN entry of a configuration, checked as coturn would (HMAC of the username). */
function turnEntry(cfg: IceConfig | undefined): { expiry: number; session: string } {
  const e = cfg?.iceServers.find((s) => s.username !== undefined);
  assert.ok(e?.username && e.credential, `a TURN entry: ${JSON.stringify(cfg)}`);
  assert.equal(e.credential, turnPassword(turn.secret, e.username));
  const [expiry, session] = e.username.split(':');
  return { expiry: Number(expiry), session: session! };
}

test('ICE servers over the socket: client-id carries them for v2, `ice` answers with the same session (the address\'s), minting is limited per socket', async (t) => {
  const relay = await startRelay(t, { turn, stunUrls: ['stun:127.0.0.1:3478'], iceMintsPerMinute: { socket: 3, address: 100 } });
  const before = Math.floor(Date.now() / 1000);
  const a = await v2Client(t, relay.url, 'ice-room', 'A');
  const first = turnEntry(a.info?.ice);
  assert.ok(first.expiry >= before + 600 && first.expiry <= before + 602, 'expiry = now + ttl');
  assert.match(first.session, /^[A-Za-z0-9_-]{16}$/);
  assert.deepEqual(a.info?.ice?.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
  const answers: IceConfig[] = [];
  a.socket.on('ice', (cfg) => answers.push(cfg));
  a.socket.emit('ice');
  a.socket.emit('ice');
  await a.waitFor('two answers', () => answers.length === 2);
  assert.ok(answers.every((cfg) => turnEntry(cfg).session === first.session), 'every credential of a socket names its session');
  a.socket.emit('ice');
  await a.waitFor('rate-limited', (x) => x.errors.length === 1);
  assert.deepEqual(a.errors.map((e) => [e.code, e.type]), [['rate-limited', 'ice']]);
  assert.equal(answers.length, 2);

  const b = await v2Client(t, relay.url, 'ice-room', 'B');
  assert.equal(turnEntry(b.info?.ice).session, first.session, 'another socket of the same address (no token): the same session');
  const c = await connectClient(t, relay.url, { ...from('127.0.0.2'), auth: { room: 'ice-room', protocol: 2 } }, 'C');
  assert.notEqual(turnEntry(c.info?.ice).session, first.session, 'another address, another session');
  const tutorial = await connectClient(t, relay.url, { auth: { room: 'ice-room' } }, 'v1');
  assert.equal((tutorial.info as ClientIdPayload).ice, undefined, 'a v1 client-id as before');
});

test('ICE over the socket: the address budget is shared by its sockets', async (t) => {
  const relay = await startRelay(t, { turn, maxSocketsPerAddress: 2, iceMintsPerMinute: { socket: 10, address: 3 } });
  const a = await v2Client(t, relay.url, 'budget', 'A');
  const b = await v2Client(t, relay.url, 'budget', 'B');
  assert.ok(a.info?.ice && b.info?.ice, 'two mints in client-id');
  const got: string[] = [];
  a.socket.on('ice', () => got.push('a'));
  b.socket.on('ice', () => got.push('b'));
  a.socket.emit('ice');
  await a.waitFor('the third mint', () => got.length === 1);
  b.socket.emit('ice');
  await b.waitFor('refused: the address spent its 3', (x) => x.errors.length === 1);
  assert.equal(b.errors[0]?.code, 'rate-limited');
});

test('GET /ice-servers: off where tokens are required unless PUBLIC_ICE_SERVERS=on, and limited per address', async (t) => {
  const tokenSecret = 'limits-test-token-secret-0123456789abcdef';
  const closed = await relayApp(t, { turn, tokenSecret });
  const off = await closed.inject({ url: '/ice-servers' });
  assert.equal(off.statusCode, 403);
  assert.match(off.json<{ message: string }>().message, /off on this relay.*client-id.*PUBLIC_ICE_SERVERS=on/);
  assert.ok(!off.body.includes('username'), 'no credential');
  const opened = await relayApp(t, { turn, tokenSecret, publicIceServers: true });
  assert.equal((await opened.inject({ url: '/ice-servers' })).statusCode, 200);
  const limited = await relayApp(t, { turn, maxSocketsPerAddress: 2, iceMintsPerMinute: { socket: 6, address: 2 } });
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await limited.inject({ url: '/ice-servers' })).statusCode);
  assert.deepEqual(codes, [200, 200, 429]);
  const refused = await limited.inject({ url: '/ice-servers' });
  assert.equal(refused.headers['retry-after'], '30');
  assert.equal(refused.json<{ code: string }>().code, 'rate-limited');
});

test('events other than message and ice: refused bad-message and counted against the rate limit', async (t) => {
  const relay = await startRelay(t, { rateLimit: { perSecond: 1, burst: 3 } });
  const a = await connectClient(t, relay.url, { auth: { room: 'events' } }, 'a');
  const emit = a.socket.emit.bind(a.socket) as (ev: string, ...args: unknown[]) => void;
  emit('hello', { x: 1 });
  emit('error', 'not a reserved event on the server');
  emit('x'.repeat(200));
  emit('another');
  await a.waitFor('four refusals', (x) => x.errors.length === 4);
  assert.deepEqual(a.errors.map((e) => e.code), ['bad-message', 'bad-message', 'bad-message', 'rate-limited']);
  assert.match(a.errors[0]!.message, /unknown event "hello"/);
  assert.ok(a.errors[2]!.message.length < 120, 'a long name is not echoed whole');
  assert.ok(a.socket.connected);
});

test('slow-consumer: a socket that keeps sending past its rate limit hears why, and its link closes', async (t) => {
  const relay = await startRelay(t, { rateLimit: { perSecond: 1, burst: 1 }, rateLimitStrikes: { count: 5, windowMs: 10_000 } });
  const [a, b] = [await connectClient(t, relay.url, { auth: { room: 'strikes' } }, 'a'), await connectClient(t, relay.url, { auth: { room: 'strikes' } }, 'b')];
  for (let i = 0; i < 12; i++) a.send({ type: 'candidate', candidate: `candidate:${i} 1 udp 1 10.0.0.1 9 typ host` });
  await a.waitFor('disconnected', (x) => x.disconnectReason !== undefined);
  assert.deepEqual(a.errors.map((e) => e.code), [...Array(5).fill('rate-limited'), 'slow-consumer']);
  assert.match(a.errors[5]!.message, /more than 5 rate-limited messages in 10 s/);
  assert.equal(a.disconnectReason, 'transport close', 'not fatal: a client reconnects by itself');
  assert.equal(relay.app.relay.stats.refused['slow-consumer'], 1);
  await b.waitFor('peer-left', (x) => x.left.length === 1);
});
