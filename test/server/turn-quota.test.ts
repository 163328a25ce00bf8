/**
 * TURN credentials only for admitted sockets, against a real coturn with --user-quota=2
 * --total-quota=20: where tokens are required anonymous requests get no credential at all; a
 * socket's credentials all name its session, so however many it asks for they open at most 2
 * allocations; a second legitimate socket still allocates; and on an open relay the anonymous
 * route's credentials are stopped by the total quota.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import type { IceConfig } from '../../src/protocol.js';
import { startCoturn } from '../e2e/support/coturn.js';
import { connectClient, openClient, startRelay, type TestClient } from './support.js';
import { tryAllocate, TURN_ERROR } from './stun.js';

const TOKEN_SECRET = 'turn-quota-test-token-secret-0123456789';
const USER_QUOTA = 2;
const TOTAL_QUOTA = 20;

/** A token as a site's backend mints it: HS256 with room, role, name and exp (docs/relay.md). */
const token = (room: string, name: string): Promise<string> =>
  new SignJWT({ room, role: 'both', name })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(TOKEN_SECRET));

const turnOf = (cfg: IceConfig | undefined): { username: string; credential: string } => {
  const e = cfg?.iceServers.find((s) => s.username !== undefined);
  assert.ok(e?.username && e.credential, `a TURN credential in ${JSON.stringify(cfg)}`);
  return { username: e.username, credential: e.credential };
};

/** `n` more ICE configurations from a socket's `ice` event. */
async function askIce(c: TestClient, n: number): Promise<IceConfig[]> {
  const got: IceConfig[] = [];
  c.socket.on('ice', (cfg) => got.push(cfg));
  for (let i = 0; i < n; i++) c.socket.emit('ice');
  await c.waitFor(`${n} ice answers`, () => got.length === n);
  return got;
}

test(`TURN credentials only for admitted sockets, one session's quota each (coturn --user-quota=${USER_QUOTA} --total-quota=${TOTAL_QUOTA})`, { timeout: 60_000 }, async (t) => {
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

  // One socket with a token: its client-id's credential and three fresh ones, all in one session.
  const greedy = await connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', 'Greedy') } }, 'greedy');
  const creds = [turnOf(greedy.info?.ice), ...(await askIce(greedy, 3)).map(turnOf)];
  const sessions = new Set(creds.map((c) => c.username.split(':')[1]));
  assert.equal(sessions.size, 1, `one session: ${[...sessions].join(', ')}`);
  const results: ('allocated' | number)[] = [];
  for (const c of creds) results.push(await allocate(c));
  assert.deepEqual(results, ['allocated', 'allocated', TURN_ERROR.quotaReached, TURN_ERROR.quotaReached], `coturn log:\n${coturn.log().slice(-1500)}`);

  // A legitimate second socket still allocates (its own session), twice.
  const second = await connectClient(t, relay.url, { auth: { room: 'desk', protocol: 2, token: await token('desk', 'Second') } }, 'second');
  const own = turnOf(second.info?.ice);
  assert.notEqual(own.username.split(':')[1], [...sessions][0]);
  assert.equal(await allocate(own), 'allocated');
  assert.equal(await allocate(turnOf((await askIce(second, 1))[0])), 'allocated');
  assert.equal(await allocate(own), TURN_ERROR.quotaReached);

  // Beside it, an open relay whose GET /ice-servers mints anonymous credentials, each a username
  // of its own: 25 of them hit the total quota (4 allocations are already held above).
  const open = await startRelay(t, { turn });
  const anon: ('allocated' | number)[] = [];
  for (let i = 0; i < 25; i++) anon.push(await allocate(turnOf((await (await fetch(`${open.url}/ice-servers`)).json()) as IceConfig)));
  const granted = anon.filter((r) => r === 'allocated').length;
  t.diagnostic(`open relay: ${granted} of 25 anonymous credentials allocated; the rest refused ${[...new Set(anon.filter((r) => r !== 'allocated'))].join(', ')}`);
  assert.equal(granted, TOTAL_QUOTA - 4, 'the total quota is the backstop');
  assert.ok(anon.slice(granted).every((r) => r === TURN_ERROR.quotaReached || r === TURN_ERROR.insufficientCapacity));
});
