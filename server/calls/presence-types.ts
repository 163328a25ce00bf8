/**
 * `GET /presence?room=R`: the wire shape and the timings the route keeps (http/presence.ts).
 * The response is the room's `presence` event (PresencePayload in src/protocol.ts) as a visitor
 * outside the room would hear it: members who take calls, idle and in a call. Counts only —
 * never an id, a name or a call. (To move into src/protocol.ts beside PresencePayload, so the
 * widget checks what it fetched with the same schema: `matchesSchema(PRESENCE_SCHEMA, body)`.)
 */
import type { PresencePayload } from '../../src/protocol.js';

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

/** The 200 body: exactly the `presence` event's payload. */
export type PresenceResponse = PresencePayload;

/** Every refusal of the route: the protocol's ErrorPayload shape (code, message). */
export const PRESENCE_ERROR_SCHEMA = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export const PRESENCE_TIMING = {
  /**
   * A room's counts are looked up at most once per this long per node, whoever asks; the HTTP
   * answer says `max-age` the same and `Age` how old the lookup is, so a browser or a proxy
   * never holds one past this either. A count is at most this old (plus under a second, as
   * Age is in whole seconds) when a page reads it.
   */
  cacheMs: 2000,
  /** A lookup that takes longer (a node not answering the adapter) is answered 503, not waited for. */
  lookupTimeoutMs: 2000,
  /** Seconds a refused (429, 503) client waits before asking again. */
  retryAfterS: 2,
} as const;

export const PRESENCE_LIMITS = {
  /**
   * Work per client address: lookups (a room not in the cache) and token checks. An answer from
   * the cache costs nothing and is never refused, so many visitors behind one NAT polling one
   * room are fine; one address walking through room names is not.
   */
  lookupsPerSecond: 10,
  lookupBurst: 50,
  /** Rooms held in the cache, and tokens remembered as checked (each bounded, oldest out). */
  maxCachedRooms: 10_000,
  maxCachedTokens: 10_000,
  /** A checked token is taken on trust for at most this long (or until it expires, if sooner). */
  tokenTrustMs: 60_000,
} as const;
