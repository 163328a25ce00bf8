/**
 * Every TURN credential the relay mints is counted and names its caller (issue 19, item 3), over
 * real sockets from 127.0.0.1 and 127.0.0.2: client-id's, `ice`'s and GET /ice-servers' take from
 * one budget per address; the username's session is the token's `sub`, else the address, the
 * same whichever way the credential was minted; and a socket whose token has expired gets none
 * outside its bound call.
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test, type TestContext } from 'node:test';
import { SignJWT } from 'jose';
import type { ManagerOptions } from 'socket.io-client';
import type { IceConfig } from '../../src/protocol/index.js';
import { turnPassword, turnSession, NO_TURN_RETRY_S } from '../../server/tokens/turn.js';
import { sleep, uniqueRoom } from '../support/wait.js';
import { connectClient, received, startRelay, type Relay, type TestClient } from './support.js';

const turn = { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'turn-budget-test-secret', ttl: 600 };
const TOKEN_SECRET = 'turn-budget-test-token-secret-0123456789';
const from = (localAddress: string): Partial<ManagerOptions> => ({ localAddress }) as unknown as Partial<ManagerOptions>;

/** The TURN entry's session (checked as coturn would), or null for a configuration without TURN. */
function sessionOf(cfg: IceConfig | undefined): string | null {
  assert.ok(cfg, 'an ICE configuration');
  const e = cfg.iceServers.find((s) => s.username !== undefined);
  if (!e) return null;
  assert.equal(e.credential, turnPassword(turn.secret, e.username!));
  return e.username!.split(':')[1]!;
}

/** GET /ice-servers over TCP from `localAddress`. */
function fetchIce(relay: Relay, localAddress = '127.0.0.1'): Promise<{ status: number; body: IceConfig }> {
  return new Promise((resolve, reject) => {
    get(`${relay.url}/ice-servers`, { localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as IceConfig }));
    }).on('error', reject);
  });
}

const v2 = (t: TestContext, relay: Relay, room: string, name: string, extra: Record<string, unknown> = {}, address = '127.0.0.1'): Promise<TestClient> =>
  connectClient(t, relay.url, { ...from(address), auth: { room, protocol: 2, name, ...extra } }, `${name}@${address}`);

/** `ice` once; resolves with the answer or the refusal. */
function askIce(c: TestClient): Promise<IceConfig | { code: string; type?: string }> {
  const errors = c.errors.length;
  return new Promise((resolve) => {
    const done = (cfg: IceConfig): void => resolve(cfg);
    c.socket.once('ice', done);
    c.socket.emit('ice');
    void c.waitFor('an ice answer or refusal', (x) => x.errors.length > errors).then(
      () => (c.socket.off('ice', done), resolve(c.errors.at(-1)!)),
      () => undefined,
    );
  });
}

const token = (claims: Record<string, unknown>, exp: number | string = '10m'): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(TOKEN_SECRET));

test('client-id, ice and GET /ice-servers take from one budget per address; past it client-id carries STUN only with a short ttl', async (t) => {
  const relay = await startRelay(t, { turn, stunUrls: ['stun:127.0.0.1:3478'], iceMintsPerMinute: { socket: 6, address: 4 } });
  const room = uniqueRoom('budget');
  const sockets: TestClient[] = [];
  for (let i = 0; i < 3; i++) sockets.push(await v2(t, relay, room, `s${i}`));
  assert.ok(sockets.every((s) => sessionOf(s.info?.ice) !== null), 'three client-ids, three credentials');
  assert.equal((await fetchIce(relay)).status, 200, 'the fourth: GET /ice-servers');
  // The address has spent its 4: a fifth socket is admitted, without a credential.
  const late = await v2(t, relay, room, 'late');
  assert.equal(sessionOf(late.info?.ice), null, 'no TURN entry in its client-id');
  assert.deepEqual(late.info?.ice, { iceServers: [{ urls: ['stun:127.0.0.1:3478'] }], iceTransportPolicy: 'all', ttl: NO_TURN_RETRY_S });
  const asked = await askIce(sockets[0]!);
  assert.deepEqual('code' in asked ? [asked.code, asked.type] : asked, ['rate-limited', 'ice'], 'nor over ice');
  assert.equal((await fetchIce(relay)).status, 429, 'nor over GET /ice-servers');
  // Another address has its own budget.
  const other = await v2(t, relay, room, 'other', {}, '127.0.0.2');
  assert.notEqual(sessionOf(other.info?.ice), null);
  assert.equal((await fetchIce(relay, '127.0.0.2')).status, 200);
});

