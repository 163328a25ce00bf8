// The call flow reducer, table-driven: state (with its flags) × event → state + effects.
// Pure logic: no relay, no peer connection. The Phone tests (phone.test.ts) run the same
// rules end to end over the fake relay and fake peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_FLOW, step, type Effect, type Flow, type FlowEvent } from '../../src/core/call-flow.js';

const ME = 'id05';
/** Idle on a connected relay link, as after client-id. */
const idle: Flow = { ...INITIAL_FLOW, selfId: ME, relayConnected: true };
const media: Flow = { ...idle, state: 'media', kind: 'video', readySent: true, held: [] };
const waiting: Flow = { ...media, state: 'waiting', held: null };
const connecting = (peer = 'id09'): Flow => ({ ...waiting, state: 'connecting', peerId: peer });
const connected = (peer = 'id09'): Flow => ({ ...connecting(peer), state: 'connected' });

/** Effects without the listener notifications (those only say the state moved). */
const acts = (fx: Effect[]): Effect[] => fx.filter((e) => e.do !== 'publish');

interface Row {
  name: string;
  from: Flow;
  event: FlowEvent;
  /** The fields of the resulting flow that must hold. */
  to: Partial<Flow>;
  effects: Effect[];
}

const msg = (m: Extract<FlowEvent, { type: 'message' }>['message'], from = 'id09'): FlowEvent => ({ type: 'message', message: m, from });
const END: Effect = { do: 'end' };
const CLEARED = { peerId: null, readySent: false, held: null, peerLeft: false, relinked: false };

