/**
 * HTTP side: /healthz, static demo + bundle (cross-origin), the Fastify plugin, in-process close.
 * HTTP alone goes through `app.inject()`; sockets are real clients over TCP.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { relayPlugin } from '../../server/index.js';
import { connectClient, openClient, pair, relayApp, startRelay, type TestClient } from './support.js';

/** A long-polling client at shutdown got the notice or a transport error, never a server-side disconnect. */
function assertPollingShutdown(c: TestClient): void {
  assert.ok(['[]', '["shutting-down"]'].includes(JSON.stringify(c.errors.map((e) => e.code))), `${c.name}: ${JSON.stringify(c.errors)}`);
  assert.ok(['transport close', 'transport error'].includes(c.disconnectReason ?? ''), `${c.name}: ${c.disconnectReason}`);
}

function tempDirs(t: import('node:test').TestContext, withDist: boolean): { demo: string; dist: string } {
  const root = mkdtempSync(join(tmpdir(), 'rtc-call-static-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const demo = join(root, 'demo');
  const dist = join(root, 'dist');
  mkdirSync(demo);
  writeFileSync(join(demo, 'index.html'), '<!doctype html><title>rtc-call demo</title><script src="/rtc-call.js"></script>');
  if (withDist) {
    mkdirSync(dist);
    writeFileSync(join(dist, 'rtc-call.js'), 'customElements.define("rtc-test", class extends HTMLElement {});');
  }
  return { demo, dist };
}

test('/healthz: ok with socket and room counts; a failing health check turns it into 503', async (t) => {
  const relay = await startRelay(t);
  const healthz = () => relay.app.inject({ url: '/healthz' });
  let res = await healthz();
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok', sockets: 0, rooms: 0 });

  await pair(t, relay.url, 'h1');
  await connectClient(t, relay.url, { auth: { room: 'h2' } });
  res = await healthz();
  assert.deepEqual(res.json(), { status: 'ok', sockets: 3, rooms: 2 });

  let redisUp = false;
  relay.app.relay.addHealthCheck('redis', () => ({ ok: redisUp, detail: 'redis unreachable' }));
  res = await healthz();
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: 'unhealthy', sockets: 3, rooms: 2, checks: { redis: 'redis unreachable' } });
  redisUp = true;
  assert.equal((await healthz()).statusCode, 200);
});

// Over TCP: Socket.IO answers this on the HTTP server before Fastify's router (inject does not reach it).
test('/socket.io/socket.io.js: the stock Socket.IO browser client, for tutorial-style pages', async (t) => {
  const relay = await startRelay(t);
  const res = await fetch(`${relay.url}/socket.io/socket.io.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  const body = await res.text();
  assert.ok(body.length > 10_000, `a whole client (${body.length} bytes)`);
  assert.match(body, /Socket\.IO v4\./);
});

test('static: demo at /, bundle at /rtc-call.js with CORS for a page on another origin', async (t) => {
  const dirs = tempDirs(t, true);
  const app = await relayApp(t, { staticDirs: dirs, allowedOrigins: ['http://127.0.0.1:5555'] });
  const page = await app.inject({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(page.body, /rtc-call demo/);

  const js = await app.inject({ url: '/rtc-call.js', headers: { origin: 'http://127.0.0.1:5555' } });
  assert.equal(js.statusCode, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.equal(js.headers['access-control-allow-origin'], 'http://127.0.0.1:5555');
  assert.equal(js.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.match(js.body, /customElements\.define/);

  const missing = await app.inject({ url: '/nope.html' });
  assert.equal(missing.statusCode, 404);
});

test('static: without dist/ the bundle URL is a 404 that says how to build it, and the relay keeps serving', async (t) => {
  const dirs = tempDirs(t, false);
  const app = await relayApp(t, { staticDirs: dirs });
  const res = await app.inject({ url: '/rtc-call.js' });
  assert.equal(res.statusCode, 404);
  const body = res.json<{ message: string }>();
  assert.match(body.message, /npm run build:widget/);
  assert.equal((await app.inject({ url: '/' })).statusCode, 200);
  // A bundle built after start is served without a restart.
  mkdirSync(dirs.dist);
  writeFileSync(join(dirs.dist, 'rtc-call.js'), '// built later');
  assert.equal((await app.inject({ url: '/rtc-call.js' })).statusCode, 200);
});

test('relayPlugin registers into an existing Fastify app beside its own routes', async (t) => {
  const app = Fastify();
  app.get('/shop', async () => ({ shop: true }));
  await app.register(relayPlugin, { defaultRoom: 'support', shutdownGraceMs: 10 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}`;
  assert.ok(app.io, 'app.io is decorated on the caller');
  assert.ok(app.hasPlugin('rtc-call-relay'), 'registered under its name, so other plugins can depend on it');
  assert.deepEqual((await app.inject({ url: '/shop' })).json(), { shop: true });
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  const [a, b] = await pair(t, url);
  assert.equal(a.info?.room, 'support');
  a.send({ type: 'ready' });
  await b.waitFor('ready', (x) => x.messages.length === 1);
});

test('relayPlugin refuses a second registration on the same app', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(relayPlugin, {});
  await assert.rejects(async () => {
    await app.register(relayPlugin, {});
  }, /already registered/);
});

