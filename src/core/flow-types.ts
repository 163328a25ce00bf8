/**
 * The call flow's data: what it knows between events (Flow), what happens to it (FlowEvent)
 * and what it asks the Phone to do (Effect). The rules are in call-flow.ts.
 */
import type { ErrorCode, SignalMessage } from '../protocol.js';
import type { CallKind, CallState, ErrorReason, StateReason } from './state.js';

export interface Flow {
  readonly state: CallState;
  readonly reason: StateReason;
  readonly kind: CallKind | null;
  readonly selfId: string | null;
  readonly relayConnected: boolean;
  /** The peer our peer connection is with; null while there is none. */
  readonly peerId: string | null;
  /** Our `ready` for this call went out (so leaving it means a `bye`). */
  readonly readySent: boolean;
  /** While we wait for media, after our `ready`: what the peers sent, replayed once we have it. */
  readonly held: ReadonlyArray<readonly [SignalMessage, string]> | null;
  /**
   * The last peer whose `ready` reached us before our user clicked: it waits for us, so our
   * `ready` goes to it by name and it offers at once.
   */
  readonly waitingPeer: string | undefined;
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
  peerId: null,
  readySent: false,
  held: null,
  waitingPeer: undefined,
  peerLeft: false,
  relinked: false,
};

export type FlowEvent =
  | { type: 'click'; kind: CallKind }
  /** getUserMedia failed. */
  | { type: 'media-failed'; reason: ErrorReason }
  /** Media is in but the relay cannot be reached (or refused us). */
  | { type: 'relay-failed'; reason: ErrorReason }
  /** Media is in and the relay link is up: wait for (or call) the other side. */
  | { type: 'media-ready' }
  | { type: 'hang-up' }
  /** The link is being replaced (new relay, room or token). */
  | { type: 'relink' }
  | { type: 'client-id'; id: string; peers: readonly string[] }
  | { type: 'disconnect' }
  /** The relay refused us for good (a fatal code). */
  | { type: 'refused'; reason: ErrorReason }
  /** The relay could not be reached on (re)connect. */
  | { type: 'unreachable' }
  | { type: 'relay-error'; code: ErrorCode; about?: string }
  | { type: 'message'; message: SignalMessage; from: string }
  | { type: 'peer-joined'; id: string }
  /** `iceUp`: our ICE connection to that peer is still connected. */
  | { type: 'peer-left'; id: string; iceUp: boolean }
  | { type: 'ice-up' }
  | { type: 'ice-down' }
  /** ICE failed and restarts did not bring it back (or gathering found no candidate). */
  | { type: 'ice-failed' }
  /** ICE did not come up within the connect timeout. */
  | { type: 'timeout' };

export type Effect =
  | { do: 'send'; message: SignalMessage }
  /** Open a peer connection to `peer` (closing any other), and make the offer when `offer`. */
  | { do: 'open'; peer: string; offer: boolean }
  /** Hand an offer/answer/candidate to the open peer connection. */
  | { do: 'signal'; message: SignalMessage }
  /** Start the connect timeout: ICE has this long to come up. */
  | { do: 'arm' }
  /** Close the peer connection (the call waits for another peer). */
  | { do: 'close' }
  /** THE teardown: close the peer, release media and audio. */
  | { do: 'end' }
  /** The state moved: tell the listeners (a step may pass through several states). */
  | { do: 'publish'; flow: Flow }
  | { do: 'log'; text: string };

