import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phone, type PhoneDeps, type PhoneSnapshot } from '../../src/core/phone.js';
import type { CallKind } from '../../src/core/state.js';
import type { ConnectSignaling } from '../../src/core/relay-link.js';
import type { IceConfig } from '../../src/protocol/index.js';
import { FakePeer, FakeRelay, FakeStream, nodeTimers, settle } from './fakes.js';

import { connectIce, ids, make, ringCall, types, type Harness } from './phone-harness.js';

test('prepares before the click: relay joined while idle, no media, no peer', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  assert.equal(a.c.snapshot.relayConnected, true);
  assert.equal(a.c.snapshot.state, 'idle');
  assert.equal(a.streams.length, 0);
  assert.equal(a.peers.length, 0);
});

test('A calls, B rings with A’s kind and name and accepts: the request, the accept, A’s offer, B’s answer; both connected once; hang-up ends both and frees the devices; a second call works', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  a.c.configure({ server: 'http://relay.test', room: 'r1', name: 'Ann' });
  await settle();
  await a.c.startCall('video');
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(a.c.snapshot.role, 'caller');
  assert.deepEqual(b.c.snapshot.incoming, { call: 'call' + String(ids), kind: 'video', name: 'Ann' });
  assert.equal(b.c.snapshot.state, 'ringing');
  assert.equal(b.streams.length, 0, 'a ringing page holds no camera');
  await b.c.accept();
  await settle();
  const [A, B] = [a.c.snapshot.selfId, b.c.snapshot.selfId];
  assert.deepEqual(types(relay, /ready|accept|offer|answer/), [`${A}:ready`, `${B}:accept`, `${A}:offer`, `${B}:answer`]);
  assert.equal(a.peers.length, 1);
  assert.equal(b.peers.length, 1);
  assert.equal(a.peers[0]?.tracks.length, 2);
  assert.equal(b.c.snapshot.role, 'callee');
  connectIce(a);
  connectIce(b);
  assert.deepEqual(a.states, ['idle', 'media', 'waiting', 'connecting', 'connected']);
  assert.deepEqual(b.states, ['idle', 'ringing', 'media', 'waiting', 'connecting', 'connected']);
  assert.ok(a.c.snapshot.remoteStream, 'remote stream exposed');

  b.c.hangUp();
  await settle();
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['ended', 'hang-up']);
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'remote-hang-up']);
  for (const h of [a, b]) {
    assert.ok(h.streams[0]?.tracks.every((t) => t.stopped), 'every local track stopped');
    assert.equal(h.peers[0]?.closed, true);
    assert.equal(h.c.snapshot.localStream, null);
    assert.equal(h.c.snapshot.remoteStream, null);
  }

  // A second call in the same pages works, the other way round.
  await b.c.startCall('voice');
  await settle();
  await a.c.accept();
  await settle();
  connectIce(a);
  connectIce(b);
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
});

test('the caller cancels while it rings: the callee ends missed and keeps it in missed; nothing else went out', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.startCall('voice');
  await settle();
  assert.equal(b.c.snapshot.state, 'ringing');
  a.c.hangUp();
  await settle();
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'hang-up']);
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['ended', 'missed']);
  assert.deepEqual(b.c.snapshot.missed.map((m) => [m.kind, m.name]), [['voice', '']]);
  assert.deepEqual(types(relay), ['id01:ready', 'id01:cancel']);
  assert.ok(a.streams[0]?.tracks.every((t) => t.stopped));
});

test('two desks: one declines and the call still rings the other; when it declines too the caller ends declined', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const d1 = make(relay);
  const d2 = make(relay);
  await settle();
  await a.c.startCall('video');
  await settle();
  d1.c.decline();
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting', 'one decline of two');
  assert.equal(d1.c.snapshot.state, 'idle');
  assert.equal(d2.c.snapshot.state, 'ringing');
  d2.c.decline();
  await settle();
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'declined']);
  assert.deepEqual(d2.c.snapshot.missed, [], 'declined here is not missed');
});

