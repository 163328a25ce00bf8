// The call flow reducer, table-driven: state (with its flags) × event → state + effects.
// Pure logic: no relay, no peer connection. The Phone tests (phone.test.ts) run the same
// rules end to end over the fake relay and fake peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_FLOW, step, type Effect, type Flow, type FlowEvent } from '../../src/core/call-flow.js';

const ME = 'id05';
const CALL = 'c-ours';
/** Idle on a connected relay link, as after client-id. */
const idle: Flow = { ...INITIAL_FLOW, selfId: ME, relayConnected: true };
/** We called: the camera starts, our request rings out. */
const media: Flow = { ...idle, state: 'media', kind: 'video', role: 'caller', callId: CALL, held: [] };
const waiting: Flow = { ...media, state: 'waiting', held: null, ringCount: 2 };
const bound: Flow = { ...waiting, boundPeer: 'id09', key: 'k1' };
const connecting = (peer = 'id09'): Flow => ({ ...bound, boundPeer: peer, state: 'connecting', peerId: peer });
const connected = (peer = 'id09'): Flow => ({ ...connecting(peer), state: 'connected' });
const ringA = { call: 'c-a', kind: 'voice' as const, name: 'Ann', from: 'id07' };
const ringB = { call: 'c-b', kind: 'video' as const, name: 'Bob', from: 'id08' };
const ringing: Flow = { ...idle, state: 'ringing', rings: [ringA] };

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

const msg = (m: Extract<FlowEvent, { type: 'message' }>['message'], from = 'id09'): FlowEvent => ({ type: 'message', message: m, from, at: 1000 });
const END: Effect = { do: 'end' };
const CLEARED = { peerId: null, held: null, peerLeft: false, relinked: false, role: null, callId: null, boundPeer: null, key: null, ringCount: 0, declines: 0 };

