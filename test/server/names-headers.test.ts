/**
 * Hostile display names and the HTTP routes' security headers (issue 19, item 6): a name's
 * Unicode format characters (bidi overrides, zero-width) never reach a callee, over a real relay;
 * every relay route answers with security headers (inject()).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayName } from '../../server/calls/rules.js';
import { uniqueRoom } from '../support/wait.js';
import { relayApp, startRelay, v2Client } from './support.js';

// U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE,
// U+200B ZERO WIDTH SPACE, U+200D ZERO WIDTH JOINER, U+FEFF BOM, U+00AD SOFT HYPHEN, U+200E LRM.
const HOSTILE = '\u202eAna\u200b Sm\u200dith\ufeff\u00ad\u2066x\u2069\u200e';

test('displayName drops format characters (Cf) and replaces control characters', () => {
  assert.equal(displayName(HOSTILE), 'Ana Smithx');
  assert.equal(displayName('\u200b\u200b'), '', 'nothing but invisible characters is no name');
  assert.equal(displayName('Ann\u0007\u0085Lee'), 'Ann  Lee', 'C0 and C1 controls become spaces');
  assert.equal(displayName('Zoë 李 😀'), 'Zoë 李 😀', 'visible text is kept');
  assert.equal(displayName('$`$&$1'), '$`$&$1', 'replacement patterns are plain text here');
});

test('a caller named with bidi overrides and zero-width characters rings the desk with them stripped', async (t) => {
  const relay = await startRelay(t);
  const room = uniqueRoom('names');
  const desk = await v2Client(t, relay.url, room, 'Desk');
  const caller = await v2Client(t, relay.url, room, HOSTILE, { incoming: false });
  caller.send({ type: 'ready', call: 'call-names', kind: 'voice' });
  await desk.waitFor('the ring', (x) => x.messages.some((m) => m.type === 'ready'));
  const ring = desk.messages.find((m) => m.type === 'ready')!;
  assert.equal(ring.name, 'Ana Smithx');
  assert.doesNotMatch(ring.name ?? '', /\p{Cf}/u);
});

/** Every route of the relay (the demo and bundle have their own headers: http.test.ts). */
const ROUTES = [
  { url: '/healthz', status: 200 },
  { url: '/presence?room=lobby', status: 200 },
  { url: '/ice-servers', status: 200 },
  { url: '/metrics', status: 200 },
] as const;

test('security headers on /healthz, /presence, /ice-servers and /metrics (and their refusals)', async (t) => {
  const app = await relayApp(t, { stunUrls: ['stun:stun.example:3478'] });
  const guarded = await relayApp(t, { publicMetrics: false, metricsToken: 'metrics-token-0123456789', tokenSecret: 'x'.repeat(32) });
  const answers = [
    ...ROUTES.map((r) => ({ app, ...r })),
    { app: guarded, url: '/metrics', status: 401 },
    { app: guarded, url: '/ice-servers', status: 403 },
  ];
  for (const { app: a, url, status } of answers) {
    const res = await a.inject({ url });
    assert.equal(res.statusCode, status, url);
    const h = res.headers;
    assert.equal(h['x-content-type-options'], 'nosniff', url);
    assert.equal(h['referrer-policy'], 'no-referrer', url);
    assert.equal(h['x-frame-options'], 'DENY', url);
    assert.equal(h['content-security-policy'], "default-src 'none';frame-ancestors 'none'", url);
    assert.equal(h['cross-origin-opener-policy'], 'same-origin', url);
    assert.equal(h['strict-transport-security'], undefined, `${url}: HSTS is the TLS proxy's`);
  }
});

test('the METRICS_PORT listener sends them too', async (t) => {
  const relay = await startRelay(t, { publicMetrics: false, metricsPort: 0 });
  const addr = relay.app.relay.metricsServer!.server.address() as import('node:net').AddressInfo;
  const res = await fetch(`http://127.0.0.1:${addr.port}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
});

test('answers outside the routes carry them too: the 404 (with and without the demo), Socket.IO polling and its client script', async (t) => {
  const expect = (h: Record<string, string | string[] | number | undefined> | Headers, what: string): void => {
    const get = (k: string): unknown => (h instanceof Headers ? h.get(k) : h[k]);
    assert.equal(get('x-content-type-options'), 'nosniff', what);
    assert.equal(get('x-frame-options'), 'DENY', what);
    assert.equal(get('referrer-policy'), 'no-referrer', what);
    assert.equal(get('content-security-policy'), "default-src 'none';frame-ancestors 'none'", what);
  };
  const bare = await relayApp(t);
  const withDemo = await relayApp(t, { staticDirs: undefined });
  for (const [a, what] of [[bare, 'no static files'], [withDemo, 'static files']] as const) {
    const res = await a.inject({ url: '/no/such/path' });
    assert.equal(res.statusCode, 404, what);
    expect(res.headers, `404, ${what}`);
  }
  const relay = await startRelay(t);
  const script = await fetch(`${relay.url}/socket.io/socket.io.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  expect(script.headers, 'socket.io.js');
  const poll = await fetch(`${relay.url}/socket.io/?EIO=4&transport=polling`);
  assert.equal(poll.status, 200);
  assert.match(await poll.text(), /"sid"/);
  expect(poll.headers, 'polling handshake');
  const bad = await fetch(`${relay.url}/socket.io/?EIO=4&transport=nope`);
  assert.equal(bad.status, 400);
  expect(bad.headers, 'engine refusal');
});