test('two desks: the first accept wins, the other stops with answered-elsewhere and is not missed', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const d1 = make(relay);
  const d2 = make(relay);
  await settle();
  await a.c.startCall('video');
  await settle();
  await Promise.all([d1.c.accept(), d2.c.accept()]);
  await settle();
  const won = [d1, d2].filter((d) => d.c.snapshot.state === 'connecting');
  const lost = [d1, d2].filter((d) => d.c.snapshot.reason === 'answered-elsewhere');
  assert.equal(won.length, 1, 'one call');
  assert.equal(lost.length, 1);
  assert.ok(lost[0]!.streams.every((s) => s.tracks.every((t) => t.stopped)), 'the loser released its camera');
  assert.equal(a.c.snapshot.peerId, won[0]!.c.snapshot.selfId);
});

test('nobody answers within the ring timeout: the caller cancels with no-answer and ends no-answer; the desk keeps a missed call', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  a.c.configure({ server: 'http://relay.test', room: 'r1', ringTimeoutMs: 40 });
  await settle();
  await a.c.startCall('voice');
  await new Promise((r) => setTimeout(r, 80));
  await settle();
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'no-answer']);
  assert.deepEqual(relay.sent.at(-1)?.message, { type: 'cancel', call: 'call' + String(ids), reason: 'no-answer' });
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['ended', 'missed']);
});

test('a call-only page never rings; with only call-only pages the caller ends unavailable at once', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const c = make(relay);
  for (const h of [a, c]) h.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false });
  await settle();
  assert.equal(a.c.snapshot.presence, 'offline');
  await a.c.startCall('video');
  await settle();
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'unavailable']);
  assert.equal(c.c.snapshot.state, 'idle');
});

test('presence: a call-only page sees the desk available, then busy while it is in a call', async () => {
  const { relay, a, b } = await ringCall('voice');
  const v = make(relay);
  v.c.configure({ server: 'http://relay.test', room: 'r1', incoming: false });
  await settle();
  assert.deepEqual([v.c.snapshot.presence, v.c.snapshot.available, v.c.snapshot.busy], ['busy', 0, 2]);
  b.c.hangUp();
  await settle();
  assert.deepEqual([v.c.snapshot.presence, v.c.snapshot.available, v.c.snapshot.busy], ['available', 2, 0]);
  assert.equal(a.c.snapshot.presence, 'available', 'the caller page sees the desk, not itself');
});

test('the WebRTC warm-up runs once, when the relay first accepts us (not again on a relay reconnect)', async () => {
  const relay = new FakeRelay();
  let warmed = 0;
  make(relay, { warmUp: () => warmed++ });
  assert.equal(warmed, 0, 'not before the relay accepted us');
  await settle();
  assert.equal(warmed, 1);
  relay.restart();
  await settle();
  assert.equal(warmed, 1);
});

test('both click at once: ONE call — one side takes the other’s request, one offer, no rollback', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await Promise.all([a.c.startCall('video'), b.c.startCall('video')]);
  await settle(60);
  const offers = relay.sent.filter((s) => s.message.type === 'offer').map((s) => s.from);
  assert.equal(offers.length, 1, `one offer: ${offers}`);
  assert.equal(a.peers.length, 1, 'no second peer connection');
  assert.equal(b.peers.length, 1);
  assert.deepEqual([a.c.snapshot.role, b.c.snapshot.role].sort(), ['callee', 'caller']);
  assert.ok(!a.peers[0]?.log.includes('rollback') && !b.peers[0]?.log.includes('rollback'), 'no glare, nothing rolled back');
  connectIce(a);
  connectIce(b);
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
});

