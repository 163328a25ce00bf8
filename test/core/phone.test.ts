import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phone, type PhoneDeps, type PhoneSnapshot } from '../../src/core/phone.js';
import type { CallKind } from '../../src/core/state.js';
import { FakePeer, FakeRelay, FakeStream, nodeTimers, settle } from './fakes.js';

let ids = 0;

interface Harness {
  c: Phone<FakeStream>;
  peers: FakePeer[];
  streams: FakeStream[];
  states: string[];
  logs: unknown[][];
}

/** A controller on the fake relay with fake media and fake peer connections (pure logic only). */
function make(relay: FakeRelay, opts: { room?: string; media?: (k: CallKind) => Promise<FakeStream>; connectTimeoutMs?: number; fetchFails?: boolean; warmUp?: () => void } = {}): Harness {
  const peers: FakePeer[] = [];
  const streams: FakeStream[] = [];
  const logs: unknown[][] = [];
  const deps: PhoneDeps<FakeStream> = {
    connectSignaling: relay.connect,
    fetchIce: async () => {
      if (opts.fetchFails) throw new Error('down');
      return { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'all', ttl: 600 };
    },
    getMedia: async (kind) => {
      const s = opts.media ? await opts.media(kind) : new FakeStream(kind === 'video' ? ['audio', 'video'] : ['audio']);
      streams.push(s);
      return s;
    },
    createPeer: (config) => {
      const pc = new FakePeer(undefined, config);
      peers.push(pc);
      return pc;
    },
    playRemoteAudio: async () => true,
    ...(opts.warmUp ? { warmUp: opts.warmUp } : {}),
    log: (...a) => logs.push(a),
    newStream: () => new FakeStream([]),
    now: Date.now,
    newId: () => `call${++ids}`,
    // Calls left connecting at the end of a test must not keep node alive.
    ...nodeTimers,
  };
  const c = new Phone(deps, { connectTimeoutMs: opts.connectTimeoutMs ?? 5000, relayWaitMs: 200 });
  const states: string[] = [];
  c.subscribe((s: PhoneSnapshot<FakeStream>) => {
    const label = s.reason ? `${s.state}:${s.reason}` : s.state;
    if (states.at(-1) !== label) states.push(label);
  });
  c.configure({ server: 'http://relay.test', room: opts.room ?? 'r1' });
  return { c, peers, streams, states, logs };
}

const connectIce = (h: Harness): void => h.peers.at(-1)?.setIce('connected');

/** Two controllers in one room; A clicks, then B (once A's `ready` has been delivered, with `settleBetween`). */
async function bothCall(kind: CallKind, settleBetween: boolean): Promise<{ relay: FakeRelay; a: Harness; b: Harness }> {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.startCall(kind);
  if (settleBetween) await settle();
  await b.c.startCall(kind);
  await settle();
  return { relay, a, b };
}

test('prepares before the click: relay joined while idle, no media, no peer', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  assert.equal(a.c.snapshot.relayConnected, true);
  assert.equal(a.c.snapshot.state, 'idle');
  assert.equal(a.streams.length, 0);
  assert.equal(a.peers.length, 0);
});

