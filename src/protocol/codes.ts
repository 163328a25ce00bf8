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