test('tutorial-style (v1) client calls: its ready rings us; we accept; it offers with bare candidates, which work', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  const tut = relay.join('r1');
  await settle();
  tut.send({ type: 'ready' });
  await settle();
  assert.equal(a.c.snapshot.state, 'ringing', 'a v1 ready is a call request');
  assert.equal(a.peers.length, 0, 'no answer without the user’s click');
  await a.c.accept();
  await settle();
  assert.ok(tut.received.some((r) => r.m.type === 'ready'), 'the relay tells the v1 caller to offer');
  tut.send({ type: 'offer', sdp: 'v=0 tutorial offer\na=ice-ufrag:t1' });
  tut.send({ type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host' });
  await settle();
  assert.equal(a.peers.length, 1);
  assert.equal(a.peers[0]?.added[0]?.sdpMLineIndex, 0);
  assert.ok(tut.received.some((r) => r.m.type === 'answer'));
  assert.equal(relay.sent.filter((s) => s.from === a.c.snapshot.selfId && s.message.type === 'offer').length, 0, 'we never offered against it');
});

test('we call a tutorial-style (v1) client: it hears ready, answers with its own ready, we offer', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  const tut = relay.join('r1');
  await settle();
  await a.c.startCall('voice');
  await settle();
  assert.ok(tut.received.some((r) => r.m.type === 'ready'), 'our request reached it as ready');
  tut.send({ type: 'ready' });
  await settle();
  assert.equal(a.c.snapshot.state, 'connecting');
  assert.equal(relay.sent.filter((s) => s.from === a.c.snapshot.selfId && s.message.type === 'offer').length, 1);
  assert.ok(tut.received.some((r) => r.m.type === 'offer'));
});

test('a page over ROOM_MEMBERS: error room-full, the call in progress is untouched', async () => {
  const relay = new FakeRelay();
  relay.roomMembers = 2;
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.startCall('video');
  await settle();
  await b.c.accept();
  await settle();
  connectIce(a);
  connectIce(b);
  const c = make(relay);
  await settle();
  assert.deepEqual([c.c.snapshot.state, c.c.snapshot.reason], ['error', 'room-full']);
  await c.c.startCall('video');
  await settle();
  assert.equal(c.c.snapshot.reason, 'room-full', 'a click retries, the room is still full');
  assert.ok(c.streams.every((s) => s.tracks.every((t) => t.stopped)), 'camera released again');
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
});

for (const [name, reason] of [
  ['NotAllowedError', 'permission-denied'],
  ['NotFoundError', 'no-device'],
  ['NotReadableError', 'device-busy'],
] as const) {
  test(`getUserMedia ${name} → error ${reason}`, async () => {
    const relay = new FakeRelay();
    const a = make(relay, { media: async () => Promise.reject(Object.assign(new Error('x'), { name })) });
    await settle();
    await a.c.startCall('video');
    assert.equal(a.c.snapshot.state, 'error');
    assert.equal(a.c.snapshot.reason, reason);
    assert.deepEqual(a.states, ['idle', 'media', `error:${reason}`]);
  });
}

test('hang-up while the permission prompt is open: the late stream is stopped; our request went out at the click, so a cancel follows it', async () => {
  const relay = new FakeRelay();
  let release: (s: FakeStream) => void = () => undefined;
  const late = new FakeStream(['audio']);
  const a = make(relay, { media: () => new Promise((r) => (release = r)) });
  make(relay);
  await settle();
  const p = a.c.startCall('voice');
  await settle();
  a.c.hangUp();
  release(late);
  await p;
  assert.equal(a.c.snapshot.state, 'ended');
  assert.ok(late.tracks.every((t) => t.stopped));
  assert.deepEqual(relay.sent.map((x) => x.message.type), ['ready', 'cancel']);
  assert.equal(a.peers.length, 0);
});

/** A phone whose getUserMedia resolves only when `release()` is called (an open permission prompt). */
function makeSlowMedia(relay: FakeRelay, connectTimeoutMs?: number): Harness & { release: () => void; fail: (name: string) => void } {
  let release = (): void => undefined;
  let fail = (_name: string): void => undefined;
  const h = make(relay, {
    ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
    media: () =>
      new Promise((resolve, reject) => {
        release = () => resolve(new FakeStream(['audio', 'video']));
        fail = (name) => reject(Object.assign(new Error('x'), { name }));
      }),
  });
  return Object.assign(h, { release: () => release(), fail: (n: string) => fail(n) });
}

/** B calls; A's page rings and A accepts, with its permission prompt open until `a.release()` / `a.fail()`. */
async function acceptIntoOpenPrompt(connectTimeoutMs?: number): Promise<{ relay: FakeRelay; a: ReturnType<typeof makeSlowMedia>; b: Harness; started: Promise<void> }> {
  const relay = new FakeRelay();
  const b = make(relay, connectTimeoutMs ? { connectTimeoutMs } : {});
  const a = makeSlowMedia(relay, connectTimeoutMs);
  await settle();
  await b.c.startCall('video');
  await settle();
  return { relay, a, b, started: a.c.accept() };
}