test('258 sockets from one address: at most the address budget of credentials, all naming one session', { timeout: 60_000 }, async (t) => {
  const relay = await startRelay(t, { turn, maxSocketsPerAddress: 300, handshakesPerSecond: 1000, iceMintsPerMinute: { socket: 6, address: 120 } });
  const room = uniqueRoom('flood');
  const sessions: (string | null)[] = [];
  const start = Date.now();
  for (let batch = 0; batch < 6; batch++) {
    const made = await Promise.all(Array.from({ length: 43 }, (_, i) => v2(t, relay, `${room}-${batch}-${i % 4}`, `f${batch}-${i}`)));
    for (const c of made) {
      sessions.push(sessionOf(c.info?.ice));
      c.close();
    }
  }
  const minted = sessions.filter((s) => s !== null);
  t.diagnostic(`${sessions.length} sockets, ${minted.length} credentials, ${new Set(minted).size} session(s)`);
  const refilled = Math.ceil(((Date.now() - start) / 60_000) * 120);
  assert.ok(minted.length <= 120 + refilled, `at most the address's 120 plus the ${refilled} refilled meanwhile: ${minted.length}`);
  assert.ok(sessions.length - minted.length >= 258 - 120 - refilled, 'the rest got STUN only');
  assert.deepEqual([...new Set(minted)], [turnSession(turn.secret, { address: '127.0.0.1' })], 'one username, for coturn --user-quota');
});

test('the username names the caller: the token sub, else the address, however the credential was minted', async (t) => {
  const relay = await startRelay(t, { turn, tokenSecret: TOKEN_SECRET, publicIceServers: true });
  const room = uniqueRoom('who');
  const tok = (sub?: string) => token({ room, role: 'both', name: sub ?? 'nobody', ...(sub ? { sub } : {}) });
  const alice1 = await v2(t, relay, room, 'alice1', { token: await tok('alice') });
  const alice2 = await v2(t, relay, room, 'alice2', { token: await tok('alice') }, '127.0.0.2');
  const bob = await v2(t, relay, room, 'bob', { token: await tok('bob') });
  const anon1 = await v2(t, relay, room, 'anon1', { token: await tok() });
  const anon2 = await v2(t, relay, room, 'anon2', { token: await tok() });
  const anon3 = await v2(t, relay, room, 'anon3', { token: await tok() }, '127.0.0.2');
  const alice = turnSession(turn.secret, { sub: 'alice' });
  assert.equal(sessionOf(alice1.info?.ice), alice, 'alice from .1');
  assert.equal(sessionOf(alice2.info?.ice), alice, 'alice from .2: the same caller');
  const again = await askIce(alice1);
  assert.equal(sessionOf(again as IceConfig), alice, 'ice names alice too');
  assert.equal(sessionOf(bob.info?.ice), turnSession(turn.secret, { sub: 'bob' }));
  const here = turnSession(turn.secret, { address: '127.0.0.1' });
  assert.equal(sessionOf(anon1.info?.ice), here, 'no sub: the address');
  assert.equal(sessionOf(anon2.info?.ice), here, 'another socket of that address: the same');
  assert.equal(sessionOf(anon3.info?.ice), turnSession(turn.secret, { address: '127.0.0.2' }));
  assert.equal(sessionOf((await fetchIce(relay)).body), here, 'GET /ice-servers names the address');
  assert.equal(new Set([alice, here, turnSession(turn.secret, { sub: 'bob' }), turnSession(turn.secret, { address: '127.0.0.2' })]).size, 4);
  // A sub that spells an address is still a subject.
  assert.notEqual(turnSession(turn.secret, { sub: '127.0.0.1', address: 'x' }), here);
});

test('after its token expires a socket gets no TURN credential, except inside its bound call', async (t) => {
  const relay = await startRelay(t, { turn, tokenSecret: TOKEN_SECRET });
  const room = uniqueRoom('exp');
  const exp = Math.floor(Date.now() / 1000) + 3;
  const short = (name: string) => token({ room, role: 'both', name, sub: name }, exp);
  const idle = await v2(t, relay, room, 'idle', { token: await short('idle'), incoming: false });
  const desk = await v2(t, relay, room, 'desk', { token: await short('desk') });
  const visitor = await v2(t, relay, room, 'visitor', { token: await short('visitor'), incoming: false });
  for (const c of [idle, desk, visitor]) assert.notEqual(sessionOf(c.info?.ice), null, `${c.name}: a credential while its token is valid`);
  const before = await askIce(idle);
  assert.ok(!('code' in before), 'ice answers before expiry');
  visitor.send({ type: 'ready', call: 'exp-call', kind: 'video' });
  await desk.waitFor('the ring', (x) => received(x, 'ready').some((m) => m.call === 'exp-call'));
  desk.send({ type: 'accept', call: 'exp-call' });
  await visitor.waitFor('bound', (x) => x.bound.length === 1);
  await sleep(Math.max(0, exp * 1000 - Date.now()) + 100);

  const after = await askIce(idle);
  assert.deepEqual('code' in after ? [after.code, after.type] : after, ['unauthorized', 'ice'], 'expired, in no call: refused');
  for (const [c, sub] of [[visitor, 'visitor'], [desk, 'desk']] as const) {
    const cfg = await askIce(c);
    assert.ok(!('code' in cfg), `${sub}: inside its bound call it still gets one: ${JSON.stringify(cfg)}`);
    assert.equal(sessionOf(cfg), turnSession(turn.secret, { sub }));
  }
  visitor.send({ type: 'bye', call: 'exp-call' });
  await desk.waitFor('bye', (x) => received(x, 'bye').length === 1);
  await sleep(50);
  const ended = await askIce(desk);
  assert.deepEqual('code' in ended ? [ended.code, ended.type] : ended, ['unauthorized', 'ice'], 'the call over: refused');
});
