/**
 * The call flow's data: what it knows between events (Flow), what happens to it (FlowEvent),
 * what it asks the Phone to do (Effect), and its constants. The rules are in call-flow.ts.
 */
import type { BoundPayload, ErrorCode, PresencePayload, SignalMessage } from '../protocol/index.js';
import type { IncomingCall, MissedCall } from './phone-types.js';
import type { CallKind, CallState, ErrorReason, StateReason } from './state.js';

/** A call that rings here, and who places it. */
export interface RingingCall extends IncomingCall {
  readonly from: string;
}

export interface Flow {
  readonly state: CallState;
  readonly reason: StateReason;
  readonly kind: CallKind | null;
  readonly selfId: string | null;
  readonly relayConnected: boolean;
  /** This page takes calls (it rings; the relay counts it as available). */
  readonly incoming: boolean;
  /** We placed the current call, or took it. */
  readonly role: 'caller' | 'callee' | null;
  /** The current call's id: the one we made as caller, or the one we accepted. */
  readonly callId: string | null;
  /** The peer the relay bound us to (`bound`), and the key to rejoin with after a relay restart. */
  readonly boundPeer: string | null;
  readonly key: string | null;
  /** Our call requests may wait in the room's line when every desk is busy (the `queue` attribute). */
  readonly queue: boolean;
  /** Our place in the room's line (`queued`, 1 = next), while our request waits there; else null. */
  readonly place: number | null;
  /** Our call request rang this many members (`ringing`), and this many declined. */
  readonly ringCount: number;
  readonly declines: number;
  /** The peer our peer connection is with; null while there is none. */
  readonly peerId: string | null;
  /** While we wait for media, after our request or accept: what the peer sent, replayed once we have it. */
  readonly held: ReadonlyArray<readonly [SignalMessage, string]> | null;
  /** Calls that ring here, in the order they came; the first is shown. */
  readonly rings: readonly RingingCall[];
  /** Calls that rang here unanswered (the last 20). */
  readonly missed: readonly MissedCall[];
  /** The room's members who take calls, idle and busy (the relay counts us too). */
  readonly counts: PresencePayload;
  /** The peer's socket left while ICE was still up: the call ends when ICE drops. */
  readonly peerLeft: boolean;
  /** Our socket reconnected during a call: the peer's next id is the same person. */
  readonly relinked: boolean;
}

export const INITIAL_FLOW: Flow = {
  state: 'idle',
  reason: null,
  kind: null,
  selfId: null,
  relayConnected: false,
  incoming: true,
  role: null,
  callId: null,
  boundPeer: null,
  key: null,
  queue: true,
  place: null,
  ringCount: 0,
  declines: 0,
  peerId: null,
  held: null,
  rings: [],
  missed: [],
  counts: { available: 0, busy: 0 },
  peerLeft: false,
  relinked: false,
};

export const IN_CALL: readonly CallState[] = ['waiting', 'connecting', 'connected', 'reconnecting'];
/** Messages kept while the camera starts: an offer and its candidates are a few dozen. */
export const HELD_MAX = 200;
/** How many missed calls a page keeps. */
export const MISSED_KEPT = 20;

/** The peer whose server-assigned id sorts lower is the polite one (perfect negotiation). */
export const isPolite = (selfId: string | null, remoteId: string): boolean => (selfId ?? '') < remoteId;

/** What a call's end clears. */
export const CLEARED: Partial<Flow> = { peerLeft: false, relinked: false, held: null, peerId: null, role: null, callId: null, boundPeer: null, key: null, ringCount: 0, declines: 0, place: null };

export type FlowEvent =
  /** Our user calls: `call` is the id we made for it. */
  | { type: 'click'; kind: CallKind; call: string; queue?: boolean }
  /** Our user takes the call that rings (the first one). */
  | { type: 'accept' }
  | { type: 'decline' }
  /** Our user cleared the list of missed calls. */
  | { type: 'clear-missed' }
  /** Our call request rang this long unanswered. */
  | { type: 'ring-timeout' }
  /** getUserMedia failed. */
  | { type: 'media-failed'; reason: ErrorReason }
  /** Media is in but the relay cannot be reached (or refused us). */
  | { type: 'relay-failed'; reason: ErrorReason }
  /** Media is in and the relay link is up. */
  | { type: 'media-ready' }
  | { type: 'hang-up' }
  /** The link is being replaced (new relay, room or token); `incoming` as configured. */
  | { type: 'relink'; incoming: boolean }
  | { type: 'client-id'; id: string; peers: readonly string[]; presence?: PresencePayload; bound?: BoundPayload }
  | { type: 'disconnect' }
  /** The relay refused us for good (a fatal code). */
  | { type: 'refused'; reason: ErrorReason }
  /** The relay could not be reached on (re)connect. */
  | { type: 'unreachable' }
  | { type: 'relay-error'; code: ErrorCode; about?: string; call?: string }
  /** `at`: when it arrived (ms), for missed calls. */
  | { type: 'message'; message: SignalMessage; from: string; at: number }
  | { type: 'presence'; counts: PresencePayload }
  /** Away: a call of the room closed unanswered without ringing here. */
  | { type: 'missed'; call: string; kind: CallKind; name: string; at: number }
  | { type: 'ringing'; call: string; count: number }
  | { type: 'queued'; call: string; position: number }
  | ({ type: 'bound' } & BoundPayload)
  /** `iceUp`: our ICE connection to that peer is still connected. */
  | { type: 'peer-left'; id: string; iceUp: boolean; at: number }
  | { type: 'ice-up' }
  | { type: 'ice-down' }
  /** ICE failed and restarts did not bring it back (or gathering found no candidate). */
  | { type: 'ice-failed' }
  /** ICE did not come up within the connect timeout. */
  | { type: 'timeout' }
  /** After the peer's socket left: its media stopped arriving too. */
  | { type: 'peer-silent' }
  /** We accepted and are bound, and hold the call's negotiated preconnection with our peer: it becomes the call. */
  | { type: 'adopt' };

export type Effect =
  | { do: 'send'; message: SignalMessage }
  /**
   * Open a peer connection to `peer` (closing any other), and make the offer when `offer`. The
   * caller's (and with `pre`, the callee's) takes the call's preconnection with `peer` when one is negotiated.
   */
  | { do: 'open'; peer: string; offer: boolean; pre?: boolean }
  /** Hand an offer/answer/candidate to the open peer connection. */
  | { do: 'signal'; message: SignalMessage }
  /** Start the connect timeout: ICE has this long to come up. */
  | { do: 'arm' }
  /** Start the ring timeout of our call request. */
  | { do: 'ring-timer' }
  /** Get media for the call we just placed or accepted. */
  | { do: 'media' }
  /** The peer's socket left while ICE is up: see whether its media still arrives. */
  | { do: 'watch' }
  /** Close the peer connection (the call waits for another peer). */
  | { do: 'close' }
  /** THE teardown: close the peer, release media and audio, stop the ring timer. */
  | { do: 'end' }
  /** The state moved: tell the listeners (a step may pass through several states). */
  | { do: 'publish'; flow: Flow }
  | { do: 'log'; text: string };