test('our accept goes out at the click, beside getUserMedia: the caller’s offer and candidates that come in meanwhile are held, then answered in order once media is in', async () => {
  const { relay, a, b, started: p } = await acceptIntoOpenPrompt();
  await settle();
  assert.deepEqual(types(relay), ['id01:ready', 'id02:accept', 'id01:offer'], 'B offered before A’s camera was on');
  b.peers[0]?.gather(); // a candidate trickles in too
  await settle();
  assert.equal(a.c.snapshot.state, 'media');
  assert.equal(a.peers.length, 0, 'nothing answered before our media is in');
  a.release();
  await p;
  await settle();
  assert.equal(a.peers.length, 1);
  assert.deepEqual(a.peers[0]?.log.slice(0, 2), ['SRD offer', 'SLD answer']);
  assert.equal(a.peers[0]?.tracks.length, 2, 'our tracks are in the answer');
  assert.equal(a.peers[0]?.added.length, 1, 'the held candidate was applied');
  assert.equal(relay.sent.filter((x) => x.message.type === 'offer').length, 1);
  connectIce(a);
  connectIce(b);
  assert.deepEqual(a.states, ['idle', 'ringing', 'media', 'waiting', 'connecting', 'connected']);
  assert.equal(b.c.snapshot.state, 'connected');
});

test('a callee slow to allow the camera does not time its caller out: the offering side arms its ICE timeout only once answered', async () => {
  const { a, b, started: p } = await acceptIntoOpenPrompt(30);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(b.c.snapshot.state, 'connecting', 'B offered and waits for the answer, no timeout');
  a.release();
  await p;
  await new Promise((r) => setTimeout(r, 80));
  // Answered, but ICE never came up: now both time out.
  assert.equal(b.c.snapshot.reason, 'ice-failed');
  assert.equal(a.c.snapshot.reason, 'ice-failed');
});

test('camera refused after our accept went out: a bye ends the offer the caller already made; nothing is answered', async () => {
  const { relay, a, b, started: p } = await acceptIntoOpenPrompt();
  await settle();
  a.fail('NotAllowedError');
  await p;
  await settle();
  assert.equal(a.c.snapshot.reason, 'permission-denied');
  assert.equal(a.peers.length, 0);
  assert.deepEqual(types(relay), ['id01:ready', 'id02:accept', 'id01:offer', 'id02:bye']);
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['ended', 'remote-hang-up']);
  assert.equal(b.peers[0]?.closed, true);
});

test('a caller that leaves while we wait for media: what it sent is dropped, not answered', async () => {
  const { relay, a, started: p } = await acceptIntoOpenPrompt();
  await settle(); // B's offer is held by A
  relay.drop(relay.members[0]!);
  await settle();
  a.release();
  await p;
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(a.peers.length, 0);
});

test('relay unreachable: error relay-unreachable after the wait, media released', async () => {
  const relay = new FakeRelay();
  const h = make(relay);
  // Simulate a relay that never answers: a link that never calls back.
  const c = new Phone<FakeStream>({
    connectSignaling: () => ({ send: () => undefined, close: () => undefined }),
    fetchIce: async () => Promise.reject(new Error('unreachable')),
    getMedia: async () => new FakeStream(['audio']),
    createPeer: () => new FakePeer(),
    newStream: () => new FakeStream([]),
    playRemoteAudio: async () => true,
    log: () => undefined,
    now: Date.now,
    newId: () => 'lonely',
    // Not unref'd: the relay wait is what this test waits for.
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
  }, { relayWaitMs: 50 });
  c.configure({ server: 'http://nowhere.test' });
  await c.startCall('voice');
  assert.equal(c.snapshot.state, 'error');
  assert.equal(c.snapshot.reason, 'relay-unreachable');
  assert.equal(h.c.snapshot.state, 'idle');
});

test('the peer leaves while connecting → back to waiting, the peer connection closed (it may rejoin the call)', async () => {
  const { relay, a } = await ringCall('video', false);
  assert.equal(a.c.snapshot.state, 'connecting');
  relay.drop(relay.members[1]!);
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(a.peers[0]?.closed, true);
});