test('A calls, then B: B heard A’s ready while idle, so its ready goes to A by name and A offers at once even though polite (no extra round trip); both reach connected once; hang-up ends both and frees the devices', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await a.c.startCall('video');
  assert.equal(a.c.snapshot.state, 'waiting');
  await settle(); // A's `ready` reached idle B (and was ignored)
  await b.c.startCall('video');
  await settle();
  assert.equal(a.peers.length, 1);
  assert.equal(b.peers.length, 1);
  const types = relay.sent.map((s) => `${s.from}:${s.message.type}`);
  assert.deepEqual(types.filter((t) => /ready|offer|answer/.test(t)), ['id01:ready', 'id02:ready', 'id01:offer', 'id02:answer']);
  const readys = relay.sent.filter((x) => x.message.type === 'ready').map((x) => x.message.to);
  assert.deepEqual(readys, [undefined, 'id01'], 'the first ready is broadcast, the second goes to the peer that waits');
  assert.equal(a.peers[0]?.signalingState, 'stable');
  assert.equal(b.peers[0]?.signalingState, 'stable');
  assert.equal(a.peers[0]?.tracks.length, 2);
  connectIce(a);
  connectIce(b);
  assert.deepEqual(a.states, ['idle', 'media', 'waiting', 'connecting', 'connected']);
  assert.deepEqual(b.states, ['idle', 'media', 'waiting', 'connecting', 'connected']);
  assert.ok(a.c.snapshot.remoteStream, 'remote stream exposed');

  b.c.hangUp();
  await settle();
  assert.equal(b.c.snapshot.state, 'ended');
  assert.equal(b.c.snapshot.reason, 'hang-up');
  assert.equal(a.c.snapshot.state, 'ended');
  assert.equal(a.c.snapshot.reason, 'remote-hang-up');
  for (const h of [a, b]) {
    assert.ok(h.streams[0]?.tracks.every((t) => t.stopped), 'every local track stopped');
    assert.equal(h.peers[0]?.closed, true);
    assert.equal(h.c.snapshot.localStream, null);
    assert.equal(h.c.snapshot.remoteStream, null);
  }

  // A second call in the same pages works.
  await Promise.all([a.c.startCall('voice'), b.c.startCall('voice')]);
  await settle();
  connectIce(a);
  connectIce(b);
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
});

test('a waiting peer that hung up is forgotten: our ready is broadcast again, not sent to it by name', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await b.c.startCall('video'); // b (id02) waits; idle a hears its ready
  await settle();
  b.c.hangUp(); // its bye reaches idle a
  await settle();
  await a.c.startCall('video');
  await settle();
  const last = relay.sent.filter((x) => x.message.type === 'ready').at(-1);
  assert.equal(last?.from, 'id01');
  assert.equal(last?.message.to, undefined, 'broadcast: nobody is known to wait');
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(relay.sent.filter((x) => x.message.type === 'offer').length, 0, 'nobody offered');
});

