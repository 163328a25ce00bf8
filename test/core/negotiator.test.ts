import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecoveringNegotiator as Negotiator } from '../../src/core/ice-recovery.js';
import { toCandidateInit, candidateMessage } from '../../src/protocol/index.js';
import type { SignalMessage } from '../../src/protocol/index.js';
import { FakePeer, nodeTimers, settle } from './fakes.js';

interface Side {
  pc: FakePeer;
  neg: Negotiator;
  sent: SignalMessage[];
  events: string[];
}

/** Two negotiators wired back to back; `deliver` decides when a message arrives. */
function pair(opts: { sync?: boolean; maxRestarts?: number } = {}): { a: Side; b: Side } {
  const mk = (name: string, polite: boolean): Side => {
    const pc = new FakePeer(name);
    const events: string[] = [];
    const sent: SignalMessage[] = [];
    const side = { pc, sent, events } as Side;
    side.neg = new Negotiator({
      pc,
      polite: () => polite,
      send: (m) => {
        sent.push(m);
        const other = side === a ? b : a;
        if (opts.sync) void other.neg.handleSignal(m);
        else setImmediate(() => void other.neg.handleSignal(m));
      },
      onConnected: () => events.push('connected'),
      onInterrupted: () => events.push('interrupted'),
      onFailed: () => events.push('failed'),
      onError: (e) => events.push(`error ${(e as Error).message}`),
      maxRestarts: opts.maxRestarts ?? 2,
      ...nodeTimers,
    });
    pc.onnegotiationneeded = () => void side.neg.onNegotiationNeeded();
    pc.onicecandidate = (e) => side.neg.onLocalCandidate(e.candidate);
    pc.oniceconnectionstatechange = () => side.neg.onIceConnectionStateChange();
    return side;
  };
  const a: Side = mk('a', true);
  const b: Side = mk('b', false);
  return { a, b };
}