test('connected call: relay says the peer left but ICE is up → call continues; ICE then drops → ended remote-left', async () => {
  const { relay, a } = await ringCall('voice', false);
  connectIce(a);
  relay.drop(relay.members[1]!);
  await settle();
  assert.equal(a.c.snapshot.state, 'connected');
  a.peers[0]?.setIce('disconnected');
  assert.equal(a.c.snapshot.state, 'ended');
  assert.equal(a.c.snapshot.reason, 'remote-left');
});

test('ICE disconnected mid-call → reconnecting → connected again (ICE restart path)', async () => {
  const { relay, a } = await ringCall('voice');
  connectIce(a);
  a.peers[0]?.setIce('failed');
  assert.equal(a.c.snapshot.state, 'reconnecting');
  assert.equal(a.peers[0]?.restartCount, 1);
  await settle();
  assert.equal(relay.sent.filter((s) => s.message.type === 'offer').length, 2, 'restart offer sent');
  connectIce(a);
  assert.equal(a.c.snapshot.state, 'connected');
});

test('connecting longer than connectTimeoutMs → error ice-failed, everything released', async () => {
  const relay = new FakeRelay();
  const a = make(relay, { connectTimeoutMs: 30 });
  const b = make(relay, { connectTimeoutMs: 30 });
  await settle();
  await a.c.startCall('video');
  await settle();
  await b.c.accept();
  await new Promise((r) => setTimeout(r, 80));
  for (const h of [a, b]) {
    assert.equal(h.c.snapshot.state, 'error');
    assert.equal(h.c.snapshot.reason, 'ice-failed');
    assert.ok(h.streams[0]?.tracks.every((t) => t.stopped));
    assert.equal(h.peers[0]?.closed, true);
  }
});

test('ICE config: relay policy override and servers reach the peer connection; a failed fetch still allows a host-candidate call', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay, { fetchFails: true });
  a.c.configure({ server: 'http://relay.test', room: 'r1', icePolicy: 'relay' });
  await settle();
  await a.c.startCall('voice');
  await settle();
  await b.c.accept();
  await settle();
  assert.deepEqual(a.peers[0]?.config, { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'relay' });
  assert.deepEqual(b.peers[0]?.config, { iceServers: [], iceTransportPolicy: 'all' });
});

test('another room never rings: a caller alone in its room ends unavailable, the desk of the other room stays idle', async () => {
  const relay = new FakeRelay();
  const a = make(relay, { room: 'one' });
  const b = make(relay, { room: 'two' });
  await settle();
  await a.c.startCall('voice');
  await settle();
  assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'unavailable']);
  assert.equal(b.c.snapshot.state, 'idle');
});

test('configure during a call waits for the call to end', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  make(relay); // someone to ring, so the call goes on
  await settle();
  await a.c.startCall('voice');
  a.c.configure({ server: 'http://relay.test', room: 'other' });
  await settle();
  assert.equal(relay.members.filter((m) => m.room === 'other').length, 0);
  a.c.hangUp();
  await settle();
  assert.equal(relay.members.filter((m) => m.room === 'other').length, 1);
});

test('relay restart mid-call: the call stays up, both rejoin it (call + key) and learn the new ids, a later ICE restart reuses the same peer connections', async () => {
  const { relay, a, b } = await ringCall('video');
  connectIce(a);
  connectIce(b);
  const before = [a.c.snapshot.selfId, b.c.snapshot.selfId];
  relay.restart();
  await settle();
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
  assert.notDeepEqual([a.c.snapshot.selfId, b.c.snapshot.selfId], before, 'new server-assigned ids');
  assert.equal(a.c.snapshot.peerId, b.c.snapshot.selfId);
  assert.equal(b.c.snapshot.peerId, a.c.snapshot.selfId);
  a.peers[0]?.setIce('failed');
  await settle();
  assert.equal(a.peers.length, 1, 'no new peer connection on A');
  assert.equal(b.peers.length, 1, 'B answered the restart offer on its existing peer connection');
  assert.equal(a.peers[0]?.signalingState, 'stable');
  assert.equal(b.peers[0]?.restartCount, 0);
  assert.match(b.peers[0]?.remoteDescription?.sdp ?? '', /ice-ufrag:\S+u1/);
  connectIce(a);
  assert.equal(a.c.snapshot.state, 'connected');
});