test('the waiting peer left just as we click: the relay refuses our ready by name (unknown-peer), so it goes to the room, and the next one to click asks us to offer', async () => {
  const relay = new FakeRelay();
  relay.roomSize = 3;
  const a = make(relay);
  const b = make(relay);
  const c = make(relay);
  await settle();
  await b.c.startCall('video'); // b (id02) waits; idle a and c hear its ready
  await settle();
  relay.drop(relay.members[1]!); // b's socket goes; a has not heard yet
  const started = a.c.startCall('video'); // its ready goes to b by name at once
  await started;
  await settle();
  const readys = relay.sent.filter((x) => x.from === 'id01' && x.message.type === 'ready');
  assert.deepEqual(readys.map((x) => x.message.to), [undefined], 'the refused named ready went out again to the room');
  assert.ok(a.logs.some((l) => String(l[0]).includes('unknown-peer')), 'the refusal is logged');
  await c.c.startCall('video');
  await settle();
  const cReady = relay.sent.filter((x) => x.from === 'id03' && x.message.type === 'ready').at(-1);
  assert.equal(cReady?.message.to, 'id01', 'c heard a waiting and asks it to offer');
  assert.equal(relay.sent.filter((x) => x.message.type === 'offer' && x.from === 'id01').length, 1);
  connectIce(a);
  assert.equal(a.c.snapshot.state, 'connected');
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

test('both click at once: the crossing readys make ONE offer (the impolite side), the call comes up exactly once', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await Promise.all([a.c.startCall('video'), b.c.startCall('video')]);
  await settle(60);
  const sent = (type: string) => relay.sent.filter((s) => s.message.type === type).map((s) => s.from);
  // Lower id (id01 = a) is polite: it never offers in reply to `ready`.
  assert.deepEqual(sent('offer'), ['id02'], 'only the impolite side offered');
  assert.deepEqual(sent('answer'), ['id01']);
  assert.equal(a.peers.length, 1, 'no second peer connection');
  assert.equal(b.peers.length, 1);
  assert.equal(a.peers[0]?.signalingState, 'stable');
  assert.equal(b.peers[0]?.signalingState, 'stable');
  assert.ok(!a.peers[0]?.log.includes('rollback'), 'no glare, nothing rolled back');
  connectIce(a);
  connectIce(b);
  assert.equal(a.c.snapshot.state, 'connected');
  assert.equal(b.c.snapshot.state, 'connected');
});

test("tutorial-style peer first: its ready while we are idle is ignored; our ready makes it offer; its bare candidates work", async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  const tut = relay.join('r1');
  await settle();
  tut.send({ type: 'ready' });
  tut.send({ type: 'offer', sdp: 'v=0 unsolicited\na=ice-ufrag:t0' });
  await settle();
  assert.equal(a.peers.length, 0, 'no answer without the user’s click');
  await a.c.startCall('voice');
  await settle();
  assert.deepEqual(tut.received.map((r) => r.m.type), ['ready']);
  tut.send({ type: 'offer', sdp: 'v=0 tutorial offer\na=ice-ufrag:t1' });
  tut.send({ type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host' });
  await settle();
  assert.equal(a.peers.length, 1);
  assert.equal(a.peers[0]?.added[0]?.sdpMLineIndex, 0);
  assert.ok(tut.received.some((r) => r.m.type === 'answer'));
  assert.equal(relay.sent.filter((s) => s.from === 'id01' && s.message.type === 'offer').length, 0, 'we never offered against it');
});

test('third page in a full room: error room-full, the call in progress is untouched', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  const b = make(relay);
  await settle();
  await Promise.all([a.c.startCall('video'), b.c.startCall('video')]);
  await settle();
  connectIce(a);
  connectIce(b);
  const c = make(relay);
  await settle();
  assert.equal(c.c.snapshot.state, 'error');
  assert.equal(c.c.snapshot.reason, 'room-full');
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

test('hang-up while the permission prompt is open: the late stream is stopped; our ready went out at the click, so a bye follows it', async () => {
  const relay = new FakeRelay();
  let release: (s: FakeStream) => void = () => undefined;
  const late = new FakeStream(['audio']);
  const a = make(relay, { media: () => new Promise((r) => (release = r)) });
  await settle();
  const p = a.c.startCall('voice');
  a.c.hangUp();
  release(late);
  await p;
  assert.equal(a.c.snapshot.state, 'ended');
  assert.ok(late.tracks.every((t) => t.stopped));
  assert.deepEqual(relay.sent.map((x) => x.message.type), ['ready', 'bye']);
  assert.equal(a.peers.length, 0);
});

/** A controller whose getUserMedia resolves only when `release()` is called (an open permission prompt). */
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

/** B clicks and waits (idle A hears its ready); then A clicks, with its permission prompt open until `a.release()` / `a.fail()`. */
async function callIntoOpenPrompt(connectTimeoutMs?: number): Promise<{ relay: FakeRelay; a: ReturnType<typeof makeSlowMedia>; b: Harness; started: Promise<void> }> {
  const relay = new FakeRelay();
  const b = make(relay, connectTimeoutMs ? { connectTimeoutMs } : {});
  const a = makeSlowMedia(relay, connectTimeoutMs);
  await settle();
  await b.c.startCall('video');
  await settle();
  return { relay, a, b, started: a.c.startCall('video') };
}

test('our ready goes out at the click, beside getUserMedia: the offer and candidates that come in meanwhile are held, then answered in order once media is in', async () => {
  const { relay, a, b, started: p } = await callIntoOpenPrompt();
  await settle();
  assert.deepEqual(relay.sent.map((x) => `${x.from}:${x.message.type}`), ['id01:ready', 'id02:ready', 'id01:offer'], 'A asked B to offer before its camera was on');
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
  assert.deepEqual(a.states, ['idle', 'media', 'waiting', 'connecting', 'connected']);
  assert.equal(b.c.snapshot.state, 'connected');
});

test('a callee slow to allow the camera does not time its caller out: the offering side arms its ICE timeout only once answered', async () => {
  const { a, b, started: p } = await callIntoOpenPrompt(30);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(b.c.snapshot.state, 'connecting', 'B offered and waits for the answer, no timeout');
  a.release();
  await p;
  await new Promise((r) => setTimeout(r, 80));
  // Answered, but ICE never came up: now both time out.
  assert.equal(b.c.snapshot.reason, 'ice-failed');
  assert.equal(a.c.snapshot.reason, 'ice-failed');
});

test('camera refused after our ready went out: a bye ends the offer the waiting side already made; nothing is answered', async () => {
  const { relay, a, b, started: p } = await callIntoOpenPrompt();
  await settle();
  a.fail('NotAllowedError');
  await p;
  await settle();
  assert.equal(a.c.snapshot.reason, 'permission-denied');
  assert.equal(a.peers.length, 0);
  assert.deepEqual(relay.sent.map((x) => `${x.from}:${x.message.type}`), ['id01:ready', 'id02:ready', 'id01:offer', 'id02:bye']);
  assert.deepEqual([b.c.snapshot.state, b.c.snapshot.reason], ['ended', 'remote-hang-up']);
  assert.equal(b.peers[0]?.closed, true);
});

test('a peer that leaves while we wait for media: what it sent is dropped, not answered', async () => {
  const { relay, a, started: p } = await callIntoOpenPrompt();
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

test('peer leaves while connecting → back to waiting; a new peer can then connect', async () => {
  const { relay, a, b } = await bothCall('video', false);
  assert.equal(a.c.snapshot.state, 'connecting');
  relay.drop(relay.members[1]!);
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(a.peers[0]?.closed, true);
  const d = make(relay);
  await settle();
  await d.c.startCall('video');
  await settle();
  assert.equal(a.peers.length, 2);
  connectIce(a);
  assert.equal(a.c.snapshot.state, 'connected');
});

test('connected call: relay says the peer left but ICE is up → call continues; ICE then drops → ended remote-left', async () => {
  const { relay, a, b } = await bothCall('voice', false);
  connectIce(a);
  relay.drop(relay.members[1]!);
  await settle();
  assert.equal(a.c.snapshot.state, 'connected');
  a.peers[0]?.setIce('disconnected');
  assert.equal(a.c.snapshot.state, 'ended');
  assert.equal(a.c.snapshot.reason, 'remote-left');
});

test('ICE disconnected mid-call → reconnecting → connected again (ICE restart path)', async () => {
  const { relay, a, b } = await bothCall('voice', true);
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
  await b.c.startCall('video');
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
  await b.c.startCall('voice');
  await settle();
  assert.deepEqual(a.peers[0]?.config, { iceServers: [{ urls: 'stun:127.0.0.1:3478' }], iceTransportPolicy: 'relay' });
  assert.deepEqual(b.peers[0]?.config, { iceServers: [], iceTransportPolicy: 'all' });
});

test('messages from other rooms never arrive; our own echo is ignored', async () => {
  const relay = new FakeRelay();
  const a = make(relay, { room: 'one' });
  const b = make(relay, { room: 'two' });
  await settle();
  await a.c.startCall('voice');
  await b.c.startCall('voice');
  await settle();
  assert.equal(a.c.snapshot.state, 'waiting');
  assert.equal(b.c.snapshot.state, 'waiting');
});

test('configure during a call waits for the call to end', async () => {
  const relay = new FakeRelay();
  const a = make(relay);
  await settle();
  await a.c.startCall('voice');
  a.c.configure({ server: 'http://relay.test', room: 'other' });
  await settle();
  assert.equal(relay.members.filter((m) => m.room === 'other').length, 0);
  a.c.hangUp();
  await settle();
  assert.equal(relay.members.filter((m) => m.room === 'other').length, 1);
});

test('relay restart mid-call: the call stays up, both learn the new ids, a later ICE restart reuses the same peer connections', async () => {
  const { relay, a, b } = await bothCall('video', true);
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