test('one side offers: offer/answer complete, both stable', async () => {
  const { a, b } = pair();
  await a.neg.offer();
  await settle();
  assert.equal(a.pc.signalingState, 'stable');
  assert.equal(b.pc.signalingState, 'stable');
  assert.deepEqual(a.sent.map((m) => m.type), ['offer']);
  assert.deepEqual(b.sent.map((m) => m.type), ['answer']);
  assert.match(b.pc.remoteDescription?.sdp ?? '', /offer#1 from a/);
  assert.equal(b.neg.offersAllowed, true, 'after one exchange the answerer may renegotiate');
});

test('negotiationneeded is ignored until offers are allowed (never races an incoming offer)', async () => {
  const { a } = pair();
  await a.neg.onNegotiationNeeded();
  assert.equal(a.sent.length, 0);
  assert.equal(a.pc.signalingState, 'stable');
});

for (const sync of [false, true]) {
  test(`glare (${sync ? 'offer arrives while the other is still making its own' : 'both offers in flight'}): the polite side rolls back, one negotiation wins`, async () => {
    const { a, b } = pair({ sync });
    await Promise.all([a.neg.offer(), b.neg.offer()]);
    await settle();
    assert.equal(a.pc.signalingState, 'stable');
    assert.equal(b.pc.signalingState, 'stable');
    // The impolite side's offer won: polite `a` rolled back and answered it.
    assert.ok(a.pc.log.includes('rollback'), `a.log = ${a.pc.log.join(', ')}`);
    assert.equal(a.pc.remoteDescription?.type, 'offer');
    assert.match(a.pc.remoteDescription?.sdp ?? '', /from b/);
    assert.equal(b.pc.remoteDescription?.type, 'answer');
    assert.ok(!b.pc.log.includes('rollback'));
    assert.ok(!b.pc.log.includes('SRD offer'), 'impolite side never applied the colliding offer');
    assert.deepEqual(a.sent.map((m) => m.type), ['offer', 'answer']);
    assert.deepEqual(b.sent.map((m) => m.type), ['offer']);
    assert.deepEqual(a.events.filter((e) => e.startsWith('error')), []);
    assert.deepEqual(b.events.filter((e) => e.startsWith('error')), []);
  });
}

test('candidates of an ignored (colliding) offer are dropped without an error', async () => {
  const { b } = pair();
  await b.neg.offer(); // b has a local offer
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  assert.equal(b.neg.ignoreOffer, true);
  await b.neg.handleSignal({ type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'au0' });
  assert.equal(b.pc.added.length, 0);
  assert.equal(b.pc.signalingState, 'have-local-offer');
});

test('early candidates (before the offer) are queued, then applied after setRemoteDescription', async () => {
  const { b } = pair();
  const cand = { type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'au0' } as const;
  await b.neg.handleSignal(cand);
  await b.neg.handleSignal({ ...cand, candidate: 'candidate:2 1 udp 2122 127.0.0.1 5001 typ host' });
  assert.equal(b.pc.added.length, 0, 'not applied without a remote description');
  assert.equal(b.neg.pending.length, 2);
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  assert.deepEqual(b.pc.added.map((c) => c.candidate?.split(' ')[0]), ['candidate:1', 'candidate:2']);
  assert.equal(b.neg.pending.length, 0);
  assert.equal(b.pc.signalingState, 'stable');
});

test('a candidate that arrives while an offer is being answered is handed over as soon as the offer is set, before the answer (not queued behind it)', async () => {
  const { b } = pair();
  const order: string[] = [];
  const pc = b.pc;
  const [srd, sld, add] = [pc.setRemoteDescription.bind(pc), pc.setLocalDescription.bind(pc), pc.addIceCandidate.bind(pc)];
  pc.setRemoteDescription = (d) => (order.push(`SRD ${d.type}`), srd(d));
  pc.setLocalDescription = (d) => (order.push('SLD answer'), sld(d));
  pc.addIceCandidate = (c) => (order.push(c.candidate?.split(' ')[0] ?? ''), add(c));
  const cand = { type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'au0' } as const;
  const answered = b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  void b.neg.handleSignal(cand); // arrives while the offer is being set
  await answered;
  assert.deepEqual(order, ['SRD offer', 'candidate:1', 'SLD answer']);
  // Once the offer is set, a new candidate goes straight to the peer connection.
  void b.neg.handleSignal({ ...cand, candidate: 'candidate:2 1 udp 2122 127.0.0.1 5001 typ host' });
  assert.equal(order.at(-1), 'candidate:2', 'handed over synchronously');
  await settle();
  assert.deepEqual(pc.added.map((c) => c.candidate?.split(' ')[0]), ['candidate:1', 'candidate:2']);
});

test('candidates of an offer go to the peer connection in the same turn as the offer (queued behind it on its operations chain), not once it is set: applied later, the browser blocks the page on each', async () => {
  const { b } = pair();
  const pc = b.pc;
  const order: string[] = [];
  let release = (): void => undefined;
  const [srd, add] = [pc.setRemoteDescription.bind(pc), pc.addIceCandidate.bind(pc)];
  pc.setRemoteDescription = (d) => (order.push(`SRD ${d.type}`), srd(d));
  // The offer takes until release() to apply, and holds the peer connection's operations chain meanwhile.
  const inner = pc as unknown as { srd: (d: unknown) => Promise<void> };
  const applyOffer = inner.srd.bind(pc);
  inner.srd = (d) => new Promise<void>((r) => (release = r)).then(() => applyOffer(d));
  pc.addIceCandidate = (c) => (order.push(c.candidate?.split(' ')[0] ?? ''), add(c));
  const cand = { type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'au0' } as const;
  void b.neg.handleSignal(cand); // before the offer: waits in `pending`
  const answered = b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  await settle();
  assert.deepEqual(order, ['SRD offer', 'candidate:1'], 'handed over while the offer is still being set');
  void b.neg.handleSignal({ ...cand, candidate: 'candidate:2 1 udp 2122 127.0.0.1 5001 typ host' });
  assert.equal(order.at(-1), 'candidate:2');
  release();
  await answered;
  await settle();
  assert.deepEqual(pc.added.map((c) => c.candidate?.split(' ')[0]), ['candidate:1', 'candidate:2']);
  assert.equal(b.sent.at(-1)?.type, 'answer');
});

test('an offer that fails to apply: candidates of the description in place still go through, its own wait', async () => {
  const { b } = pair();
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  const pc = b.pc;
  const srd = pc.setRemoteDescription.bind(pc);
  pc.setRemoteDescription = (d) => (d.sdp?.includes('au9') ? Promise.reject(new Error('bad sdp')) : srd(d));
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 broken\na=ice-ufrag:au9' });
  assert.ok(b.events.some((e) => e.includes('bad sdp')), 'the failure is reported');
  const cand = { type: 'candidate', candidate: 'candidate:1 1 udp 2122 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } as const;
  await b.neg.handleSignal({ ...cand, usernameFragment: 'au0' });
  await b.neg.handleSignal({ ...cand, candidate: 'candidate:9 1 udp 2122 127.0.0.1 5009 typ host', usernameFragment: 'au9' });
  assert.deepEqual(pc.added.map((c) => c.usernameFragment), ['au0']);
  assert.equal(b.neg.pending.length, 1);
});

test("the tutorial's bare candidate strings get sdpMLineIndex 0 and are accepted", async () => {
  const { b } = pair();
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 tutorial offer\na=ice-ufrag:tut' });
  await b.neg.handleSignal({ type: 'candidate', candidate: 'candidate:9 1 udp 2122 127.0.0.1 5009 typ host' });
  assert.equal(b.pc.added.length, 1);
  assert.equal(b.pc.added[0]?.sdpMLineIndex, 0);
  assert.equal(b.pc.added[0]?.sdpMid, undefined);
  assert.deepEqual(toCandidateInit({ type: 'candidate', candidate: 'c', sdpMid: 'audio' }), { candidate: 'c', sdpMid: 'audio' });
});

test('local candidates are sent in full; end-of-candidates is not sent', () => {
  const { a } = pair();
  a.pc.gather();
  a.neg.onLocalCandidate(null);
  a.neg.onLocalCandidate({ candidate: '' });
  assert.equal(a.sent.length, 1);
  assert.deepEqual(Object.keys(a.sent[0] ?? {}).sort(), ['candidate', 'sdpMLineIndex', 'sdpMid', 'type', 'usernameFragment']);
  assert.deepEqual(candidateMessage({ candidate: 'x', sdpMid: null, sdpMLineIndex: null }), { type: 'candidate', candidate: 'x' });
});

test('a stray answer (nothing offered) is ignored, not thrown', async () => {
  const { a } = pair();
  await a.neg.handleSignal({ type: 'answer', sdp: 'v=0 answer' });
  assert.equal(a.pc.signalingState, 'stable');
  assert.equal(a.pc.remoteDescription, null);
  assert.deepEqual(a.events, []);
});

test('ICE failed → restartIce and a new offer with the new ufrag; the other side answers', async () => {
  const { a, b } = pair();
  await a.neg.offer();
  await settle();
  a.pc.setIce('connected');
  a.pc.setIce('failed');
  assert.equal(a.pc.restartCount, 1);
  await settle();
  assert.deepEqual(a.sent.map((m) => m.type), ['offer', 'offer']);
  assert.match(a.sent[1]?.sdp ?? '', /ice-ufrag:au1/);
  assert.deepEqual(b.sent.map((m) => m.type), ['answer', 'answer']);
  assert.deepEqual(a.events, ['connected', 'interrupted']);
});

test('candidates of a restarted ICE session that arrive before its offer wait for it', async () => {
  const { b } = pair();
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#1 from a\na=ice-ufrag:au0' });
  await b.neg.handleSignal({ type: 'candidate', candidate: 'candidate:7 1 udp 1 127.0.0.1 7 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'au1' });
  assert.equal(b.pc.added.length, 0);
  await b.neg.handleSignal({ type: 'offer', sdp: 'v=0 offer#2 from a\na=ice-ufrag:au1' });
  assert.equal(b.pc.added.length, 1);
  assert.equal(b.pc.added[0]?.usernameFragment, 'au1');
});

test('ICE disconnected: restart only if it stays disconnected past the grace period', async () => {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let ids = 0;
  const pc = new FakePeer('x');
  const events: string[] = [];
  const neg = new Negotiator({
    pc,
    polite: () => true,
    send: () => undefined,
    onConnected: () => events.push('connected'),
    onInterrupted: () => events.push('interrupted'),
    onFailed: () => events.push('failed'),
    setTimer: (fn, ms) => (timers.set(++ids, { fn, ms }), ids),
    clearTimer: (h) => void timers.delete(h as number),
  });
  // The grace timer is the 3 s one (the media watchdog looks every second).
  const grace = (): number[] => [...timers].filter(([, t]) => t.ms === 3000).map(([id]) => id);
  pc.oniceconnectionstatechange = () => neg.onIceConnectionStateChange();
  pc.setIce('connected');
  pc.setIce('disconnected');
  assert.equal(grace().length, 1);
  pc.setIce('connected'); // recovered alone
  assert.deepEqual([grace().length, pc.restartCount], [0, 0], 'the grace timer is cleared, nothing restarted');
  pc.setIce('disconnected');
  const [id] = grace();
  timers.get(id!)?.fn();
  assert.equal(pc.restartCount, 1);
  assert.ok(events.includes('interrupted'));
  neg.close();
});

test('after maxRestarts failed restarts the negotiator gives up (onFailed)', () => {
  const { a } = pair({ maxRestarts: 2 });
  a.pc.setIce('failed');
  a.pc.setIce('failed');
  a.pc.setIce('failed');
  assert.equal(a.pc.restartCount, 2);
  assert.equal(a.events.at(-1), 'failed');
});

test('close(): pc closed, nothing sent afterwards, queued candidates dropped', async () => {
  const { a } = pair();
  await a.neg.handleSignal({ type: 'candidate', candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host' });
  a.neg.close();
  assert.equal(a.pc.closed, true);
  assert.equal(a.neg.pending.length, 0);
  await a.neg.offer();
  a.pc.gather();
  await a.neg.handleSignal({ type: 'offer', sdp: 'v=0' });
  assert.equal(a.sent.length, 0);
});

test('gathering that ends without a single local candidate gathers again after 2 s while ICE is not up (TURN down for a moment); the fifth empty one in a row fails', () => {
  const timers: Array<[() => void, number]> = [];
  const pc = new FakePeer('x');
  const events: string[] = [];
  const neg = new Negotiator({
    pc, polite: () => true, send: () => undefined,
    onConnected: () => events.push('connected'), onInterrupted: () => events.push('interrupted'), onFailed: () => events.push('failed'),
    setTimer: (fn, ms) => timers.push([fn, ms]), clearTimer: () => undefined,
  });
  neg.onLocalCandidate(null);
  assert.deepEqual(events, [], 'no failure at the first empty gathering');
  assert.deepEqual(timers.map(([, ms]) => ms), [2000]);
  timers[0]![0]();
  assert.equal(pc.restartCount, 1, 'gathers again');
  neg.onLocalCandidate({ candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ relay', sdpMid: '0', sdpMLineIndex: 0 });
  neg.onLocalCandidate(null);
  assert.equal(timers.length, 1, 'one candidate is enough: no new attempt');
  // An empty gathering whose attempt falls due once ICE is up: nothing to do.
  const other = new FakePeer('y');
  const neg2 = new Negotiator({ pc: other, polite: () => true, send: () => undefined, onConnected: () => undefined, onInterrupted: () => undefined, onFailed: () => undefined,
    setTimer: (fn, ms) => timers.push([fn, ms]), clearTimer: () => undefined });
  neg2.onLocalCandidate(null);
  other.iceConnectionState = 'connected';
  timers.at(-1)![0]();
  assert.equal(other.restartCount, 0);
  neg.close();
  neg2.close();
  // TURN refusing us for good: four more empty gatherings are retried, the fifth in a row fails.
  const refused = new FakePeer('z');
  const ev: string[] = [];
  const neg3 = new Negotiator({ pc: refused, polite: () => true, send: () => undefined, onConnected: () => undefined, onInterrupted: () => undefined, onFailed: () => ev.push('failed'),
    setTimer: () => undefined, clearTimer: () => undefined });
  for (let i = 0; i < 4; i++) neg3.onLocalCandidate(null);
  assert.deepEqual(ev, []);
  neg3.onLocalCandidate(null);
  assert.deepEqual(ev, ['failed']);
  neg3.close();
});
