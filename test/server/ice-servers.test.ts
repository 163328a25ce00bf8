/** TURN REST API credentials and GET /ice-servers (through `app.inject()`). */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { IceConfig } from '../../src/protocol/index.js';
import { iceConfig, mintTurnCredential } from '../../server/tokens/turn.js';
import { relayApp } from './support.js';

const SECRET = 'north-sea-4711';
const turn = { urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'], secret: SECRET, ttl: 600 };

/** What coturn does with use-auth-secret: recompute the HMAC, then check the timestamp. */
function coturnAccepts(username: string, credential: string, secret: string, nowSec: number): boolean {
  const expected = createHmac('sha1', secret).update(username).digest('base64');
  const expiry = Number(username.split(':')[0]);
  return expected === credential && Number.isInteger(expiry) && expiry > nowSec;
}

test('mintTurnCredential: username is <expiry>:<id>, credential is base64 HMAC-SHA1 of it, expiry = now + ttl', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const c = mintTurnCredential(SECRET, 600, now);
  assert.match(c.username, /^\d+:[A-Za-z0-9_-]{12}$/);
  assert.equal(c.expiresAt, now / 1000 + 600);
  assert.equal(c.username.split(':')[0], String(now / 1000 + 600));
  assert.equal(c.credential, createHmac('sha1', SECRET).update(c.username).digest('base64'));
  assert.ok(coturnAccepts(c.username, c.credential, SECRET, now / 1000 + 599), 'valid one second before expiry');
  assert.ok(!coturnAccepts(c.username, c.credential, SECRET, now / 1000 + 600), 'refused at expiry');
  assert.ok(!coturnAccepts(c.username, c.credential, 'other-secret', now / 1000), 'refused with another secret');
  assert.notEqual(mintTurnCredential(SECRET, 600, now).username, c.username, 'every mint gets its own id');
});

test('iceConfig: STUN only, nothing, or STUN + TURN with credentials and ttl', () => {
  assert.deepEqual(iceConfig({ stunUrls: [], iceTransportPolicy: 'all' }), { iceServers: [], iceTransportPolicy: 'all' });
  assert.deepEqual(iceConfig({ stunUrls: ['stun:stun.example:3478'], iceTransportPolicy: 'all' }), {
    iceServers: [{ urls: ['stun:stun.example:3478'] }],
    iceTransportPolicy: 'all',
  });
  const cfg = iceConfig({ stunUrls: ['stun:s:1'], turn, iceTransportPolicy: 'relay' });
  assert.equal(cfg.iceTransportPolicy, 'relay');
  assert.equal(cfg.ttl, 600);
  assert.deepEqual(cfg.iceServers[1]?.urls, turn.urls);
});

test('GET /ice-servers: fresh verifiable credentials, no-store, CORS, and never the secret', async (t) => {
  const app = await relayApp(t, { turn, stunUrls: ['stun:127.0.0.1:3478'], iceTransportPolicy: 'relay' });
  const before = Math.floor(Date.now() / 1000);
  const res = await app.inject({ url: '/ice-servers', headers: { origin: 'http://127.0.0.1:9' } });
  const after = Math.ceil(Date.now() / 1000);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const text = res.body;
  assert.ok(!text.includes(SECRET), 'the shared secret never leaves the relay');
  const cfg = JSON.parse(text) as IceConfig;
  assert.equal(cfg.iceTransportPolicy, 'relay');
  assert.equal(cfg.ttl, 600);
  assert.deepEqual(cfg.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
  const t0 = cfg.iceServers[1];
  assert.ok(t0?.username && t0.credential);
  assert.deepEqual(t0.urls, turn.urls);
  const expiry = Number(t0.username.split(':')[0]);
  assert.ok(expiry >= before + 600 && expiry <= after + 600, `expiry ${expiry} is now + ttl`);
  assert.ok(coturnAccepts(t0.username, t0.credential, SECRET, after), 'coturn would accept it now');
  assert.ok(!coturnAccepts(t0.username, t0.credential, SECRET, expiry), 'and refuse it once expired');

  const again = (await app.inject({ url: '/ice-servers' })).json<IceConfig>();
  assert.equal(again.iceServers[1]?.username?.split(':')[1], t0.username.split(':')[1], 'one address, one session: coturn --user-quota holds its credentials together');
});

test('GET /ice-servers without TURN: STUN only, no ttl; with ALLOWED_ORIGINS only listed origins get CORS', async (t) => {
  const app = await relayApp(t, { stunUrls: ['stun:stun.example:3478'], allowedOrigins: ['http://127.0.0.1:4000'] });
  const ok = await app.inject({ url: '/ice-servers', headers: { origin: 'http://127.0.0.1:4000' } });
  assert.deepEqual(ok.json(), { iceServers: [{ urls: ['stun:stun.example:3478'] }], iceTransportPolicy: 'all' });
  assert.equal(ok.headers['access-control-allow-origin'], 'http://127.0.0.1:4000');
  assert.match(String(ok.headers.vary ?? ''), /origin/i);
  const other = await app.inject({ url: '/ice-servers', headers: { origin: 'http://127.0.0.1:4001' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const pre = await app.inject({
    method: 'OPTIONS',
    url: '/ice-servers',
    headers: { origin: 'http://127.0.0.1:4000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-request-id' },
  });
  assert.equal(pre.statusCode, 204);
  assert.equal(pre.headers['access-control-allow-origin'], 'http://127.0.0.1:4000');
  assert.equal(pre.headers['access-control-allow-headers'], 'x-request-id');
});