const rows: Row[] = [
  // ---- placing a call
  { name: 'click while idle: media, the call request goes out at once, ring timer and media started', from: idle, event: { type: 'click', kind: 'video', call: CALL }, to: { state: 'media', kind: 'video', role: 'caller', callId: CALL, held: [] }, effects: [{ do: 'send', message: { type: 'ready', call: CALL, kind: 'video', queue: true } }, { do: 'ring-timer' }, { do: 'media' }] },
  { name: 'click with queue="off": the request does not ask to wait in line', from: idle, event: { type: 'click', kind: 'video', call: CALL, queue: false }, to: { state: 'media', queue: false }, effects: [{ do: 'send', message: { type: 'ready', call: CALL, kind: 'video' } }, { do: 'ring-timer' }, { do: 'media' }] },
  { name: 'click before the relay accepted us: no request yet (client-id sends it)', from: { ...idle, relayConnected: false }, event: { type: 'click', kind: 'voice', call: CALL }, to: { state: 'media', callId: CALL }, effects: [{ do: 'ring-timer' }, { do: 'media' }] },
  { name: 'client-id while our request rings out: it goes out again under the same id', from: { ...media, relayConnected: false }, event: { type: 'client-id', id: 'id20', peers: [] }, to: { selfId: 'id20', relayConnected: true }, effects: [{ do: 'send', message: { type: 'ready', call: CALL, kind: 'video', queue: true } }] },
  { name: 'client-id while we wait in line: the request goes out again (the relay keeps our place)', from: { ...waiting, state: 'queued', place: 3, relayConnected: false }, event: { type: 'client-id', id: 'id20', peers: [] }, to: { state: 'queued', place: 3 }, effects: [{ do: 'send', message: { type: 'ready', call: CALL, kind: 'video', queue: true } }] },
  // ---- the room's line
  { name: 'queued while waiting: state queued, our place', from: waiting, event: { type: 'queued', call: CALL, position: 2 }, to: { state: 'queued', place: 2 }, effects: [] },
  { name: 'queued while our camera still starts: the place is kept, media goes on; media in: queued', from: media, event: { type: 'queued', call: CALL, position: 4 }, to: { state: 'media', place: 4 }, effects: [] },
  { name: 'media in while in line: queued, not Calling…', from: { ...media, place: 4 }, event: { type: 'media-ready' }, to: { state: 'queued', place: 4 }, effects: [] },
  { name: 'the line moves: the new place', from: { ...waiting, state: 'queued', place: 2 }, event: { type: 'queued', call: CALL, position: 1 }, to: { state: 'queued', place: 1 }, effects: [] },
  { name: 'queued for another call id is ignored', from: waiting, event: { type: 'queued', call: 'other', position: 1 }, to: { state: 'waiting', place: null }, effects: [] },
  { name: 'our turn (ringing): waiting, the ring timeout starts now', from: { ...waiting, state: 'queued', place: 1 }, event: { type: 'ringing', call: CALL, count: 2 }, to: { state: 'waiting', place: null, ringCount: 2 }, effects: [{ do: 'ring-timer' }] },
  { name: 'the ring timeout does not end a wait in line', from: { ...waiting, state: 'queued', place: 1 }, event: { type: 'ring-timeout' }, to: { state: 'queued', place: 1 }, effects: [] },
  { name: 'QUEUE_WAIT ran out (call-ended for our request while in line): ended no-answer', from: { ...waiting, state: 'queued', place: 1 }, event: { type: 'relay-error', code: 'call-ended', about: 'ready', call: CALL }, to: { state: 'ended', reason: 'no-answer', place: null, ...CLEARED }, effects: [END] },
  { name: 'the line is full: busy', from: waiting, event: { type: 'relay-error', code: 'busy', about: 'ready', call: CALL }, to: { state: 'ended', reason: 'busy' }, effects: [END] },
  { name: 'Cancel while in line: cancel, ended hang-up', from: { ...waiting, state: 'queued', place: 2 }, event: { type: 'hang-up' }, to: { state: 'ended', reason: 'hang-up', place: null }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, END] },
  { name: 'bound while in line (its ringing was missed): we offer', from: { ...waiting, state: 'queued', place: 1 }, event: { type: 'bound', call: CALL, peer: 'id09', key: 'k1' }, to: { state: 'connecting', place: null, boundPeer: 'id09' }, effects: [{ do: 'open', peer: 'id09', offer: true }] },
  { name: 'click during a call does nothing', from: connected(), event: { type: 'click', kind: 'video', call: 'x' }, to: { state: 'connected', callId: CALL }, effects: [] },
  { name: 'click while a call rings here does nothing (Accept or Decline first)', from: ringing, event: { type: 'click', kind: 'video', call: 'x' }, to: { state: 'ringing' }, effects: [] },
  { name: 'ringing: the relay says how many it rang', from: waiting, event: { type: 'ringing', call: CALL, count: 3 }, to: { ringCount: 3 }, effects: [] },
  { name: 'bound while waiting: we offer to the one who accepted', from: waiting, event: { type: 'bound', call: CALL, peer: 'id09', key: 'k1' }, to: { state: 'connecting', peerId: 'id09', boundPeer: 'id09', key: 'k1' }, effects: [{ do: 'open', peer: 'id09', offer: true }] },
  { name: 'bound while our camera still starts: remembered, no offer yet', from: media, event: { type: 'bound', call: CALL, peer: 'id09', key: 'k1' }, to: { state: 'media', boundPeer: 'id09', peerId: null }, effects: [] },
  { name: 'media in after someone accepted: we offer at once', from: { ...media, boundPeer: 'id09', key: 'k1' }, event: { type: 'media-ready' }, to: { state: 'connecting', peerId: 'id09' }, effects: [{ do: 'open', peer: 'id09', offer: true }] },
  { name: 'media in, nobody answered yet: waiting (Calling…)', from: media, event: { type: 'media-ready' }, to: { state: 'waiting' }, effects: [] },
  { name: 'bound for another call id is ignored', from: waiting, event: { type: 'bound', call: 'other', peer: 'id09', key: 'k' }, to: { state: 'waiting', boundPeer: null }, effects: [] },
  { name: 'a decline while others still ring: counted, the call goes on', from: waiting, event: msg({ type: 'decline', call: CALL }), to: { state: 'waiting', declines: 1 }, effects: [] },
  { name: 'the last decline: cancel, ended declined', from: { ...waiting, declines: 1 }, event: msg({ type: 'decline', call: CALL }, 'id10'), to: { state: 'ended', reason: 'declined', ...CLEARED }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, END] },
  { name: 'ring timeout: cancel no-answer, ended no-answer', from: waiting, event: { type: 'ring-timeout' }, to: { state: 'ended', reason: 'no-answer' }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'no-answer' } }, END] },
  { name: 'a ring timeout after someone accepted does nothing', from: connected(), event: { type: 'ring-timeout' }, to: { state: 'connected' }, effects: [] },
  { name: 'relay: nobody takes calls → ended unavailable', from: media, event: { type: 'relay-error', code: 'unavailable', about: 'ready', call: CALL }, to: { state: 'ended', reason: 'unavailable' }, effects: [END] },
  { name: 'relay: everyone is in a call → ended busy', from: waiting, event: { type: 'relay-error', code: 'busy', about: 'ready', call: CALL }, to: { state: 'ended', reason: 'busy' }, effects: [END] },
  { name: 'relay: our request refused for the token’s role → error forbidden at once (no ring timeout)', from: waiting, event: { type: 'relay-error', code: 'forbidden', about: 'ready', call: CALL }, to: { state: 'error', reason: 'forbidden', ...CLEARED }, effects: [END] },
  { name: 'relay: our request refused while the camera starts → error forbidden', from: media, event: { type: 'relay-error', code: 'forbidden', about: 'ready', call: CALL }, to: { state: 'error', reason: 'forbidden' }, effects: [END] },
  { name: 'relay: a refused ready that names no call (rate-limited) → error refused', from: waiting, event: { type: 'relay-error', code: 'rate-limited', about: 'ready' }, to: { state: 'error', reason: 'refused' }, effects: [END] },
  { name: 'relay: our request refused as in-call → error refused', from: waiting, event: { type: 'relay-error', code: 'in-call', about: 'ready', call: CALL }, to: { state: 'error', reason: 'refused' }, effects: [END] },
  { name: 'relay: our accept refused for the role → error forbidden', from: { ...idle, state: 'waiting', role: 'callee', callId: 'c-a' }, event: { type: 'relay-error', code: 'forbidden', about: 'accept', call: 'c-a' }, to: { state: 'error', reason: 'forbidden' }, effects: [END] },
  { name: 'relay: our accept lost the race though an offer already opened a connection: ended answered-elsewhere', from: { ...idle, state: 'connecting', role: 'callee', callId: 'c-a', peerId: 'id07' }, event: { type: 'relay-error', code: 'answered-elsewhere', about: 'accept', call: 'c-a' }, to: { state: 'ended', reason: 'answered-elsewhere' }, effects: [END] },
  { name: 'a refusal once bound leaves the call alone', from: connected(), event: { type: 'relay-error', code: 'rate-limited', about: 'ready' }, to: { state: 'connected' }, effects: [] },
  { name: 'a refused message of another type while it rings out changes nothing', from: waiting, event: { type: 'relay-error', code: 'rate-limited', about: 'media' }, to: { state: 'waiting' }, effects: [] },
  { name: 'refused for good (fatal) while it rings out: error with the code at once', from: waiting, event: { type: 'refused', reason: 'unauthorized' }, to: { state: 'error', reason: 'unauthorized', ...CLEARED }, effects: [END] },
  { name: 'clear-missed empties the list', from: { ...idle, missed: [{ call: 'c-a', kind: 'video', name: 'Ann', at: 5 }] }, event: { type: 'clear-missed' }, to: { state: 'idle', missed: [] }, effects: [] },
  { name: 'a refusal about another call id changes nothing', from: waiting, event: { type: 'relay-error', code: 'busy', about: 'ready', call: 'other' }, to: { state: 'waiting' }, effects: [] },
  { name: 'hang-up while it rings out: cancel (not bye)', from: waiting, event: { type: 'hang-up' }, to: { state: 'ended', reason: 'hang-up', ...CLEARED }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, END] },
  { name: 'hang-up in a bound call: bye', from: connected(), event: { type: 'hang-up' }, to: { state: 'ended', reason: 'hang-up', ...CLEARED }, effects: [{ do: 'send', message: { type: 'bye' } }, END] },
  { name: 'camera refused while it rings out: cancel, error with the reason', from: media, event: { type: 'media-failed', reason: 'permission-denied' }, to: { state: 'error', reason: 'permission-denied', ...CLEARED }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, END] },
  { name: 'relay never came: error relay-unreachable', from: { ...media, relayConnected: false }, event: { type: 'relay-failed', reason: 'relay-unreachable' }, to: { state: 'error', reason: 'relay-unreachable' }, effects: [END] },
  // ---- a call that rings here
  { name: 'idle: a call request rings', from: idle, event: msg({ type: 'ready', call: 'c-a', kind: 'voice', name: 'Ann' }, 'id07'), to: { state: 'ringing', rings: [ringA] }, effects: [] },
  { name: 'a call-only page (incoming off) never rings', from: { ...idle, incoming: false }, event: msg({ type: 'ready', call: 'c-a', kind: 'voice', name: 'Ann' }, 'id07'), to: { state: 'idle', rings: [] }, effects: [] },
  { name: 'a ready without a call id does not ring (v1 peers are turned into requests by the relay)', from: idle, event: msg({ type: 'ready' }), to: { state: 'idle', rings: [] }, effects: [] },
  { name: 'a request without kind or name rings as a video call from nobody named', from: idle, event: msg({ type: 'ready', call: 'v1-x' }, 'id07'), to: { state: 'ringing', rings: [{ call: 'v1-x', kind: 'video', name: '', from: 'id07' }] }, effects: [] },
  { name: 'a second call while one rings: queued behind it', from: ringing, event: msg({ type: 'ready', call: 'c-b', kind: 'video', name: 'Bob' }, 'id08'), to: { state: 'ringing', rings: [ringA, ringB] }, effects: [] },
  { name: 'the same request again (its caller came back) rings once', from: ringing, event: msg({ type: 'ready', call: 'c-a', kind: 'voice', name: 'Ann' }, 'id07'), to: { rings: [ringA] }, effects: [] },
  { name: 'accept: accept goes out, media for the caller’s kind, what it sends is held', from: ringing, event: { type: 'accept' }, to: { state: 'media', role: 'callee', callId: 'c-a', kind: 'voice', held: [], rings: [] }, effects: [{ do: 'send', message: { type: 'accept', call: 'c-a' } }, { do: 'media' }] },
  { name: 'callee, media in: waiting for the caller’s offer (held one replayed)', from: { ...idle, state: 'media', role: 'callee', callId: 'c-a', kind: 'voice', boundPeer: 'id07', held: [[{ type: 'offer', sdp: 'o' }, 'id07']] }, event: { type: 'media-ready' }, to: { state: 'connecting', peerId: 'id07' }, effects: [{ do: 'open', peer: 'id07', offer: false }, { do: 'signal', message: { type: 'offer', sdp: 'o' } }, { do: 'arm' }] },
  { name: 'preconnect: a bound callee with its camera adopts the preconnection (open without an offer, pre)', from: { ...idle, state: 'waiting', role: 'callee', callId: 'c-a', boundPeer: 'id07' }, event: { type: 'adopt' }, to: { state: 'connecting', peerId: 'id07' }, effects: [{ do: 'open', peer: 'id07', offer: false, pre: true }] },
  { name: 'preconnect: no adopting before bound, before the camera, or as the caller', from: { ...idle, state: 'media', role: 'callee', callId: 'c-a', boundPeer: 'id07', held: [] }, event: { type: 'adopt' }, to: { state: 'media', peerId: null }, effects: [] },
  { name: 'preconnect: no adopting while unbound', from: { ...idle, state: 'waiting', role: 'callee', callId: 'c-a' }, event: { type: 'adopt' }, to: { state: 'waiting', peerId: null }, effects: [] },
  { name: 'preconnect: the caller never adopts by event (it adopts when it opens on bound)', from: { ...idle, state: 'waiting', role: 'caller', callId: 'c-a', boundPeer: 'id07' }, event: { type: 'adopt' }, to: { state: 'waiting' }, effects: [] },
  { name: 'callee: an offer from anyone but the bound peer is ignored', from: { ...idle, state: 'waiting', role: 'callee', callId: 'c-a', boundPeer: 'id07' }, event: msg({ type: 'offer', sdp: 'o' }, 'id66'), to: { state: 'waiting', peerId: null }, effects: [] },
  { name: 'our accept lost the race: ended answered-elsewhere', from: { ...idle, state: 'media', role: 'callee', callId: 'c-a', held: [] }, event: { type: 'relay-error', code: 'answered-elsewhere', about: 'accept', call: 'c-a' }, to: { state: 'ended', reason: 'answered-elsewhere' }, effects: [END] },
  { name: 'our accept came after the caller gave up: ended missed', from: { ...idle, state: 'media', role: 'callee', callId: 'c-a', held: [] }, event: { type: 'relay-error', code: 'call-ended', about: 'accept', call: 'c-a' }, to: { state: 'ended', reason: 'missed' }, effects: [END] },
  { name: 'decline: decline goes out, back to idle', from: ringing, event: { type: 'decline' }, to: { state: 'idle', rings: [] }, effects: [{ do: 'send', message: { type: 'decline', call: 'c-a' } }] },
  { name: 'decline with another call queued: the next one rings', from: { ...ringing, rings: [ringA, ringB] }, event: { type: 'decline' }, to: { state: 'ringing', rings: [ringB] }, effects: [{ do: 'send', message: { type: 'decline', call: 'c-a' } }] },
  { name: 'the caller cancels: ended missed, the call kept in missed', from: ringing, event: msg({ type: 'cancel', call: 'c-a', reason: 'hang-up' }, 'id07'), to: { state: 'ended', reason: 'missed', rings: [], missed: [{ call: 'c-a', kind: 'voice', name: 'Ann', at: 1000 }] }, effects: [] },
  { name: 'the caller gives up (no-answer): missed too', from: ringing, event: msg({ type: 'cancel', call: 'c-a', reason: 'no-answer' }, 'id07'), to: { state: 'ended', reason: 'missed' }, effects: [] },
  { name: 'answered on another page: ended answered-elsewhere, not missed', from: ringing, event: msg({ type: 'cancel', call: 'c-a', reason: 'answered' }, 'id07'), to: { state: 'ended', reason: 'answered-elsewhere', missed: [] }, effects: [] },
  { name: 'a queued call cancelled: missed, the shown one keeps ringing', from: { ...ringing, rings: [ringA, ringB] }, event: msg({ type: 'cancel', call: 'c-b', reason: 'hang-up' }, 'id08'), to: { state: 'ringing', rings: [ringA], missed: [{ call: 'c-b', kind: 'video', name: 'Bob', at: 1000 }] }, effects: [] },
  { name: 'a caller that left while our camera starts: what it sent is dropped', from: { ...idle, state: 'media', role: 'callee', callId: 'c-a', boundPeer: 'id07', held: [[{ type: 'offer', sdp: 'o' }, 'id07'], [{ type: 'offer', sdp: 'x' }, 'id66']] }, event: { type: 'peer-left', id: 'id07', iceUp: false, at: 0 }, to: { state: 'media', held: [[{ type: 'offer', sdp: 'x' }, 'id66']] }, effects: [] },
  { name: 'the caller’s page went away while it rang: missed', from: ringing, event: { type: 'peer-left', id: 'id07', iceUp: false, at: 2000 }, to: { state: 'ended', reason: 'missed', missed: [{ call: 'c-a', kind: 'voice', name: 'Ann', at: 2000 }] }, effects: [] },
  { name: 'our relay link came back with a new id: what rang the old one stops', from: ringing, event: { type: 'client-id', id: 'id30', peers: [] }, to: { state: 'idle', rings: [] }, effects: [] },
  { name: 'both called at once, we are polite (lower id): cancel ours, accept theirs', from: waiting, event: msg({ type: 'ready', call: 'c-a', kind: 'video', name: 'Ann' }, 'id07'), to: { state: 'waiting', role: 'callee', callId: 'c-a', rings: [] }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, { do: 'send', message: { type: 'accept', call: 'c-a' } }] },
  { name: 'both called at once, while our camera starts: the request is not held', from: media, event: msg({ type: 'ready', call: 'c-a', kind: 'video', name: 'Ann' }, 'id07'), to: { state: 'media', role: 'callee', callId: 'c-a', held: [] }, effects: [{ do: 'send', message: { type: 'cancel', call: CALL, reason: 'hang-up' } }, { do: 'send', message: { type: 'accept', call: 'c-a' } }] },
  { name: 'both called at once, we are impolite (higher id): ours stays, theirs is kept aside', from: waiting, event: msg({ type: 'ready', call: 'c-a', kind: 'video', name: 'Ann' }, 'id01'), to: { state: 'waiting', role: 'caller', callId: CALL, rings: [{ ...ringA, kind: 'video', from: 'id01' }] }, effects: [] },
  { name: '… and when the relay refuses ours as busy (theirs had rung us first), we take theirs', from: { ...waiting, rings: [{ ...ringA, from: 'id01' }] }, event: { type: 'relay-error', code: 'busy', about: 'ready', call: CALL }, to: { state: 'waiting', role: 'callee', callId: 'c-a', rings: [] }, effects: [{ do: 'send', message: { type: 'accept', call: 'c-a' } }] },
  // ---- in the call
  { name: 'media: messages are held, not handled', from: media, event: msg({ type: 'offer', sdp: 'o' }), to: { state: 'media', held: [[{ type: 'offer', sdp: 'o' }, 'id09']] }, effects: [] },
  { name: 'our own echo is ignored', from: bound, event: msg({ type: 'offer', sdp: 'o' }, ME), to: { state: 'waiting' }, effects: [] },
  { name: 'answer while connecting: arm the connect timeout, then hand it over', from: connecting(), event: msg({ type: 'answer', sdp: 'a' }), to: { state: 'connecting' }, effects: [{ do: 'arm' }, { do: 'signal', message: { type: 'answer', sdp: 'a' } }] },
  { name: 'a candidate from someone else is dropped', from: connecting(), event: msg({ type: 'candidate', candidate: 'c' }, 'id11'), to: { state: 'connecting' }, effects: [] },
  { name: 'an offer from the peer mid-call (ICE restart) goes to the same connection', from: connected(), event: msg({ type: 'offer', sdp: 'o2' }), to: { state: 'connected' }, effects: [{ do: 'signal', message: { type: 'offer', sdp: 'o2' } }] },
  { name: 'bye from the peer: ended remote-hang-up', from: connected(), event: msg({ type: 'bye' }), to: { state: 'ended', reason: 'remote-hang-up', ...CLEARED }, effects: [END] },
  { name: 'bye from the bound peer before any offer: ended remote-hang-up', from: bound, event: msg({ type: 'bye' }), to: { state: 'ended', reason: 'remote-hang-up' }, effects: [END] },
  { name: 'bye from anyone else changes nothing', from: connected(), event: msg({ type: 'bye' }, 'id66'), to: { state: 'connected' }, effects: [] },
  { name: 'hang-up when idle does nothing', from: idle, event: { type: 'hang-up' }, to: { state: 'idle' }, effects: [] },
  { name: 'peer left while connecting: close, wait (it may rejoin)', from: connecting(), event: { type: 'peer-left', id: 'id09', iceUp: false, at: 0 }, to: { state: 'waiting', peerId: null }, effects: [{ do: 'close' }] },
  { name: 'peer left with ICE up: the call goes on (peerLeft), and we watch whether its media still arrives', from: connected(), event: { type: 'peer-left', id: 'id09', iceUp: true, at: 0 }, to: { state: 'connected', peerLeft: true }, effects: [{ do: 'watch' }] },
  { name: 'its socket left and its media stopped: ended remote-left (the browser died)', from: { ...connected(), peerLeft: true }, event: { type: 'peer-silent' }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'media stopped but it rejoined meanwhile: the call goes on', from: connected(), event: { type: 'peer-silent' }, to: { state: 'connected' }, effects: [] },
  { name: 'peer left with ICE down: ended remote-left', from: connected(), event: { type: 'peer-left', id: 'id09', iceUp: false, at: 0 }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'then ICE drops after the peer left: ended remote-left', from: { ...connected(), peerLeft: true }, event: { type: 'ice-down' }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'the peer rejoined on a new socket (bound again): same call, new id', from: { ...connected(), peerLeft: true }, event: { type: 'bound', call: CALL, peer: 'id12', key: 'k1' }, to: { state: 'connected', peerId: 'id12', boundPeer: 'id12', peerLeft: false }, effects: [] },
  { name: 'we rejoined after a relay restart: client-id carries the binding', from: { ...connected(), relayConnected: false, relinked: true }, event: { type: 'client-id', id: 'id40', peers: ['id41'], bound: { call: CALL, peer: 'id41', key: 'k1' } }, to: { selfId: 'id40', peerId: 'id41', relinked: false, state: 'connected' }, effects: [] },
  // ---- ICE
  { name: 'ICE up: connected', from: connecting(), event: { type: 'ice-up' }, to: { state: 'connected' }, effects: [] },
  { name: 'ICE down mid-call: reconnecting, connect timeout armed', from: connected(), event: { type: 'ice-down' }, to: { state: 'reconnecting' }, effects: [{ do: 'arm' }] },
  { name: 'ICE failed for good: error ice-failed', from: { ...connected(), state: 'reconnecting' }, event: { type: 'ice-failed' }, to: { state: 'error', reason: 'ice-failed' }, effects: [END] },
  { name: 'peer left during an ICE restart: the call waits (it may come back on a new socket of the same call)', from: { ...connected(), state: 'reconnecting' }, event: { type: 'peer-left', id: 'id09', iceUp: false, at: 0 }, to: { state: 'reconnecting', peerLeft: true }, effects: [] },
  { name: 'and it came back: bound to its new socket, the same call goes on', from: { ...connected(), state: 'reconnecting', peerLeft: true }, event: { type: 'bound', call: CALL, peer: 'id19', key: 'k1' }, to: { state: 'reconnecting', peerLeft: false, peerId: 'id19', boundPeer: 'id19' }, effects: [] },
  { name: 'or it did not: the connect timeout ends it remote-left, not ice-failed', from: { ...connected(), state: 'reconnecting', peerLeft: true }, event: { type: 'timeout' }, to: { state: 'ended', reason: 'remote-left' }, effects: [END] },
  { name: 'another ICE interruption while it is gone does not end the restart early', from: { ...connected(), state: 'reconnecting', peerLeft: true }, event: { type: 'ice-down' }, to: { state: 'reconnecting', peerLeft: true }, effects: [] },
  { name: 'a restart that never comes back with the peer still there: ice-failed', from: { ...connected(), state: 'reconnecting' }, event: { type: 'timeout' }, to: { state: 'error', reason: 'ice-failed' }, effects: [END] },
  { name: 'connect timeout while connecting: error ice-failed', from: connecting(), event: { type: 'timeout' }, to: { state: 'error', reason: 'ice-failed' }, effects: [END] },
  { name: 'a late connect timeout once connected does nothing', from: connected(), event: { type: 'timeout' }, to: { state: 'connected' }, effects: [] },
  // ---- the relay link and presence
  { name: 'presence: the counts are kept', from: idle, event: { type: 'presence', counts: { available: 3, busy: 1 } }, to: { counts: { available: 3, busy: 1 } }, effects: [] },
  { name: 'client-id carries the presence', from: { ...idle, relayConnected: false }, event: { type: 'client-id', id: 'id20', peers: [], presence: { available: 2, busy: 0 } }, to: { counts: { available: 2, busy: 0 } }, effects: [] },
  { name: 'relay link dropped mid-call: relinked', from: connected(), event: { type: 'disconnect' }, to: { relayConnected: false, relinked: true }, effects: [] },
  { name: 'refused while idle: error with the code', from: idle, event: { type: 'refused', reason: 'room-full' }, to: { state: 'error', reason: 'room-full' }, effects: [] },
  { name: 'refused during a call: the call is untouched', from: connected(), event: { type: 'refused', reason: 'room-full' }, to: { state: 'connected' }, effects: [] },
  { name: 'accepted again after a relay error: back to idle', from: { ...idle, state: 'error', reason: 'relay-unreachable' }, event: { type: 'client-id', id: 'id30', peers: [] }, to: { state: 'idle', reason: null }, effects: [] },
  { name: 'unreachable while idle: error relay-unreachable', from: idle, event: { type: 'unreachable' }, to: { state: 'error', reason: 'relay-unreachable' }, effects: [] },
  { name: 'a camera error is not cleared by the relay', from: { ...idle, state: 'error', reason: 'no-device' }, event: { type: 'client-id', id: 'id30', peers: [] }, to: { state: 'error', reason: 'no-device' }, effects: [] },
  { name: 'relink: the page’s incoming setting is taken, presence forgotten until the relay speaks', from: { ...idle, counts: { available: 4, busy: 0 } }, event: { type: 'relink', incoming: false }, to: { incoming: false, relayConnected: false, counts: { available: 0, busy: 0 } }, effects: [] },
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
  const [, fx] = step({ ...media, boundPeer: 'id09' }, { type: 'media-ready' });
  assert.deepEqual(
    fx.filter((e) => e.do === 'publish').map((e) => (e as { flow: Flow }).flow.state),
    ['connecting'],
  );
  const [, fx2] = step({ ...idle, state: 'media', role: 'callee', callId: 'c-a', held: [[{ type: 'offer', sdp: 'o' }, 'id07']] }, { type: 'media-ready' });
  assert.deepEqual(fx2.filter((e) => e.do === 'publish').map((e) => (e as { flow: Flow }).flow.state), ['waiting', 'connecting']);
});

