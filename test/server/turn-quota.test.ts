/**
 * TURN credentials only for admitted sockets, against a real coturn with --user-quota=2
 * --total-quota=20: where tokens are required anonymous requests get no credential at all; a
 * caller's credentials all name its session (its token's sub, else its address), so however
 * many it asks for, over however many sockets, they open at most 2 allocations; another caller
 * still allocates; and on an open relay the anonymous route's credentials of one address share
 * that address's quota.
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import type { IceConfig } from '../../src/protocol/index.js';
import { startCoturn } from '../e2e/support/coturn.js';
import { connectClient, openClient, startRelay, type TestClient } from './support.js';
import { tryAllocate, TURN_ERROR } from './stun.js';

const TOKEN_SECRET = 'turn-quota-test-token-secret-0123456789';
const USER_QUOTA = 2;
const TOTAL_QUOTA = 20;

/** A token as a site's backend mints it: HS256 with room, role, name and exp (docs/relay.md). */
const token = (room: string, name: string, sub?: string): Promise<string> =>
  new SignJWT({ room, role: 'both', name, ...(sub ? { sub } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(TOKEN_SECRET));

const turnOf = (cfg: IceConfig | undefined): { username: string; credential: string } => {
  const e = cfg?.iceServers.find((s) => s.username !== undefined);
  assert.ok(e?.username && e.credential, `a TURN credential in ${JSON.stringify(cfg)}`);
  return { username: e.username, credential: e.credential };
};

/** GET /ice-servers over TCP from `localAddress`. */
const getIce = (url: string, localAddress: string): Promise<IceConfig> =>
  new Promise((resolve, reject) => {
    get(`${url}/ice-servers`, { localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(JSON.parse(text) as IceConfig));
    }).on('error', reject);
  });

/** `n` more ICE configurations from a socket's `ice` event. */
async function askIce(c: TestClient, n: number): Promise<IceConfig[]> {
  const got: IceConfig[] = [];
  c.socket.on('ice', (cfg) => got.push(cfg));
  for (let i = 0; i < n; i++) c.socket.emit('ice');
  await c.waitFor(`${n} ice answers`, () => got.length === n);
  return got;
}

test(`TURN credentials only for admitted sockets, one quota per caller or address (coturn --user-quota=${USER_QUOTA} --total-quota=${TOTAL_QUOTA})`, { timeout: 60_000 }, async (t) => {
  const coturn = await startCoturn({ secret: 'turn-quota-secret', realm: 'quota.test', args: [`--user-quota=${USER_QUOTA}`, `--total-quota=${TOTAL_QUOTA}`] });
  t.after(() => coturn.stop());
  const turn = { urls: coturn.urls, secret: coturn.secret, ttl: 600 };
  const allocate = (c: { username: string; credential: string }) => tryAllocate(coturn.port, c.username, c.credential);
  const relay = await startRelay(t, { turn, tokenSecret: TOKEN_SECRET });

  // 25 anonymous requests: the route is off, and a socket without a token never connects.
  for (let i = 0; i < 25; i++) {
    const res = await fetch(`${relay.url}/ice-servers`);
    assert.equal(res.status, 403);
    assert.ok(!(await res.text()).includes('credential'));
  }
  const anonymous = await Promise.all(
    Array.from({ length: 25 }, async (_, i) => {
      const c = openClient(t, relay.url, { auth: { room: 'desk', protocol: 2 } }, `anonymous ${i}`);
      await c.waitFor('refused', (x) => x.connectError !== undefined || x.info !== undefined);
      return c;
    }),
  );
  assert.ok(anonymous.every((c) => c.info === undefined && c.connectError?.data?.code === 'unauthorized'), 'no anonymous socket got client-id (nor its ice)');

  // One caller (sub "greedy") on two sockets: their client-id's credentials and three fresh ones, all in one session.
  const greedy = await connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', 'Greedy', 'greedy') } }, 'greedy');
  const greedy2 = await connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', 'Greedy', 'greedy') } }, 'greedy 2');
  const creds = [turnOf(greedy.info?.ice), ...(await askIce(greedy, 2)).map(turnOf), turnOf(greedy2.info?.ice)];
  const sessions = new Set(creds.map((c) => c.username.split(':')[1]));
  assert.equal(sessions.size, 1, `one session: ${[...sessions].join(', ')}`);
  const results: ('allocated' | number)[] = [];
  for (const c of creds) results.push(await allocate(c));
  assert.deepEqual(results, ['allocated', 'allocated', TURN_ERROR.quotaReached, TURN_ERROR.quotaReached], `coturn log:\n${coturn.log().slice(-1500)}`);

  // Another caller still allocates (its own session), twice.
  const second = await connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', 'Second', 'second') } }, 'second');
  const own = turnOf(second.info?.ice);
  assert.notEqual(own.username.split(':')[1], [...sessions][0]);
  assert.equal(await allocate(own), 'allocated');
  assert.equal(await allocate(turnOf((await askIce(second, 1))[0])), 'allocated');
  assert.equal(await allocate(own), TURN_ERROR.quotaReached);

  // Tokens without sub: their sockets are counted by address, together.
  const plain = await Promise.all(['Plain 1', 'Plain 2', 'Plain 3'].map(async (n) => connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', n) } }, n)));
  const plainResults: ('allocated' | number)[] = [];
  for (const c of plain) plainResults.push(await allocate(turnOf(c.info?.ice)));
  assert.deepEqual(plainResults, ['allocated', 'allocated', TURN_ERROR.quotaReached], 'one address without sub: one quota');

  // Beside it, an open relay (the same coturn and secret) whose GET /ice-servers mints anonymous
  // credentials: all of one address name that address, so 25 from 127.0.0.2 hold at most its 2
  // allocations; from 127.0.0.1, whose session the token holders without sub filled, none.
  const open = await startRelay(t, { turn });
  const anon: ('allocated' | number)[] = [];
  for (let i = 0; i < 25; i++) anon.push(await allocate(turnOf(await getIce(open.url, '127.0.0.2'))));
  const granted = anon.filter((r) => r === 'allocated').length;
  t.diagnostic(`open relay: ${granted} of 25 anonymous credentials allocated; the rest refused ${[...new Set(anon.filter((r) => r !== 'allocated'))].join(', ')}`);
  assert.equal(granted, USER_QUOTA, 'the address quota holds them, long before the total quota');
  assert.ok(anon.slice(granted).every((r) => r === TURN_ERROR.quotaReached));
  assert.equal(await allocate(turnOf(await getIce(open.url, '127.0.0.1'))), TURN_ERROR.quotaReached, 'one address, one quota, whichever relay and route minted it');
});
