/**
 * Room members as the call rules see them (pure, no I/O): a member's version, role and call
 * state, its profile from the handshake and its token, its display name, and the room's
 * `presence` counted from its members. Part of the call rules (rules.ts).
 */
import { CALL_ID_PATTERN, LIMITS, type HandshakeAuth, type PresencePayload, type TokenRole } from '../../src/protocol/index.js';

export type Version = 1 | 2;

/**
 * What a socket is doing about calls (`socket.data.call`): ringing out (its call request is
 * open), waiting in the room's line (queue-rules.ts), or bound into a call with `peer` ('' while the other side has not come back yet).
 * A socket that is only being rung has no `call`: it is idle until it accepts.
 */
export type SocketCall = { id: string; state: 'ringing' } | { id: string; state: 'queued' } | { id: string; state: 'bound'; peer: string };

/**
 * What a socket may do about calls, from its token (TOKEN_SECRET): a `caller` places calls and
 * is never rung, an `answerer` takes calls and places none, `both` does either. `rejoin`: a
 * socket admitted on an expired token only to rejoin the call it was in (handshake.ts); it
 * places and takes no new call. No role (a relay without tokens): anything.
 */
export type Role = TokenRole | 'rejoin';

/** May place calls (a call request; a v1 client's ready that answers nothing). */
export const mayCall = (role: Role | undefined): boolean => role === undefined || role === 'caller' || role === 'both';
/** May be rung, accept and decline. */
export const mayAnswer = (role: Role | undefined): boolean => role === undefined || role === 'answerer' || role === 'both';

/** A room member as the rules see it (from socket.data, on any node). */
export interface MemberView {
  id: string;
  v: Version;
  /** Takes incoming calls: rung, and counted in presence. */
  incoming: boolean;
  call?: SocketCall;
  /** Its token's role (absent without tokens). */
  role?: Role;
  /** Stepped away (`away`): not rung, not counted in presence. */
  away?: boolean;
}

/** What a handshake says about the socket (socket.data), and the call it asks to rejoin. */
export interface Profile {
  v: Version;
  incoming: boolean;
  /** The display name stamped on its call requests ('' when none). */
  name: string;
  role?: Role;
  /** Connected away (auth `away: true`): see MemberView.away. */
  away?: boolean;
  rejoin?: { call: string; key: string };
}

/** What a checked token says of the socket: its role and display name (the token's name, never the handshake's). */
export interface Grant {
  role: Role;
  name: string;
  /** The token's `sub` when it has one: names its TURN credentials, and the person in webhooks. */
  sub?: string;
}

// Control characters would only garble the callee's "Incoming call from NAME".
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Format characters (Unicode Cf: bidi overrides and isolates, zero-width spaces and joiners,
// soft hyphens) are invisible: a name could reorder the text around it ("…from Ana‮lanigiro")
// or pass for another name that differs only by them. They are dropped, not replaced.
const FORMAT = /\p{Cf}/gu;

/** A display name as callees see it: no control or format characters, trimmed, at most LIMITS.maxNameLength. */
export const displayName = (raw: string): string => raw.replace(FORMAT, '').replace(CONTROL, ' ').trim().slice(0, LIMITS.maxNameLength).trim();

/**
 * The socket's profile from its handshake `auth`, and its token's grant when tokens are
 * required. Version 2 only when it says `protocol: 2` (or more); anything else is the
 * tutorial's protocol 1, which takes calls. Ill-typed optional fields are ignored rather than
 * refused: a v1 client never sends them. With a grant the name is the token's (a client cannot
 * choose it) and a role that takes no calls is never rung, whatever `incoming` said.
 */
export function profileOf(auth: Partial<Record<keyof HandshakeAuth, unknown>>, grant?: Grant): Profile {
  const v: Version = typeof auth.protocol === 'number' && auth.protocol >= 2 ? 2 : 1;
  const granted = grant ? { role: grant.role } : {};
  const rung = mayAnswer(grant?.role);
  if (v === 1) return { v, incoming: rung, name: grant ? displayName(grant.name) : '', ...granted };
  const name = grant ? displayName(grant.name) : typeof auth.name === 'string' ? displayName(auth.name) : '';
  const p: Profile = { v, incoming: auth.incoming !== false && rung, name, ...granted };
  if (auth.away === true) p.away = true;
  const { call, key } = auth;
  if (typeof call === 'string' && typeof key === 'string' && CALL_ID_PATTERN.test(call) && CALL_ID_PATTERN.test(key)) p.rejoin = { call, key };
  return p;
}

/** `presence`: members that take calls, idle / bound or ringing out (every member counts, the asker too), and callers in the room's line when any. */
export function presenceOf(members: readonly MemberView[]): PresencePayload {
  let available = 0;
  let busy = 0;
  let queued = 0;
  for (const m of members) {
    // Callers in the line count whoever they are (a call-only page mostly).
    if (m.call?.state === 'queued') queued++;
    if (!m.incoming || m.away) continue;
    if (m.call) busy++;
    else available++;
  }
  return queued ? { available, busy, queued } : { available, busy };
}
