// The widget's Socket.IO link (src/browser/socket-link.ts) over real TCP where no relay contract
// applies: a bare Socket.IO server that misbehaves (what validation on the client is for), a
// relay that is not there, and the ICE fetch. What the link does against the real relay, and that
// the phone tests' fake relay does the same, is test/core/relay-contract.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { buildRelay } from '../../server/index.js';
import { connectSignaling } from '../../src/browser/socket-link.js';
import type { SignalingLink } from '../../src/core/relay-link.js';
import { fetchIceConfig } from '../../src/browser/ice-fetch.js';
import { linkRecorder } from '../support/link-recorder.js';
import { sleep, waitFor } from '../support/wait.js';

/** A link's events come within a loopback round trip. */
const SOON = { timeoutMs: 5000, intervalMs: 10 };

test('a misbehaving server: invalid messages are dropped (never reach the controller), valid ones pass', async (t) => {
  const http = createServer();
  const io = new Server(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const link: { l?: SignalingLink } = {};
  t.after(async () => {
    link.l?.close();
    await new Promise<void>((r) => io.close(() => r()));
  });
  io.on('connection', (s) => {
    s.emit('client-id', { id: 'me', room: 'x', peers: [], protocol: 1 });
    for (const bad of [
      null,
      'offer',
      { type: 'offer', from: 'p' },
      { type: 'nope', from: 'p' },
      { type: 'candidate', candidate: 5, from: 'p' },
      { type: 'offer', sdp: 'x'.repeat(40_000), from: 'p' },
      { type: 'ready' },
      { type: 'ready', from: 'p'.repeat(100) },
    ])
      s.emit('message', bad as never);
    s.emit('message', { type: 'bye', from: 'p', clientId: 'p', extra: 'dropped' } as never);
  });
  const r = linkRecorder();
  const warn = console.warn;
  const warnings: unknown[][] = [];
  console.warn = (...a: unknown[]) => void warnings.push(a);
  t.after(() => (console.warn = warn));
  link.l = connectSignaling(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {}, r.handlers);
  await waitFor('the valid message', () => r.messages.length, SOON);
  await sleep(100);
  assert.deepEqual(r.messages, [{ m: { type: 'bye' }, from: 'p' }]);
  assert.equal(warnings.length, 8, 'each invalid message logged once');
  assert.equal(r.ids[0]?.id, 'me');
});

test('an unreachable relay reports connect errors (null code), not a crash', async (t) => {
  const http = createServer();
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  await new Promise<void>((r) => http.close(() => r()));
  const r = linkRecorder();
  const l = connectSignaling(`http://127.0.0.1:${port}`, { room: 'x' }, r.handlers);
  t.after(() => l.close());
  await waitFor('connect_error', () => r.connectErrors.length, SOON);
  assert.equal(r.connectErrors[0], null);
});

test('the ICE fetch against the real relay: servers and a policy', async (t) => {
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const ice = await fetchIceConfig(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  assert.ok(Array.isArray(ice.iceServers));
  assert.ok(ice.iceTransportPolicy === 'all' || ice.iceTransportPolicy === 'relay');
});

test('a click while the link is still connecting (retry) opens no second socket: one client-id, one member on the relay', async (t) => {
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const r = linkRecorder();
  const l = connectSignaling(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, { room: 'retry-race', protocol: 2 }, r.handlers);
  t.after(() => l.close());
  // A visitor's pointer over the button links (connect="intent"); the click comes while the
  // handshake is in flight and asks to connect now. Asked over and over, every moment of the
  // handshake gets a click: after the transport opened, before the relay answered the CONNECT.
  const clicks = setInterval(() => l.retry?.(), 1);
  await waitFor('client-id', () => r.ids.length, SOON);
  await sleep(300);
  clearInterval(clicks);
  assert.equal(r.ids.length, 1, 'one client-id');
  assert.equal(app.io.of('/').sockets.size, 1, 'one socket on the relay');
});
