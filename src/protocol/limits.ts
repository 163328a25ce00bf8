/** The protocol's bounds: what the relay enforces on every message from a socket, and what a client accepts. */

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

/** Call ids are made by the caller: 1–64 URL-safe characters (16 random ones are plenty). */
export const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Bounds of a call summary: a week, a minute of round trip, a million reconnects. */
export const SUMMARY_LIMITS = { maxDurationMs: 7 * 24 * 3600_000, maxRttMs: 60_000, maxReconnects: 1_000_000 } as const;