const rows: Row[] = [
  // ---- the click and media
  { name: 'click while idle: media, ready broadcast, hold what comes', from: idle, event: { type: 'click', kind: 'video' }, to: { state: 'media', kind: 'video', readySent: true, held: [] }, effects: [{ do: 'send', message: { type: 'ready' } }] },
  { name: 'click with a peer waiting for us: ready to it by name', from: { ...idle, waitingPeer: 'id07' }, event: { type: 'click', kind: 'voice' }, to: { state: 'media', readySent: true }, effects: [{ do: 'send', message: { type: 'ready', to: 'id07' } }] },
  { name: 'click before the relay accepted us: no ready yet', from: { ...idle, relayConnected: false }, event: { type: 'click', kind: 'video' }, to: { state: 'media', readySent: false }, effects: [] },
  { name: 'click during a call does nothing', from: connected(), event: { type: 'click', kind: 'video' }, to: { state: 'connected' }, effects: [] },
  { name: 'camera refused after our ready: bye, error with the reason', from: media, event: { type: 'media-failed', reason: 'permission-denied' }, to: { state: 'error', reason: 'permission-denied', ...CLEARED }, effects: [{ do: 'send', message: { type: 'bye' } }, END] },
  { name: 'camera refused before any ready: no bye', from: { ...media, readySent: false }, event: { type: 'media-failed', reason: 'no-device' }, to: { state: 'error', reason: 'no-device' }, effects: [END] },
  { name: 'relay never came: error relay-unreachable', from: { ...media, readySent: false, relayConnected: false }, event: { type: 'relay-failed', reason: 'relay-unreachable' }, to: { state: 'error', reason: 'relay-unreachable' }, effects: [END] },
  {
    name: 'media in: waiting, and what was held is replayed in order (offer → answered)',
    from: { ...media, held: [[{ type: 'offer', sdp: 'o' }, 'id09'], [{ type: 'candidate', candidate: 'c' }, 'id09']] },
    event: { type: 'media-ready' },
    to: { state: 'connecting', peerId: 'id09', held: null },
    effects: [{ do: 'open', peer: 'id09', offer: false }, { do: 'signal', message: { type: 'offer', sdp: 'o' } }, { do: 'arm' }, { do: 'signal', message: { type: 'candidate', candidate: 'c' } }],
  },
  // ---- who offers
  { name: 'idle: a ready marks its sender as waiting for us, nothing else', from: idle, event: msg({ type: 'ready' }), to: { state: 'idle', waitingPeer: 'id09' }, effects: [] },
  { name: 'waiting: a ready by name means we offer (even when polite)', from: waiting, event: msg({ type: 'ready', to: ME }), to: { state: 'connecting', peerId: 'id09' }, effects: [{ do: 'open', peer: 'id09', offer: true }] },
  { name: 'waiting: crossing broadcast ready, we are polite (lower id): reply by name, no offer', from: waiting, event: msg({ type: 'ready' }, 'id09'), to: { state: 'waiting', peerId: null }, effects: [{ do: 'send', message: { type: 'ready', to: 'id09' } }] },
  { name: 'waiting: crossing broadcast ready, we are impolite (higher id): we offer', from: waiting, event: msg({ type: 'ready' }, 'id01'), to: { state: 'connecting', peerId: 'id01' }, effects: [{ do: 'open', peer: 'id01', offer: true }] },
  { name: 'a ready from the peer we are already connecting with is ignored', from: connecting(), event: msg({ type: 'ready' }), to: { state: 'connecting' }, effects: [] },
  // ---- offers, answers, candidates
  { name: 'idle: an offer is never answered (no click, no consent)', from: idle, event: msg({ type: 'offer', sdp: 'o' }), to: { state: 'idle', peerId: null }, effects: [] },
  { name: 'media: messages are held, not handled', from: media, event: msg({ type: 'offer', sdp: 'o' }), to: { state: 'media', held: [[{ type: 'offer', sdp: 'o' }, 'id09']] }, effects: [] },
  { name: 'our own echo is ignored', from: waiting, event: msg({ type: 'offer', sdp: 'o' }, ME), to: { state: 'waiting' }, effects: [] },
  { name: 'answer while connecting: arm the connect timeout, then hand it over', from: connecting(), event: msg({ type: 'answer', sdp: 'a' }), to: { state: 'connecting' }, effects: [{ do: 'arm' }, { do: 'signal', message: { type: 'answer', sdp: 'a' } }] },
  { name: 'a candidate from someone else is dropped', from: connecting(), event: msg({ type: 'candidate', candidate: 'c' }, 'id11'), to: { state: 'connecting' }, effects: [] },
  { name: 'an offer from the current peer mid-call (ICE restart) goes to the same connection', from: connected(), event: msg({ type: 'offer', sdp: 'o2' }), to: { state: 'connected' }, effects: [{ do: 'signal', message: { type: 'offer', sdp: 'o2' } }] },
  // ---- bye and leaving
  { name: 'bye from the peer: ended remote-hang-up', from: connected(), event: msg({ type: 'bye' }), to: { state: 'ended', reason: 'remote-hang-up', ...CLEARED }, effects: [END] },
  { name: 'bye from a waiting peer forgets it', from: { ...idle, waitingPeer: 'id09' }, event: msg({ type: 'bye' }), to: { state: 'idle', waitingPeer: undefined }, effects: [] },
  { name: 'hang-up: bye, ended hang-up', from: connected(), event: { type: 'hang-up' }, to: { state: 'ended', reason: 'hang-up', ...CLEARED }, effects: [{ do: 'send', message: { type: 'bye' } }, END] },
  { name: 'hang-up when idle does nothing', from: idle, event: { type: 'hang-up' }, to: { state: 'idle' }, effects: [] },
  { name: 'peer left while connecting: close, wait for the next', from: connecting(), event: { type: 'peer-left', id: 'id09', iceUp: false }, to: { state: 'waiting', peerId: null }, effects: [{ do: 'close' }] },
  { name: 'peer left with ICE up: the call goes on (peerLeft)', from: connected(), event: { type: 'peer-left', id: 'id09', iceUp: true }, to: { state: 'connected', peerLeft: true }, effects: [] },
  { name: 'peer left with ICE down: ended remote-left', from: connected(), event: { type: 'peer-left', id: 'id09', iceUp: false }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'then ICE drops after the peer left: ended remote-left', from: { ...connected(), peerLeft: true }, event: { type: 'ice-down' }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'a held message of a peer that left is dropped', from: { ...media, held: [[{ type: 'offer', sdp: 'o' }, 'id09']] }, event: { type: 'peer-left', id: 'id09', iceUp: false }, to: { state: 'media', held: [] }, effects: [] },
  { name: 'peer back on a new socket after it left: same call, new id', from: { ...connected(), peerLeft: true }, event: { type: 'peer-joined', id: 'id12' }, to: { state: 'connected', peerId: 'id12', peerLeft: false }, effects: [] },
  // ---- ICE
  { name: 'ICE up: connected', from: connecting(), event: { type: 'ice-up' }, to: { state: 'connected' }, effects: [] },
  { name: 'ICE down mid-call: reconnecting, connect timeout armed', from: connected(), event: { type: 'ice-down' }, to: { state: 'reconnecting' }, effects: [{ do: 'arm' }] },
  { name: 'ICE failed for good: error ice-failed', from: { ...connected(), state: 'reconnecting' }, event: { type: 'ice-failed' }, to: { state: 'error', reason: 'ice-failed' }, effects: [END] },
  { name: 'connect timeout while connecting: error ice-failed', from: connecting(), event: { type: 'timeout' }, to: { state: 'error', reason: 'ice-failed' }, effects: [END] },
  { name: 'a late connect timeout once connected does nothing', from: connected(), event: { type: 'timeout' }, to: { state: 'connected' }, effects: [] },
  // ---- the relay link
  { name: 'relay link dropped mid-call: relinked', from: connected(), event: { type: 'disconnect' }, to: { relayConnected: false, relinked: true }, effects: [] },
  { name: 'back with a new id mid-call: the one peer present is the person we talk to', from: { ...connected(), relinked: true }, event: { type: 'client-id', id: 'id20', peers: ['id21'] }, to: { selfId: 'id20', peerId: 'id21', relinked: false }, effects: [] },
  { name: 'new id while waiting: our ready goes out again', from: waiting, event: { type: 'client-id', id: 'id20', peers: [] }, to: { selfId: 'id20', readySent: true }, effects: [{ do: 'send', message: { type: 'ready' } }] },
  { name: 'new id while media: ready again, what was held for the old id dropped', from: { ...media, held: [[{ type: 'offer', sdp: 'o' }, 'id09']] }, event: { type: 'client-id', id: 'id20', peers: [] }, to: { held: [], readySent: true }, effects: [{ do: 'send', message: { type: 'ready' } }] },
  { name: 'our named ready hit a peer that had just left: it goes to the room', from: { ...waiting, waitingPeer: 'id07' }, event: { type: 'relay-error', code: 'unknown-peer', about: 'ready' }, to: { waitingPeer: undefined, readySent: true }, effects: [{ do: 'log', text: 'relay error unknown-peer' }, { do: 'send', message: { type: 'ready' } }] },
  { name: 'refused while idle: error with the code', from: idle, event: { type: 'refused', reason: 'room-full' }, to: { state: 'error', reason: 'room-full' }, effects: [] },
  { name: 'refused during a call: the call is untouched', from: connected(), event: { type: 'refused', reason: 'room-full' }, to: { state: 'connected' }, effects: [] },
  { name: 'accepted again after a relay error: back to idle', from: { ...idle, state: 'error', reason: 'relay-unreachable' }, event: { type: 'client-id', id: 'id30', peers: [] }, to: { state: 'idle', reason: null }, effects: [] },
  { name: 'unreachable while idle: error relay-unreachable', from: idle, event: { type: 'unreachable' }, to: { state: 'error', reason: 'relay-unreachable' }, effects: [] },
  { name: 'a camera error is not cleared by the relay', from: { ...idle, state: 'error', reason: 'no-device' }, event: { type: 'client-id', id: 'id30', peers: [] }, to: { state: 'error', reason: 'no-device' }, effects: [] },
];