test('flow: a transition the state machine forbids is refused and logged, nothing else changes', () => {
  const [to, fx] = step(idle, { type: 'ice-down' });
  assert.equal(to, idle);
  assert.deepEqual(fx, []);
  const [to2, fx2] = step({ ...idle, state: 'ended', reason: 'hang-up', role: 'callee' }, { type: 'bound', call: 'x', peer: 'p', key: 'k' });
  assert.equal(to2.state, 'ended');
  assert.deepEqual(fx2, []);
});

test('flow: what a peer sends while the camera starts is held up to 200 messages, the rest dropped', () => {
  let f: Flow = media;
  for (let i = 0; i < 250; i++) [f] = step(f, msg({ type: 'candidate', candidate: `c${i}` }));
  assert.equal(f.held?.length, 200);
  assert.equal((f.held?.[199]?.[0] as { candidate?: string }).candidate, 'c199', 'the first ones are kept');
});

test('flow: at most 20 missed calls are kept, the newest last', () => {
  let f: Flow = idle;
  for (let i = 0; i < 25; i++) {
    [f] = step(f, msg({ type: 'ready', call: `c${i}`, kind: 'voice', name: `n${i}` }, `id${i}`));
    [f] = step(f, msg({ type: 'cancel', call: `c${i}`, reason: 'hang-up' }, `id${i}`));
  }
  assert.equal(f.missed.length, 20);
  assert.equal(f.missed[0]?.call, 'c5');
  assert.equal(f.missed.at(-1)?.call, 'c24');
});
