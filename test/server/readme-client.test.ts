/**
 * docs/protocol.md is the protocol's user manual: a client written from it alone places a call, and
 * it (and docs/relay.md's table of environment variables) list everything the code has.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { ERROR_CODES, LIMITS, MESSAGE_TYPES } from '../../src/protocol/index.js';
import { waitFor } from '../support/wait.js';
import { startRelay } from './support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = (page: string): string => readFileSync(join(root, 'docs', page), 'utf8');

test('docs/protocol.md documents every event, message type, error code and limit', () => {
  const protocol = doc('protocol.md');
  for (const ev of ['client-id', 'peer-joined', 'peer-left', 'message', 'error', 'connect_error', 'presence', 'ringing', 'bound'])
    assert.ok(protocol.includes(`\`${ev}\``), `event ${ev}`);
  for (const t of MESSAGE_TYPES) assert.ok(protocol.includes(`"${t}"`), `type ${t}`);
  for (const c of ERROR_CODES) assert.ok(protocol.includes(`| \`${c}\` |`), `error code ${c} has a row`);
  for (const f of ['type', 'sdp', 'candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment', 'to', 'clientId', 'call', 'kind', 'name', 'reason'])
    assert.ok(protocol.includes(`| \`${f}\` |`), `field ${f} has a row`);
  for (const f of ['protocol', 'incoming', 'name', '`call`, `key`'])
    assert.ok(protocol.includes(`| ${f.startsWith('`') ? f : `\`${f}\``} |`), `handshake field ${f} has a row`);
  for (const d of ['Ring, accept, offer and answer, hang up', 'Decline', 'Cancel', 'No answer'])
    assert.match(protocol, new RegExp(`### ${d}\n\n\`\`\`mermaid\nsequenceDiagram\n`), `a sequence diagram: ${d}`);
  const limits = [
    LIMITS.maxSdpBytes, LIMITS.maxCandidateBytes, LIMITS.maxSdpMidLength, LIMITS.maxUsernameFragmentLength,
    LIMITS.maxIdLength, LIMITS.maxTokenLength, LIMITS.messagesPerSecond, LIMITS.messageBurst, LIMITS.maxFrameBytes,
    LIMITS.maxRoomLength, LIMITS.maxCallIdLength, LIMITS.maxNameLength, LIMITS.defaultRoomMembers,
  ];
  for (const n of limits) assert.ok(protocol.includes(String(n)), `limit ${n}`);
  assert.ok(protocol.includes(`0–${LIMITS.maxSdpMLineIndex}`), 'sdpMLineIndex range');
});

// docs/relay.md's table of variables is held to the configuration table by test/docs/config.test.ts.

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

test('a desk and a visitor written from docs/protocol.md’s version-2 client place a ringing call: ring, accept, bound, offer, answer, candidates, bye', async (t) => {
  const relay = await startRelay(t);
  type Msg = { type: string; call?: string; kind?: string; name?: string; reason?: string; sdp?: string; candidate?: string; from: string };
  const log: Record<string, string[]> = { desk: [], visitor: [] };
  const ui: Record<string, { dial(): void; hangUp(): void }> = {};
  // --- written from docs/protocol.md only (the browser's media and peer connection replaced by a stand-in) ---
  function page(who: 'desk' | 'visitor', auth: object) {
    const socket = io(relay.url, { auth: { room: 'support', protocol: 2, ...auth }, reconnection: false });
    t.after(() => socket.close());
    const send = (m: object) => socket.emit('message', m as never);
    let call: string | null = null;
    let calling = false;
    let pc: Promise<{ setLocalDescription(): Promise<void>; localDescription: { sdp: string }; setRemoteDescription(m: Msg): Promise<void>; addIceCandidate(c: object): Promise<void>; close(): void }> | null = null;
    const peerConnection = async () => {
      const c = {
        localDescription: { sdp: '' },
        remote: false,
        async setLocalDescription() { c.localDescription = { sdp: `v=0\r\no=${who} ${c.remote ? 'answer' : 'offer'}\r\n` }; setTimeout(() => send({ type: 'candidate', candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${who === 'desk' ? 50001 : 50002} typ host`, sdpMid: '0', sdpMLineIndex: 0 }), 10); }, // gathering runs after
        async setRemoteDescription() { c.remote = true; },
        async addIceCandidate() {},
        close() { log[who]!.push('closed'); },
      };
      return c;
    };
    const dial = () => { call = 'c' + Math.random().toString(36).slice(2); calling = true; pc = peerConnection(); send({ type: 'ready', call, kind: 'video' }); };
    const accept = (ring: Msg) => { call = ring.call!; calling = false; pc = peerConnection(); send({ type: 'accept', call }); };
    const hangUp = () => { send({ type: 'bye' }); void pc?.then((c) => c.close()); pc = call = null; };
    const showRing = (m: Msg) => { log[who]!.push(`ring from ${m.name} (${m.kind})`); accept(m); };
    socket.on('presence', ({ available, busy }: { available: number; busy: number }) => log[who]!.push(`presence ${available}/${busy}`));
    socket.on('bound', async ({ call: c }: { call: string; key: string }) => {
      if (c !== call) return;
      log[who]!.push('bound');
      const p = (await pc)!;
      if (calling) { await p.setLocalDescription(); send({ type: 'offer', sdp: p.localDescription.sdp }); }
    });
    socket.on('message', async (m: Msg) => {
      log[who]!.push(m.type);
      if (m.type === 'ready' && m.call && !call) showRing(m);
      const p = await pc;
      if (m.type === 'offer') { await p!.setRemoteDescription(m); await p!.setLocalDescription(); send({ type: 'answer', sdp: p!.localDescription.sdp }); }
      if (m.type === 'answer') await p!.setRemoteDescription(m);
      if (m.type === 'candidate' && m.candidate) await p!.addIceCandidate({ candidate: m.candidate });
      if (m.type === 'bye') { p?.close(); pc = call = null; }
    });
    socket.on('error', (e: { code: string }) => log[who]!.push(`error:${e.code}`));
    ui[who] = { dial, hangUp };
    return socket;
  }
  // --- end ---
  page('desk', { name: 'Front desk' });
  await waitFor('the desk is in', () => log.desk!.includes('presence 1/0'));
  const visitor = page('visitor', { name: 'Ann', incoming: false });
  await waitFor('the visitor is connected', () => visitor.connected);
  ui.visitor!.dial();
  await waitFor('both talk', () => log.visitor!.includes('answer') && log.visitor!.includes('candidate') && log.desk!.includes('candidate'));
  // Presence is sent at most once a second per room: a call shorter than that might never show busy.
  await waitFor('the desk hears it is busy', () => log.desk!.includes('presence 0/1'));
  ui.visitor!.hangUp();
  await waitFor('the desk hears bye', () => log.desk!.includes('bye'));
  await waitFor('the desk is free again', () => log.desk!.filter((l) => l.startsWith('presence')).at(-1) === 'presence 1/0' && log.desk!.includes('closed'));
  assert.deepEqual(log.desk!.filter((l) => !l.startsWith('presence')), ['ready', 'ring from Ann (video)', 'bound', 'offer', 'candidate', 'bye', 'closed']);
  assert.deepEqual(log.visitor!.filter((l) => !l.startsWith('presence')), ['bound', 'answer', 'candidate', 'closed']);
  assert.ok(log.desk!.includes('presence 0/1'), `the desk was busy in the call: ${log.desk!.join(', ')}`);
});
