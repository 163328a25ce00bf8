/**
 * rtc-call wire protocol: the ONE definition shared by the relay (server/) and the
 * browser call controller (src/core/). Socket.IO default namespace, JSON payloads.
 *
 * Compatible with the tutorial client in shared/seed: it listens for `client-id`
 * and `message`, emits `message` with `type` and an optional `clientId` (ignored,
 * the relay stamps the real one), sends no room and bare candidate strings.
 *
 * This file must stay DOM-free and dependency-free: it is compiled for Node and
 * bundled into the widget.
 */

/**
 * Bumped on an incompatible change; sent in `client-id` so clients can tell. Version 2 adds
 * ringing (docs/protocol.md): a `ready` with a `call` id is a call request that rings the
 * room's members who take calls; `accept`, `decline` and `cancel` answer or withdraw it; the
 * relay binds the two sides of an accepted call and delivers to each only what the other sends.
 * A client that says nothing of its version (no `protocol` in its handshake, no `call` ids) is
 * served as version 1, as the tutorial's client is.
 */
export const PROTOCOL_VERSION = 2;

export const MESSAGE_TYPES = ['offer', 'answer', 'candidate', 'ready', 'bye', 'accept', 'decline', 'cancel', 'media'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Limits enforced on every message from a socket (server) and on what a client accepts. */
export const LIMITS = {
  /** A real offer with a few m-lines and trickled candidates is 2–10 KB; 32 KiB is generous. */
  maxSdpBytes: 32 * 1024,
  /** `candidate:...` lines are ~100–250 bytes; 1 KiB leaves room for long hostnames. */
  maxCandidateBytes: 1024,
  /** RFC 8839 limits ice-ufrag to 256 chars. */
  maxUsernameFragmentLength: 256,
  /** MIDs are short tokens ("0", "audio"); RFC 8843 allows up to 16 chars in practice. */
  maxSdpMidLength: 32,
  /** Largest m-line index we accept (a 1:1 call has 2–3 m-lines). */
  maxSdpMLineIndex: 63,
  /** Server-assigned ids are 20-char Socket.IO ids; anything over 64 is not ours. */
  maxIdLength: 64,
  /** Room names: printable, URL-safe, 1–64 characters (see ROOM_PATTERN). */
  maxRoomLength: 64,
  /** Handshake auth token (opaque, for room auth). */
  maxTokenLength: 4096,
  /** Token bucket per socket: sustained messages per second... */
  messagesPerSecond: 50,
  /** ...and the burst allowed on top (ICE gathering sends a quick run of candidates). */
  messageBurst: 100,
  /** Socket.IO `maxHttpBufferSize`: caps a whole frame before any parsing (SDP + envelope). */
  maxFrameBytes: 64 * 1024,
  /** Members a room holds by default (ROOM_MEMBERS): presence for a desk and its callers; a call binds two. */
  defaultRoomMembers: 50,
  /** Call ids (made by the caller) and the rejoin key: see CALL_ID_PATTERN. */
  maxCallIdLength: 64,
  /** Display names (handshake `name`, or a token's): stamped by the relay on call requests. */
  maxNameLength: 64,
} as const;

/**
 * Preconnect: how many of the members a call request rings may negotiate their connection with
 * the caller before one accepts (relay-only ICE, no media); the rest ring without.
 */
export const PRECONNECT_DESKS = 4;

/** Room names the relay accepts. */
export const ROOM_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** Room used when a client names none (the tutorial's client). */
export const DEFAULT_ROOM = 'lobby';

/**
 * Every code the relay refuses with, and whether it is fatal to the link (true): after a fatal code
 * reconnecting with the same room and token cannot help, so the client stops retrying until
 * its configuration changes or its user clicks again. The lists below are derived from here.
 */
export const ERRORS = {
  /** The payload is not a valid message (shape, type, size). Nothing was relayed. */
  'bad-message': false,
  /** `to` names a peer that is not in the sender's room. Nothing was relayed. */
  'unknown-peer': false,
  /** The room already holds its maximum number of peers; the socket is disconnected. */
  'room-full': true,
  /** The room name in the handshake is not valid; the socket is disconnected. */
  'bad-room': true,
  /** More messages than LIMITS.messagesPerSecond allow. Nothing was relayed. */
  'rate-limited': false,
  /** The handshake was refused (token / origin). */
  unauthorized: true,
  /** The relay is shutting down; clients should reconnect (calls stay up: media is peer-to-peer). */
  'shutting-down': false,
  /** Something failed inside the relay; the message was not relayed. */
  internal: false,
  /** A call request found nobody in the room who takes calls (v2). Nobody was rung. */
  unavailable: false,
  /** Everyone who takes calls, or the member named by `to`, is in a call (v2). Nobody was rung. */
  busy: false,
  /** Offer, answer, candidate or bye from a socket that is not in a bound call (beyond what preconnect allows while a call rings), or that names someone outside it (v2). Nothing was relayed. */
  'not-in-call': false,
  /** A call request from a socket already in a call (v2). Nothing was relayed. */
  'in-call': false,
  /** `accept` for a call that another member answered first (v2). */
  'answered-elsewhere': false,
  /** `accept`, `decline` or `cancel` for a call that is not ringing (ended, cancelled, unknown, or not rung here) (v2). */
  'call-ended': false,
  /** The token's role does not allow it: a `caller` accepting or declining, an `answerer` placing a call. Nothing was relayed. */
  forbidden: false,
  /** Too many sockets or handshakes from this address, or on this relay: try again later (the widget backs off). */
  'too-many': false,
  /** This socket did not read what the relay sent it fast enough, or kept sending past the rate limit: it was disconnected. */
  'slow-consumer': false,
} as const satisfies Record<string, boolean>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The codes after which a client does not reconnect on its own (see ERRORS). */
export type FatalCode = { [C in ErrorCode]: (typeof ERRORS)[C] extends true ? C : never }[ErrorCode];
/** `code` as a FatalCode, or null when it is not one (or not a code at all). */
export const fatalCode = (code: unknown): FatalCode | null =>
  typeof code === 'string' && (ERRORS as Record<string, boolean>)[code] === true ? (code as FatalCode) : null;

/** An ICE candidate as it travels (RTCIceCandidateInit without the DOM lib). */
export interface CandidateInit {
  /** The `candidate:...` line ("" = end of candidates). */
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export const CALL_KINDS = ['video', 'voice'] as const;
export type CallKind = (typeof CALL_KINDS)[number];

/** Why a call request was withdrawn: its caller hung up, nobody answered in time, or (relay) another member answered. */
export const CANCEL_REASONS = ['hang-up', 'no-answer', 'answered'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * v2 `media`: a side's in-call state, sent whole (every flag) to its bound peer whenever one
 * changes and when the call (re)connects, so the peer shows a placeholder instead of a black
 * or frozen frame, and a muted mark. A flag left out is false.
 */
export const MEDIA_FLAGS = ['muted', 'cameraOff', 'sharing'] as const;
export type MediaFlag = (typeof MEDIA_FLAGS)[number];
export type MediaState = Record<MediaFlag, boolean>;

/** Call ids are made by the caller: 1–64 URL-safe characters (16 random ones are plenty). */
export const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** What a client sends with `socket.emit('message', ...)`. */
export interface SignalMessage extends CandidateInit {
  type: MessageType;
  /** offer / answer: the SDP text. */
  sdp?: string;
  /** v2: the call this is about. A `ready` with it is a call request; accept, decline and cancel need it. */
  call?: string;
  /** v2, call requests: what the caller asks for (default video). */
  kind?: CallKind;
  /** v2, call requests as delivered: the caller's display name, stamped by the relay (a client's own is dropped). */
  name?: string;
  /** v2, cancel: why the request was withdrawn. */
  reason?: CancelReason;
  /** v2, call requests: wait in the room's line when every member who takes calls is busy, rather than be refused `busy`. */
  queue?: boolean;
  /** v2, media: the microphone is muted / the camera is off / a screen is shown instead of the camera. */
  muted?: boolean;
  cameraOff?: boolean;
  sharing?: boolean;
  /** Deliver to this peer only (must be in the same room); default: everyone else in the room. */
  to?: string;
  /** Sent by the tutorial client; always ignored and overwritten by the relay. */
  clientId?: string;
}

/** What the relay delivers: the sender's message stamped with its server-assigned id. */
export interface RelayedMessage extends Omit<SignalMessage, 'clientId'> {
  /** The sender's server-assigned id. */
  from: string;
  /** Same as `from`, for clients written like the tutorial. */
  clientId: string;
}

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

/** Roles a token grants (`role` claim): a caller only places calls, an answerer only takes them. */
export const TOKEN_ROLES = ['caller', 'answerer', 'both'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/**
 * v2 `presence`: members of the room who take calls, idle and in a call (v1 members count as
 * taking calls). Sent to the whole room on every change; a member counts itself too.
 */
export interface PresencePayload {
  available: number;
  busy: number;
  /** Callers waiting in the room's line (absent when nobody waits). */
  queued?: number;
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

/** Bounds of a call summary: a week, a minute of round trip, a million reconnects. */
export const SUMMARY_LIMITS = { maxDurationMs: 7 * 24 * 3600_000, maxRttMs: 60_000, maxReconnects: 1_000_000 } as const;

const inRange = (v: unknown, max: number, int: boolean): v is number => typeof v === 'number' && v >= 0 && v <= max && (!int || Number.isInteger(v));

/** A clean copy of an untrusted `call-summary` (known fields only), or the field that is wrong. */
export function checkCallSummary(raw: unknown): CallSummaryReport | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'payload';
  const m = raw as Record<string, unknown>;
  const { call, durationMs, relayed, rttMs, packetLoss, reconnects } = m;
  if (typeof call !== 'string' || !CALL_ID_PATTERN.test(call)) return 'call';
  if (!inRange(durationMs, SUMMARY_LIMITS.maxDurationMs, true)) return 'durationMs';
  if (relayed !== null && typeof relayed !== 'boolean') return 'relayed';
  if (rttMs !== null && !inRange(rttMs, SUMMARY_LIMITS.maxRttMs, false)) return 'rttMs';
  if (packetLoss !== null && !inRange(packetLoss, 1, false)) return 'packetLoss';
  if (!inRange(reconnects, SUMMARY_LIMITS.maxReconnects, true)) return 'reconnects';
  return { call, durationMs, relayed, rttMs, packetLoss, reconnects };
}

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

/** The TypeScript type a (small subset of) JSON schema describes: what ICE_CONFIG_SCHEMA needs. */
export type FromSchema<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { anyOf: readonly (infer A)[] }
    ? A extends unknown ? FromSchema<A> : never
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'integer' | 'number' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : S extends { type: 'array'; items: infer I }
            ? FromSchema<I>[]
            : S extends { type: 'object'; properties: infer P }
              ? ObjectFromSchema<P, S extends { required: readonly (infer R)[] } ? R : never>
              : unknown;
type ObjectFromSchema<P, R> = {
  -readonly [K in keyof P as K extends R ? K : P[K] extends { default: unknown } ? K : never]: FromSchema<P[K]>;
} & { -readonly [K in keyof P as K extends R ? never : P[K] extends { default: unknown } ? never : K]?: FromSchema<P[K]> };

export type IceConfig = FromSchema<typeof ICE_CONFIG_SCHEMA>;
/** RTCIceServer without the DOM lib (this file compiles for Node too). */
export type IceServer = IceConfig['iceServers'][number];

/**
 * Whether `v` matches `schema` (the subset FromSchema knows). Unknown keywords are ignored;
 * `default`s are not applied here (parseIceConfig does that).
 */
export function matchesSchema(schema: unknown, v: unknown): boolean {
  const s = schema as { type?: string; enum?: readonly unknown[]; anyOf?: readonly unknown[]; items?: unknown; properties?: Record<string, unknown>; required?: readonly string[] };
  if (s.enum) return s.enum.includes(v);
  if (s.anyOf) return s.anyOf.some((a) => matchesSchema(a, v));
  switch (s.type) {
    case 'string':
      return typeof v == 'string';
    case 'integer':
      return Number.isInteger(v);
    case 'array':
      return Array.isArray(v) && v.every((x) => matchesSchema(s.items, x));
    case 'object': {
      if (typeof v != 'object' || v === null || Array.isArray(v)) return false;
      const o = v as Record<string, unknown>;
      return (s.required ?? []).every((k) => k in o) && Object.entries(s.properties ?? {}).every(([k, p]) => o[k] === undefined || matchesSchema(p, o[k]));
    }
  }
  return true;
}

/** Checks an untrusted ICE configuration against ICE_CONFIG_SCHEMA; throws on anything that is not one. */
export function parseIceConfig(body: unknown): IceConfig {
  if (!matchesSchema(ICE_CONFIG_SCHEMA, body)) throw new Error('bad ICE configuration');
  return { iceTransportPolicy: 'all', ...(body as object) } as IceConfig;
}

/**
 * A relayed candidate message as RTCIceCandidateInit. The tutorial's client sends the bare
 * `candidate` string; Chromium rejects a candidate with neither sdpMid nor sdpMLineIndex, and
 * with BUNDLE every m-line shares one transport, so the first m-line is right.
 */
export function toCandidateInit(m: CandidateInit & { type?: string }): CandidateInit {
  const c: CandidateInit = { candidate: m.candidate ?? '' };
  if (m.sdpMid != null) c.sdpMid = m.sdpMid;
  if (m.sdpMLineIndex != null) c.sdpMLineIndex = m.sdpMLineIndex;
  if (c.sdpMid == null && c.sdpMLineIndex == null) c.sdpMLineIndex = 0;
  if (m.usernameFragment != null) c.usernameFragment = m.usernameFragment;
  return c;
}

/** The wire form of a locally gathered candidate: every field it has, so no side has to guess. */
export function candidateMessage(c: CandidateInit): SignalMessage {
  const m: SignalMessage = { type: 'candidate', candidate: c.candidate ?? '' };
  if (c.sdpMid != null) m.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex != null) m.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment != null) m.usernameFragment = c.usernameFragment;
  return m;
}

export type ValidationResult =
  | { ok: true; message: SignalMessage }
  | { ok: false; code: 'bad-message'; message: string };

/** True when `s` takes more than `max` bytes as UTF-8, without allocating an encoding. */
const exceedsUtf8 = (s: string, max: number): boolean => {
  if (s.length > max) return true; // every code unit is at least one byte
  if (s.length * 3 <= max) return false; // and at most three
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n > max;
};

const isMessageType = (t: unknown): t is MessageType =>
  typeof t === 'string' && (MESSAGE_TYPES as readonly string[]).includes(t);

/** The optional string fields and their limits: [max, counted in UTF-8 bytes rather than characters]. */
const STRING_FIELDS = {
  sdp: [LIMITS.maxSdpBytes, true],
  candidate: [LIMITS.maxCandidateBytes, true],
  sdpMid: [LIMITS.maxSdpMidLength, false],
  usernameFragment: [LIMITS.maxUsernameFragmentLength, false],
  to: [LIMITS.maxIdLength, false],
  clientId: [LIMITS.maxIdLength, false],
  call: [LIMITS.maxCallIdLength, false],
  name: [LIMITS.maxNameLength, false],
  kind: [8, false],
  reason: [16, false],
} as const;
/**
 * The same as a list, made once. The relay checks every message against it: about 90 ns per
 * message against 30 for checks written out field by field, which cost the widget ~55 bytes,
 * while a relayed message costs the relay ~56 µs of CPU (bench/RESULTS.md).
 */
const STRING_FIELD_LIST = Object.entries(STRING_FIELDS);

/**
 * Why a message is refused, as data: [what is wrong, the field or message type it concerns].
 * The client only drops such messages and needs no wording; the relay words it with
 * validateMessage (so the widget bundle carries none of the texts).
 */
export type MessageProblem = readonly [
  problem: 'object' | 'type' | 'string' | 'long' | 'no-sdp' | 'has-sdp' | 'no-candidate' | 'has-candidate' | 'index' | 'empty-to' | 'call' | 'no-call' | 'kind' | 'reason' | 'flag',
  subject: string,
];

/**
 * Checks an untrusted `message` payload against the limits above. Returns a clean copy
 * holding only known fields (unknown fields are dropped, never relayed), or the problem.
 * Used by the relay on every inbound message and by the controller on every relayed one.
 */
export function checkMessage(raw: unknown): SignalMessage | MessageProblem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['object', ''];
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (!isMessageType(type)) return ['type', 'type'];
  const out: SignalMessage = { type };

  for (const [name, [max, bytes]] of STRING_FIELD_LIST) {
    const v = m[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return ['string', name];
    if (bytes ? exceedsUtf8(v, max) : v.length > max) return ['long', name];
  }

  if (type === 'offer' || type === 'answer') {
    if (typeof m.sdp !== 'string' || m.sdp.length === 0) return ['no-sdp', type];
    out.sdp = m.sdp;
  } else if (m.sdp !== undefined) {
    return ['has-sdp', type];
  }

  if (type === 'candidate') {
    if (typeof m.candidate !== 'string') return ['no-candidate', type];
    out.candidate = m.candidate;
    const i = m.sdpMLineIndex;
    if (i !== undefined && i !== null) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > LIMITS.maxSdpMLineIndex) return ['index', 'sdpMLineIndex'];
      out.sdpMLineIndex = i;
    }
    if (typeof m.sdpMid === 'string') out.sdpMid = m.sdpMid;
    if (typeof m.usernameFragment === 'string') out.usernameFragment = m.usernameFragment;
  } else if (m.candidate !== undefined) {
    return ['has-candidate', type];
  }

  if (typeof m.to === 'string') {
    if (m.to.length === 0) return ['empty-to', 'to'];
    out.to = m.to;
  }

  // v2 ringing fields (their lengths were checked above).
  if (typeof m.call === 'string') {
    if (!CALL_ID_PATTERN.test(m.call)) return ['call', 'call'];
    out.call = m.call;
  } else if (type === 'accept' || type === 'decline' || type === 'cancel') return ['no-call', type];
  if (typeof m.kind === 'string') {
    if (!(CALL_KINDS as readonly string[]).includes(m.kind)) return ['kind', 'kind'];
    out.kind = m.kind as CallKind;
  }
  if (typeof m.name === 'string') out.name = m.name;
  if (typeof m.reason === 'string') {
    if (!(CANCEL_REASONS as readonly string[]).includes(m.reason)) return ['reason', 'reason'];
    out.reason = m.reason as CancelReason;
  }
  if (m.queue !== undefined) {
    if (typeof m.queue !== 'boolean') return ['flag', 'queue'];
    if (type === 'ready') out.queue = m.queue;
  }
  if (type === 'media')
    for (const k of MEDIA_FLAGS) {
      const v = m[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') return ['flag', k];
      out[k] = v;
    }
  return out;
}

/** A refusal in words, for the `error` event's `message`. */
export function describeProblem([problem, subject]: MessageProblem): string {
  switch (problem) {
    case 'object':
      return 'message must be an object';
    case 'type':
      return `type must be one of ${MESSAGE_TYPES.join(', ')}`;
    case 'string':
      return `${subject} must be a string`;
    case 'long': {
      const [max, bytes] = STRING_FIELDS[subject as keyof typeof STRING_FIELDS];
      return `${subject} is longer than ${max}${bytes ? ' bytes' : ''}`;
    }
    case 'no-sdp':
      return `${subject} needs a non-empty sdp`;
    case 'has-sdp':
      return `${subject} must not carry sdp`;
    case 'no-candidate':
      return 'candidate needs a candidate string';
    case 'has-candidate':
      return `${subject} must not carry a candidate`;
    case 'index':
      return `sdpMLineIndex must be an integer 0..${LIMITS.maxSdpMLineIndex}`;
    case 'empty-to':
      return 'to must not be empty';
    case 'call':
      return 'call must be 1-64 characters A-Z a-z 0-9 _ -';
    case 'no-call':
      return `${subject} needs a call id`;
    case 'kind':
      return `kind must be one of ${CALL_KINDS.join(', ')}`;
    case 'reason':
      return `reason must be one of ${CANCEL_REASONS.join(', ')}`;
    case 'flag':
      return `${subject} must be true or false`;
  }
}

/** checkMessage with the refusal worded (the relay's form). */
export function validateMessage(raw: unknown): ValidationResult {
  const r = checkMessage(raw);
  return Array.isArray(r) ? { ok: false, code: 'bad-message', message: describeProblem(r as MessageProblem) } : { ok: true, message: r as SignalMessage };
}

/** Normalises a handshake room name; returns null when it is not acceptable. */
export function parseRoom(raw: unknown, fallback: string = DEFAULT_ROOM): string | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw !== 'string' || !ROOM_PATTERN.test(raw)) return null;
  return raw;
}