for (const r of rows) {
  test(`flow: ${r.name}`, () => {
    const [to, fx] = step(r.from, r.event);
    for (const [k, v] of Object.entries(r.to)) assert.deepEqual(to[k as keyof Flow], v, `${k}`);
    assert.deepEqual(acts(fx), r.effects);
  });
}

test('flow: step never mutates the flow it is given', () => {
  const from = Object.freeze({ ...media, held: Object.freeze([]) as Flow['held'] });
  assert.doesNotThrow(() => step(from, msg({ type: 'offer', sdp: 'o' })));
  assert.deepEqual(from.held, []);
});

test('flow: every state change is published, in order, within one step', () => {
  const [, fx] = step({ ...media, held: [[{ type: 'offer', sdp: 'o' }, 'id09']] }, { type: 'media-ready' });
  assert.deepEqual(
    fx.filter((e) => e.do === 'publish').map((e) => (e as { flow: Flow }).flow.state),
    ['waiting', 'connecting'],
  );
});

test('flow: a transition the state machine forbids is refused and logged, nothing else changes', () => {
  const [to, fx] = step(idle, { type: 'ice-down' });
  assert.equal(to, idle);
  assert.deepEqual(fx, []);
  const [to2, fx2] = step({ ...idle, state: 'ended', reason: 'hang-up' }, { type: 'media-ready' });
  assert.equal(to2.state, 'ended');
  assert.deepEqual(fx2.filter((e) => e.do === 'log'), [{ do: 'log', text: 'refused transition ended → waiting' }]);
});