test('app.close(): every client is told shutting-down, then its transport closes (so clients reconnect)', async (t) => {
  const relay = await startRelay(t);
  const [a, b] = await pair(t, relay.url, 'bye');
  const polling = await connectClient(t, relay.url, { transports: ['polling'], auth: { room: 'poll' } }, 'polling');
  const started = Date.now();
  await relay.app.close();
  assert.ok(Date.now() - started < 3000, 'close does not hang on open sockets');
  for (const c of [a, b, polling]) {
    await c.waitFor('disconnect', (x) => x.disconnectReason !== undefined);
    // Never a server-side disconnect (after which Socket.IO clients do not reconnect). The listener
    // closes first: a polling client whose next poll needs a new connection then misses the notice
    // and sees a transport error, which it retries too.
    if (c === polling) assertPollingShutdown(c);
    else {
      assert.deepEqual(c.errors.map((e) => e.code), ['shutting-down'], c.name);
      assert.equal(c.disconnectReason, 'transport close', c.name);
    }
  }
  assert.deepEqual(a.left, [], 'partners on the same node are not told peer-left: both reconnect');
  // New handshakes after close are refused at the TCP level.
  const late = openClient(t, relay.url, {}, 'late');
  await late.waitFor('connect_error', (x) => x.connectError !== undefined);
});