test('ICE servers over the socket: client-id’s are used (no /ice-servers fetch); during a call fresh ones are asked for at half their TTL and handed to the peer connection', async () => {
  const relay = new FakeRelay();
  let minted = 0;
  const mint = (): IceConfig => ({ iceServers: [{ urls: 'turn:127.0.0.1:3478', username: `u${++minted}`, credential: 'c' }], iceTransportPolicy: 'all', ttl: 0.2 });
  // The relay hands ICE servers to admitted sockets: in client-id, and as the answer to `ice`.
  const withIce: ConnectSignaling = (url, auth, h) => {
    const link = relay.connect(url, auth, { ...h, onClientId: (p) => h.onClientId({ ...p, ice: mint() }) });
    return { ...link, requestIce: () => setImmediate(() => h.onIce(mint())) };
  };
  let fetched = 0;
  const a = make(relay, { connect: withIce, onFetch: () => fetched++ });
  const b = make(relay, { connect: withIce, onFetch: () => fetched++ });
  await settle();
  assert.equal(fetched, 0, 'nothing fetched over HTTP');
  await a.c.startCall('voice');
  await settle();
  await b.c.accept();
  await settle();
  connectIce(a);
  connectIce(b);
  const u = (h: Harness) => ((h.peers[0]?.config as { iceServers: Array<{ username?: string }> }).iceServers[0]?.username);
  assert.match(u(a) ?? '', /^u\d+$/, 'the peer connection started with the socket’s TURN credentials');
  await new Promise((r) => setTimeout(r, 1300)); // ttl 0.2 s: a refresh is due at ≥ 1 s (the floor)
  await settle();
  assert.ok((a.peers[0]?.configs.length ?? 0) >= 1, 'fresh credentials were handed to the call');
  assert.notEqual((a.peers[0]?.configs.at(-1) as { iceServers: Array<{ username?: string }> }).iceServers[0]?.username, u(a));
  b.c.hangUp();
  await settle();
  const after = minted;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(minted, after, 'no refreshes once the call is over');
  assert.equal(fetched, 0);
});

for (const flowing of [true, false])
  test(`the peer’s socket left with ICE still up and its media ${flowing ? 'still arriving: the call goes on (its link may come back)' : 'stopped (a crash): ended remote-left, without waiting for ICE'}`, async () => {
    const { relay, a } = await ringCall('voice', false);
    connectIce(a);
    const pc = a.peers[0]!;
    const media = setInterval(() => flowing && (pc.bytesReceived += 1000), 100);
    try {
      relay.drop(relay.members[1]!);
      await settle();
      await new Promise((r) => setTimeout(r, 1800));
      assert.equal(pc.iceConnectionState, 'connected', 'ICE has not noticed anything');
      if (flowing) assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['connected', null]);
      else assert.deepEqual([a.c.snapshot.state, a.c.snapshot.reason], ['ended', 'remote-left']);
    } finally {
      clearInterval(media);
    }
  });

test('ICE connected but DTLS not (yet): not Connected; DTLS connected → Connected; DTLS failed over a working path → error ice-failed', async () => {
  const { a, b } = await ringCall('voice');
  const pc = a.peers[0]!;
  pc.connectionState = 'connecting';
  connectIce(a);
  assert.equal(a.c.snapshot.state, 'connecting', 'ICE alone is not a call');
  pc.setConnection('connected');
  assert.equal(a.c.snapshot.state, 'connected');
  const pcb = b.peers[0]!;
  pcb.connectionState = 'connecting';
  connectIce(b);
  pcb.setConnection('failed');
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['error', 'ice-failed']);
});

test('preconnect: without TURN from the relay, a ringing page and the caller hold no peer connection until Accept (today’s path)', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.startCall('video');
  await settle();
  assert.equal(b.c.snapshot.state, 'ringing');
  assert.equal(a.peers.length + b.peers.length, 0, 'no preconnection: the ICE servers hold no TURN');
  assert.deepEqual(types(relay, /offer|answer|candidate/), [], 'nothing negotiated while it rings');
  await b.c.accept();
  await settle();
  assert.equal(a.peers.length, 1);
  assert.equal(b.peers.length, 1);
});
