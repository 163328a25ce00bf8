/**
 * The relay link as the core sees it: what comes in (handlers) and what goes out (send).
 * The browser implements it over Socket.IO (src/browser/socket-link.ts); the node tests
 * with an in-memory relay. Types only: no transport here.
 */
import type { FlowEvent } from './flow-types.js';
import type { BoundPayload, CallSummaryReport, ClientIdPayload, ErrorPayload, FatalCode, HandshakeAuth, IceConfig, MissedPayload, PresencePayload, QueuedPayload, RingingPayload, SignalMessage } from '../protocol/index.js';

export interface SignalingHandlers {
  /** The relay placed us in a room (first connect and every reconnect: the id changes). */
  onClientId(payload: ClientIdPayload): void;
  /** A validated message and its server-stamped sender id. */
  onMessage(message: SignalMessage, from: string): void;
  onPeerJoined?(id: string): void;
  onPeerLeft(id: string): void;
  onRelayError(payload: ErrorPayload): void;
  /** The handshake failed: the code when it is fatal (see ERRORS in src/protocol/codes.ts), else null (unreachable, or worth retrying). */
  onConnectError(code: FatalCode | null): void;
  onDisconnect(): void;
  /** v2: the room's presence changed. */
  onPresence(payload: PresencePayload): void;
  /** v2: our call request went out to this many members. */
  onRinging(payload: RingingPayload): void;
  /** v2: our call request waits in the room's line, at this place. */
  onQueued(payload: QueuedPayload): void;
  /** v2: the relay bound us into a call (we accepted, or someone accepted ours, or we rejoined). */
  onBound(payload: BoundPayload): void;
  /** v2: fresh ICE servers (the answer to requestIce, or unasked). */
  onIce(config: IceConfig): void;
  /** v2, while away: a call request of the room closed unanswered (we were not rung for it). */
  onMissed?(payload: MissedPayload): void;
}

/** What the core tells the relay besides messages: stepping away, and a call's summary for the site's webhooks. */
export type Control = { away: { away: boolean } } & { 'call-summary': CallSummaryReport };

export interface SignalingLink {
  send(message: SignalMessage): void;
  close(): void;
  /** v2: asks the relay for fresh ICE servers (answered through onIce). */
  requestIce?(): void;
  /** Tries to connect now if the link is down (a click should not wait for the next backoff). */
  retry?(): void;
  /** v2: sends `away` or `call-summary` if connected (dropped otherwise: `away` goes in the next handshake). */
  control?<E extends keyof Control>(event: E, payload: Control[E]): void;
}

/**
 * Opens a link. `auth` is read at every (re)connect, not copied once: its owner updates it in
 * place (the rejoin `call` and `key` once a call is bound).
 */
export type ConnectSignaling = (url: string, auth: HandshakeAuth, handlers: SignalingHandlers) => SignalingLink;

/** What the session tells its owner besides the flow's events, and asks it. */
export interface SessionOwner {
  /** What the relay says, as call-flow events. */
  dispatch(e: FlowEvent): void;
  /** A message that is not the flow's (a preconnection's signaling, the peer's media state): true when taken. */
  aside(m: SignalMessage, from: string): boolean;
  /** Our call's ICE is up (a peer whose socket left may come back on a new one meanwhile). */
  iceUp(): boolean;
  /** Fresh ICE servers arrived: the call in progress takes them. */
  ice(config: IceConfig): void;
  /** The relay refused a preconnection's message (past the first desks, or the call moved on). */
  preRefused(call: string): void;
  /** `GET /presence` answered (even with the counts we had). */
  polled(): void;
}

/** Where the session links to (or polls presence from), and what its handshake says of us. */
export interface LinkTarget {
  server: string;
  room?: string | undefined;
  token?: string | undefined;
  name?: string | undefined;
  /** This page takes calls (default true). */
  incoming?: boolean | undefined;
}