test('/metrics is not public by default: off, behind METRICS_TOKEN, or on a METRICS_PORT listener of its own', async (t) => {
  const closed = await relayApp(t, { publicMetrics: false });
  assert.equal((await closed.inject({ url: '/metrics' })).statusCode, 404, 'off unless asked');

  const token = 'metrics-token-0123456789';
  const guarded = await relayApp(t, { publicMetrics: false, metricsToken: token });
  const none = await guarded.inject({ url: '/metrics' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"');
  assert.doesNotMatch(none.body, /rtc_relay_/);
  for (const authorization of ['Bearer wrong', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, token])
    assert.equal((await guarded.inject({ url: '/metrics', headers: { authorization } })).statusCode, 401, authorization);
  const ok = await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.statusCode, 200);
  assert.match(ok.body, /rtc_relay_connected_sockets/);

  const relay = await startRelay(t, { publicMetrics: false, metricsPort: 0, metricsToken: token });
  assert.equal((await fetch(`${relay.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status, 404, 'not on the public listener');
  const server = relay.app.relay.metricsServer;
  assert.ok(server, 'a listener of its own');
  const addr = server.server.address() as import('node:net').AddressInfo;
  assert.equal(addr.address, '127.0.0.1', 'on loopback by default');
  assert.notEqual(addr.port, relay.port);
  const url = `http://127.0.0.1:${addr.port}/metrics`;
  assert.equal((await fetch(url)).status, 401, 'METRICS_TOKEN holds there too');
  const scraped = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(scraped.status, 200);
  assert.match(await scraped.text(), /rtc_relay_rooms/);
  assert.equal((await fetch(`http://127.0.0.1:${addr.port}/healthz`)).status, 404, 'only /metrics there');
  await relay.app.close();
  assert.equal(server.server.listening, false, 'closed with the relay');
});

test('the demo’s other pages (the support line’s call-us.html and desk.html) get the demo’s CSP; off with the demo', async (t) => {
  const dirs = tempDirs(t, true);
  const inline = 'void 0;';
  writeFileSync(join(dirs.demo, 'call-us.html'), `<!doctype html><title>Call us</title><script>${inline}</script>`);
  writeFileSync(join(dirs.demo, 'demo.js'), 'void 0;');
  const app = await relayApp(t, { staticDirs: dirs });
  const page = await app.inject({ url: '/call-us.html' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /Call us/);
  const hash = `'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
  assert.match(String(page.headers['content-security-policy']), new RegExp(`script-src 'self' ${hash.replace(/[+/]/g, '\\$&')};`));
  const js = await app.inject({ url: '/demo.js' });
  assert.equal(js.statusCode, 200, 'the demo’s script file is served');
  const off = await relayApp(t, { staticDirs: dirs, demo: false });
  assert.equal((await off.inject({ url: '/call-us.html' })).statusCode, 404);
});

test('demo off (production default): / says how to turn it on; the bundle is still served', async (t) => {
  const dirs = tempDirs(t, true);
  const app = await relayApp(t, { staticDirs: dirs, demo: false });
  for (const url of ['/', '/index.html']) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 404, url);
    assert.match(res.json<{ message: string }>().message, /DEMO=on/);
  }
  assert.equal((await app.inject({ url: '/rtc-call.js' })).statusCode, 200);
});

test('security headers: a CSP for the demo that allows its own scripts by hash; nosniff and Referrer-Policy on both; the bundle loads cross-origin', async (t) => {
  const dirs = tempDirs(t, true);
  const inline = "document.title = 'demo';";
  writeFileSync(join(dirs.demo, 'index.html'), `<!doctype html><title>rtc-call demo</title><script src="/rtc-call.js"></script><script>${inline}</script>`);
  const app = await relayApp(t, { staticDirs: dirs, allowedOrigins: ['https://shop.example'] });
  const page = await app.inject({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  const csp = String(page.headers['content-security-policy']);
  const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
  const hash = `'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
  assert.deepEqual(directives.get('script-src'), ["'self'", hash], 'its own scripts and its inline script, nothing else');
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'"], 'the relay’s socket and /ice-servers');
  assert.ok(directives.get('media-src')?.includes('mediastream:'));
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'self'"]);
  assert.equal((await app.inject({ url: '/index.html' })).headers['content-security-policy'], csp);
  // A page changed while the relay runs gets a policy for what it now holds.
  writeFileSync(join(dirs.demo, 'index.html'), '<!doctype html><script>1</script>');
  assert.notEqual((await app.inject({ url: '/' })).headers['content-security-policy'], csp);

  const js = await app.inject({ url: '/rtc-call.js', headers: { origin: 'https://shop.example' } });
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers['cross-origin-resource-policy'], 'cross-origin', 'other sites include it');
  assert.equal(js.headers['access-control-allow-origin'], 'https://shop.example');
  assert.equal(js.headers['content-security-policy'], undefined);
  for (const res of [page, js]) {
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['strict-transport-security'], undefined, 'HSTS is the TLS proxy’s');
  }
  assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
});
