/**
 * server/engine-patches.ts against the engine it patches: the installed socket.io, engine.io and
 * Node are the ones the patches were written for (an upgrade fails here until someone re-checks
 * them and moves WRITTEN_FOR), and on a real relay with real clients each patch still finds what
 * it patches and takes effect. What the patches save is measured in bench/RESULTS.md; the rest of
 * an idle socket's diet is test/server/idle-memory.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { idleTimerSlot, isUpgradeResponseClose, queryRoom, WRITTEN_FOR } from '../../server/engine-patches.js';
import { sleep, waitFor } from '../support/wait.js';
import { connectClient, startRelay } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const majorMinor = (v: string): string => v.split('.').slice(0, 2).join('.');
const installed = (pkg: string): string =>
  (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

test('the installed socket.io, engine.io and Node are the ones server/engine-patches.ts was written for', () => {
  const now = { 'socket.io': installed('socket.io'), 'engine.io': installed('engine.io'), node: process.versions.node };
  for (const [name, pinned] of Object.entries(WRITTEN_FOR)) {
    const version = now[name as keyof typeof now];
    assert.equal(
      majorMinor(version),
      pinned,
      `${name} is ${version}, server/engine-patches.ts was written for ${pinned}: re-read each patch against the new ${name} ` +
        `(the source text, private fields and symbols it names), run this file, then set WRITTEN_FOR.${name} to ${majorMinor(version)}`,
    );
  }
});

type Raw = { request: IncomingMessage | null };

test('patch 1: the room of the query string is read from engine.io’s parsed query, on WebSocket and long-polling', async (t) => {
  const relay = await startRelay(t);
  const seen: unknown[] = [];
  // Before the relay's own listeners: the request is still there.
  relay.app.io.engine.prependListener('connection', (raw: Raw) => seen.push(raw.request && queryRoom(raw.request)));
  const ws = await connectClient(t, relay.url, { query: { room: 'q-ws' } }, 'ws');
  const polling = await connectClient(t, relay.url, { query: { room: 'q-poll' }, transports: ['polling'] }, 'polling');
  assert.deepEqual(seen, ['q-ws', 'q-poll'], 'engine.io still parses the query into req._query');
  assert.equal(ws.info?.room, 'q-ws');
  assert.equal(polling.info?.room, 'q-poll');
});

test('patch 2: engine.io’s upgrade response listener is found and removed, and the handshake request is collected', async (t) => {
  const relay = await startRelay(t);
  const requests: WeakRef<IncomingMessage>[] = [];
  let tcp: NetSocket | null = null;
  let before = 0;
  relay.app.io.engine.prependListener('connection', (raw: Raw) => {
    if (!raw.request) return;
    requests.push(new WeakRef(raw.request));
    tcp = raw.request.socket;
    before = tcp.rawListeners('close').filter(isUpgradeResponseClose).length;
  });
  const c = await connectClient(t, relay.url, { auth: { room: 'mem-req', protocol: 2 } });
  assert.equal(requests.length, 1);
  assert.equal(before, 1, 'engine.io’s WebSocketResponse close listener has the source text RESPONSE_CLOSE names');
  assert.equal(tcp!.rawListeners('close').filter(isUpgradeResponseClose).length, 0, 'and the relay removed it');
  // Without the patch the TCP socket would keep the request for the socket's life.
  await waitFor(
    'the request to be collected',
    async () => {
      gc();
      await sleep(20);
      return requests[0]!.deref() === undefined;
    },
    { timeoutMs: 5000 },
  );
  assert.ok(c.socket.connected, 'and the socket works on');
});

test('patch 3: an upgraded connection has no HTTP idle timer, not even its object (Engine.IO’s ping is its clock); plain HTTP keeps its 60 s', async (t) => {
  const relay = await startRelay(t);
  const upgraded: NetSocket[] = [];
  let armed: unknown;
  relay.app.server.prependListener('upgrade', (_req, socket) => {
    const slot = idleTimerSlot(socket as NetSocket);
    armed = slot && (socket as unknown as Record<symbol, unknown>)[slot];
    upgraded.push(socket as NetSocket);
  });
  await connectClient(t, relay.url, { auth: { room: 'mem-timer' } });
  assert.equal(upgraded.length, 1);
  assert.ok(armed && typeof armed === 'object', 'node:net holds the armed idle timer in its slot described `timeout`');
  const socket = upgraded[0]!;
  assert.equal(socket.timeout, 0);
  assert.equal((socket as unknown as Record<symbol, unknown>)[idleTimerSlot(socket)!], null, 'the timer object is let go');
  assert.equal(relay.app.server.timeout, 60_000, 'HTTP requests still time out');
});
