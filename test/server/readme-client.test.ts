/**
 * docs/protocol.md is the protocol's user manual: a client written from it alone places a call, and
 * it (and docs/relay.md's table of environment variables) list everything the code has.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { io } from 'socket.io-client';
import { ERROR_CODES, LIMITS, MESSAGE_TYPES } from '../../src/protocol.js';
import { packageRoot } from '../../server/static.js';
import { waitFor } from '../support/wait.js';
import { startRelay } from './support.js';

const root = packageRoot();
const doc = (page: string): string => readFileSync(join(root, 'docs', page), 'utf8');

test('docs/protocol.md documents every event, message type, error code and limit', () => {
  const protocol = doc('protocol.md');
  for (const ev of ['client-id', 'peer-joined', 'peer-left', 'message', 'error', 'connect_error'])
    assert.ok(protocol.includes(`\`${ev}\``), `event ${ev}`);
  for (const t of MESSAGE_TYPES) assert.ok(protocol.includes(`"${t}"`), `type ${t}`);
  for (const c of ERROR_CODES) assert.ok(protocol.includes(`| \`${c}\` |`), `error code ${c} has a row`);
  for (const f of ['type', 'sdp', 'candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment', 'to', 'clientId'])
    assert.ok(protocol.includes(`| \`${f}\` |`), `field ${f} has a row`);
  const limits = [
    LIMITS.maxSdpBytes, LIMITS.maxCandidateBytes, LIMITS.maxSdpMidLength, LIMITS.maxUsernameFragmentLength,
    LIMITS.maxIdLength, LIMITS.maxTokenLength, LIMITS.messagesPerSecond, LIMITS.messageBurst, LIMITS.maxFrameBytes,
    LIMITS.maxRoomLength,
  ];
  for (const n of limits) assert.ok(protocol.includes(String(n)), `limit ${n}`);
  assert.ok(protocol.includes(`0–${LIMITS.maxSdpMLineIndex}`), 'sdpMLineIndex range');
});

test('docs/relay.md has a row for every environment variable the CLI reads', () => {
  const relayDoc = doc('relay.md');
  const src = readFileSync(join(root, 'server/options.ts'), 'utf8');
  const vars = [...src.matchAll(/get\('([A-Z_]+)'\)/g)].map((m) => m[1]!);
  assert.ok(vars.length >= 12, `found ${vars.length} variables in options.ts`);
  for (const v of vars) assert.ok(relayDoc.includes(`| \`${v}\` |`), `${v} has a row in the table`);
});

test('a client written from docs/protocol.md places a call: offer, answer, candidates, bye', async (t) => {
  const relay = await startRelay(t);
  // --- written from docs/protocol.md only ---
  type Msg = { type: string; sdp?: string; candidate?: string; sdpMid?: string | null; sdpMLineIndex?: number | null; from: string; clientId: string };
  const log: Record<string, string[]> = { alice: [], bob: [] };
  let done = 0;
  const ids: Record<string, string> = {};
  function client(name: 'alice' | 'bob') {
    const socket = io(relay.url, { auth: { room: 'readme-call' }, reconnection: false });
    t.after(() => socket.close());
    const send = (m: object) => socket.emit('message', m as never);
    const candidates = () => {
      send({ type: 'candidate', candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${name === 'alice' ? 50001 : 50002} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
      send({ type: 'candidate', candidate: '' });
    };
    socket.on('client-id', ({ id, peers }: { id: string; peers: string[] }) => {
      ids[name] = id;
      // The newcomer calls whoever is already there.
      if (peers.length) { send({ type: 'offer', sdp: `v=0\r\no=${name} 1 1 IN IP4 127.0.0.1\r\n` }); candidates(); }
    });
    socket.on('message', (m: Msg) => {
      log[name]!.push(`${m.type}:${m.from === ids[name === 'alice' ? 'bob' : 'alice'] && m.clientId === m.from ? 'stamped' : 'WRONG'}`);
      if (m.type === 'offer') { send({ type: 'answer', sdp: `v=0\r\no=${name} 2 2 IN IP4 127.0.0.1\r\n` }); candidates(); }
      if (m.type === 'candidate' && m.candidate === '' && name === 'alice') send({ type: 'bye' });
      if (m.type === 'bye') { done++; socket.close(); }
    });
    socket.on('error', (e: { code: string }) => log[name]!.push(`error:${e.code}`));
    return socket;
  }
  // --- end ---
  const alice = client('alice');
  await waitFor('alice has an id', () => ids.alice !== undefined);
  client('bob');
  await waitFor('bob got bye', () => done === 1);
  assert.deepEqual(log.alice, ['offer:stamped', 'candidate:stamped', 'candidate:stamped']);
  assert.deepEqual(log.bob, ['answer:stamped', 'candidate:stamped', 'candidate:stamped', 'bye:stamped']);
  assert.ok(alice.connected);
});
