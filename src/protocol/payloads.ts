/** The payloads of the relay's events other than `message` (src/protocol/events.ts maps them to events). */
import type { ErrorCode } from './codes.js';
import type { CallKind } from './messages.js';
import type { FromSchema } from './schema.js';

/**
 * The `GET /ice-servers` response (and, from protocol 2, what the relay hands a socket): ONE
 * JSON schema, used by the Fastify route to serialise it and by the widget to check what it
 * got (parseIceConfig); the IceConfig type is derived from it.
 */
export const ICE_CONFIG_SCHEMA = {
  type: 'object',
  properties: {
    iceServers: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          urls: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          username: { type: 'string' },
          credential: { type: 'string' },
        },
        required: ['urls'],
      },
    },
    iceTransportPolicy: { type: 'string', enum: ['all', 'relay'], default: 'all' },
    /** Seconds the TURN credentials stay valid (absent without TURN). */
    ttl: { type: 'integer' },
  },
  required: ['iceServers'],
} as const;

export type IceConfig = FromSchema<typeof ICE_CONFIG_SCHEMA>;
/** RTCIceServer without the DOM lib (src/protocol/ compiles for Node too). */
export type IceServer = IceConfig['iceServers'][number];

/**
 * v2 `presence`: members of the room who take calls, idle and in a call (v1 members count as
 * taking calls). Sent to the whole room on every change; a member counts itself too. ONE schema:
 * the relay's `GET /presence` serialises with it and the widget checks both the event and that
 * route's answer with it (parsePresence).
 */
export const PRESENCE_SCHEMA = {
  type: 'object',
  properties: {
    /** Members of the room who take calls and are idle: a call request would ring them. */
    available: { type: 'integer' },
    /** Members who take calls and are in a call, or ringing out. */
    busy: { type: 'integer' },
    /** Callers waiting in the room's line, when any (absent otherwise). */
    queued: { type: 'integer' },
  },
  required: ['available', 'busy'],
} as const;

export type PresencePayload = FromSchema<typeof PRESENCE_SCHEMA>;

export interface ClientIdPayload {
  /** This socket's server-assigned id. */
  id: string;
  /** The room the socket was placed in. */
  room: string;
  /** Ids of the peers already in the room when this socket joined. */
  peers: string[];
  protocol: number;
  /** v2: the room's presence when this socket joined (it counts this socket too). */
  presence?: PresencePayload;
  /** v2: the call this socket was put back into (a rejoin with `call` and `key` in the handshake). */
  bound?: BoundPayload;
  /**
   * v2: the ICE servers for this socket, with TURN credentials named after the caller (its token's
   * `sub`, else its address, so coturn's per-user quota limits one caller); STUN only with a short
   * `ttl` when its address's budget is spent or its token expired. Fresh ones: emit `ice`.
   */
  ice?: IceConfig;
}

/** v2 `queued`: the caller's request waits in the room's line, `position` 1 at its head; sent again whenever it moves. */
export interface QueuedPayload {
  call: string;
  position: number;
}

/** v2 `ringing`: the call request went out to `count` members (the caller hears each decline). */
export interface RingingPayload {
  call: string;
  count: number;
}

/**
 * v2 `bound`: the relay bound this socket and `peer` into `call` (the caller hears it when
 * someone accepts, the acceptor when its accept won). From here each hears only the other.
 * `key` lets either side rejoin the call on a new socket (handshake `call` + `key`), as after
 * a relay restart; nobody else learns it.
 */
export interface BoundPayload {
  call: string;
  peer: string;
  key: string;
}

export interface PeerPayload {
  id: string;
}

export interface ErrorPayload {
  code: ErrorCode;
  /** A sentence for developers (the widget maps codes to its own user-facing text). */
  message: string;
  /** The message type that was refused, when there was one. */
  type?: string;
  /** v2: the call the refusal is about, when there was one. */
  call?: string;
}

/** `away`: true steps away, false comes back. */
export interface AwayPayload {
  away: boolean;
}

/** `missed`: a call request an away desk was not rung for, closed unanswered. */
export interface MissedPayload {
  call: string;
  kind: CallKind;
  /** The caller's display name ('' when none). */
  name: string;
  from: string;
}

/** `call-summary`: what `rtc-call-end` reports, bounded (see checkCallSummary). */
export interface CallSummaryReport {
  call: string;
  durationMs: number;
  relayed: boolean | null;
  rttMs: number | null;
  packetLoss: number | null;
  reconnects: number;
}
