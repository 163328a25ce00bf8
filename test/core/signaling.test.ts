// The widget's Socket.IO link (src/browser/socket-link.ts) over real TCP: against the real relay,
// and against a bare Socket.IO server that misbehaves (what validation on the client is for).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { buildRelay } from '../../server/index.js';
import { connectSignaling } from '../../src/browser/socket-link.js';
import type { SignalingHandlers, SignalingLink } from '../../src/core/relay-link.js';
import { fetchIceConfig } from '../../src/browser/ice-fetch.js';
import type { ClientIdPayload, ErrorPayload, SignalMessage } from '../../src/protocol.js';

interface Recorder {
  ids: ClientIdPayload[];
  messages: Array<{ m: SignalMessage; from: string }>;
  joined: string[];
  left: string[];
  errors: ErrorPayload[];
  connectErrors: Array<string | null>;
  disconnects: number;
  handlers: SignalingHandlers;
}

function recorder(): Recorder {
  const r = { ids: [], messages: [], joined: [], left: [], errors: [], connectErrors: [], disconnects: 0 } as unknown as Recorder;
  r.handlers = {
    onClientId: (p) => r.ids.push(p),
    onMessage: (m, from) => r.messages.push({ m, from }),
    onPeerJoined: (id) => r.joined.push(id),
    onPeerLeft: (id) => r.left.push(id),
    onRelayError: (p) => r.errors.push(p),
    onConnectError: (c) => r.connectErrors.push(c),
    onDisconnect: () => r.disconnects++,
  };
  return r;
}

async function until(what: string, fn: () => unknown, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('against the real relay: ids, peers, relayed messages stamped with the sender, peer-left, room-full', async (t) => {
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const links: SignalingLink[] = [];
  t.after(async () => {
    for (const l of links) l.close();
    await app.close();
  });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const a = recorder();
  const b = recorder();
  links.push(connectSignaling(url, { room: 'sig-1' }, a.handlers));
  await until('a client-id', () => a.ids.length);
  links.push(connectSignaling(url, { room: 'sig-1' }, b.handlers));
  await until('b client-id', () => b.ids.length);
  const [idA, idB] = [a.ids[0]!.id, b.ids[0]!.id];
  assert.notEqual(idA, idB);
  assert.equal(a.ids[0]!.room, 'sig-1');
  assert.deepEqual(b.ids[0]!.peers, [idA]);
  await until('peer-joined', () => a.joined.includes(idB));

  links[0]!.send({ type: 'ready' });
  links[1]!.send({ type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' });
  await until('relayed both ways', () => b.messages.length && a.messages.length);
  assert.deepEqual(b.messages[0], { m: { type: 'ready' }, from: idA });
  assert.deepEqual(a.messages[0], {
    m: { type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' },
    from: idB,
  });

  const c = recorder();
  links.push(connectSignaling(url, { room: 'sig-1' }, c.handlers));
  await until('room-full', () => c.errors.length || c.connectErrors.length);
  assert.ok(c.errors.some((e) => e.code === 'room-full') || c.connectErrors.includes('room-full'), JSON.stringify(c));
  await until('third disconnected', () => c.disconnects || c.connectErrors.length);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(c.ids.length, 0, 'a refused link does not come back on its own');

  links[1]!.close();
  await until('peer-left', () => a.left.includes(idB));

  const ice = await fetchIceConfig(url);
  assert.ok(Array.isArray(ice.iceServers));
  assert.ok(ice.iceTransportPolicy === 'all' || ice.iceTransportPolicy === 'relay');
});

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
  const r = recorder();
  const warn = console.warn;
  const warnings: unknown[][] = [];
  console.warn = (...a: unknown[]) => void warnings.push(a);
  t.after(() => (console.warn = warn));
  link.l = connectSignaling(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {}, r.handlers);
  await until('the valid message', () => r.messages.length);
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(r.messages, [{ m: { type: 'bye' }, from: 'p' }]);
  assert.equal(warnings.length, 8, 'each invalid message logged once');
  assert.equal(r.ids[0]?.id, 'me');
});

test('an unreachable relay reports connect errors (null code), not a crash', async (t) => {
  const http = createServer();
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  await new Promise<void>((r) => http.close(() => r()));
  const r = recorder();
  const l = connectSignaling(`http://127.0.0.1:${port}`, { room: 'x' }, r.handlers);
  t.after(() => l.close());
  await until('connect_error', () => r.connectErrors.length);
  assert.equal(r.connectErrors[0], null);
});
