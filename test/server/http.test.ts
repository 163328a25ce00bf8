/** HTTP side: /healthz, static demo + bundle (cross-origin), the Fastify plugin, in-process close. */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { relayPlugin } from '../../server/relay.js';
import { connectClient, openClient, pair, startRelay } from './support.js';

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
  let res = await fetch(`${relay.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok', sockets: 0, rooms: 0 });

  await pair(t, relay.url, 'h1');
  await connectClient(t, relay.url, { auth: { room: 'h2' } });
  res = await fetch(`${relay.url}/healthz`);
  assert.deepEqual(await res.json(), { status: 'ok', sockets: 3, rooms: 2 });

  let redisUp = false;
  relay.app.relay.addHealthCheck('redis', () => ({ ok: redisUp, detail: 'redis unreachable' }));
  res = await fetch(`${relay.url}/healthz`);
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'unhealthy', sockets: 3, rooms: 2, checks: { redis: 'redis unreachable' } });
  redisUp = true;
  assert.equal((await fetch(`${relay.url}/healthz`)).status, 200);
});

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
  const relay = await startRelay(t, { staticDirs: dirs, allowedOrigins: ['http://127.0.0.1:5555'] });
  const page = await fetch(`${relay.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /rtc-call demo/);

  const js = await fetch(`${relay.url}/rtc-call.js`, { headers: { origin: 'http://127.0.0.1:5555' } });
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.equal(js.headers.get('access-control-allow-origin'), 'http://127.0.0.1:5555');
  assert.equal(js.headers.get('cross-origin-resource-policy'), 'cross-origin');
  assert.match(await js.text(), /customElements\.define/);

  const missing = await fetch(`${relay.url}/nope.html`);
  assert.equal(missing.status, 404);
});

test('static: without dist/ the bundle URL is a 404 that says how to build it, and the relay keeps serving', async (t) => {
  const dirs = tempDirs(t, false);
  const relay = await startRelay(t, { staticDirs: dirs });
  const res = await fetch(`${relay.url}/rtc-call.js`);
  assert.equal(res.status, 404);
  const body = (await res.json()) as { message: string };
  assert.match(body.message, /npm run build:widget/);
  assert.equal((await fetch(`${relay.url}/`)).status, 200);
  // A bundle built after start is served without a restart.
  mkdirSync(dirs.dist);
  writeFileSync(join(dirs.dist, 'rtc-call.js'), '// built later');
  assert.equal((await fetch(`${relay.url}/rtc-call.js`)).status, 200);
});

test('relayPlugin registers into an existing Fastify app beside its own routes', async (t) => {
  const app = Fastify();
  app.get('/shop', async () => ({ shop: true }));
  await app.register(relayPlugin, { defaultRoom: 'support', shutdownGraceMs: 10 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as import('node:net').AddressInfo).port}`;
  assert.ok(app.io, 'app.io is decorated on the caller');
  assert.deepEqual(await (await fetch(`${url}/shop`)).json(), { shop: true });
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const [a, b] = await pair(t, url);
  assert.equal(a.info?.room, 'support');
  a.send({ type: 'ready' });
  await b.waitFor((x) => x.messages.length === 1, 'ready');
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
    await c.waitFor((x) => x.disconnectReason !== undefined, 'disconnect');
    assert.deepEqual(c.errors.map((e) => e.code), ['shutting-down'], c.name);
    assert.equal(c.disconnectReason, 'transport close', c.name);
  }
  assert.deepEqual(a.left, [], 'partners on the same node are not told peer-left: both reconnect');
  // New handshakes after close are refused at the TCP level.
  const late = openClient(t, relay.url, {}, 'late');
  await late.waitFor((x) => x.connectError !== undefined, 'connect_error');
});
