/** The Socket.IO contract: the handshake's `auth`, and which event carries which payload each way. */
import type { SignalMessage, RelayedMessage } from './messages.js';
import type { AwayPayload, BoundPayload, CallSummaryReport, ClientIdPayload, ErrorPayload, IceConfig, MissedPayload, PeerPayload, PresencePayload, QueuedPayload, RingingPayload } from './payloads.js';

/** Roles a token grants (`role` claim): a caller only places calls, an answerer only takes them. */
export const TOKEN_ROLES = ['caller', 'answerer', 'both'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** Handshake `auth` (Socket.IO `io(url, { auth })`); `room` may also come as a query parameter. */
export interface HandshakeAuth {
  room?: string;
  token?: string;
  /** v2 clients say so (the relay serves a socket without it as v1, like the tutorial's client). */
  protocol?: number;
  /** v2: false for a call-only page (a public site's "Call us"): never rung, never counted as available. Default true. */
  incoming?: boolean;
  /** v2: the display name callees see (a token's name wins when tokens are required). */
  name?: string;
  /** v2: a desk that is away (see the `away` event): not rung nor counted from its first moment, after a reconnect too. */
  away?: boolean;
  /** v2 rejoin: the call this socket was in, and its key (see BoundPayload). */
  call?: string;
  key?: string;
}

export interface ServerToClientEvents {
  'client-id': (data: ClientIdPayload) => void;
  message: (data: RelayedMessage) => void;
  'peer-joined': (data: PeerPayload) => void;
  'peer-left': (data: PeerPayload) => void;
  error: (data: ErrorPayload) => void;
  presence: (data: PresencePayload) => void;
  ringing: (data: RingingPayload) => void;
  /** v2: the call request waits in line (every desk is busy); again at each move of the line. */
  queued: (data: QueuedPayload) => void;
  bound: (data: BoundPayload) => void;
  /** v2: fresh ICE servers, in answer to the client's `ice` (or unasked, before the last ones expire). */
  ice: (data: IceConfig) => void;
  /** v2: to a desk that is `away`: a call request in its room closed unanswered (it was not rung). */
  missed: (data: MissedPayload) => void;
}

export interface ClientToServerEvents {
  message: (data: SignalMessage) => void;
  /** v2: asks for fresh ICE servers (answered with an `ice` event; minting is rate-limited). No payload. */
  ice: () => void;
  /** v2: a desk steps away (not rung, not counted in presence) or comes back. */
  away: (data: AwayPayload) => void;
  /** v2: a side's measurements of a call that ended (its `rtc-call-end`), for the site's webhooks; once per side. */
  'call-summary': (data: CallSummaryReport) => void;
}

