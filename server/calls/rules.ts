/**
 * The ringing rules of protocol version 2 as pure functions over plain data: who a call request
 * rings, which refusal a message gets, what a bound socket may send, and how a call's record
 * moves (open, claimed, declined, cancelled, expired, left, rejoined). No sockets, no I/O, no
 * clock of its own: the relay's plumbing (calls.ts, signaling.ts) and the in-memory FakeRelay
 * of the widget's tests (test/core/fakes.ts) both decide with these, so they cannot drift.
 * The rules in words: docs/protocol.md, "Version 2: calls that ring".
 */
import {
  CALL_ID_PATTERN,
  LIMITS,
  PRECONNECT_DESKS,
  type CallKind,
  type CancelReason,
  type ErrorCode,
  type ErrorPayload,
  type HandshakeAuth,
  type PresencePayload,
  type SignalMessage,
  type TokenRole,
} from '../../src/protocol/index.js';
import type { KeyClaim, Side } from '../tokens/rejoin-keys.js';

export type Version = 1 | 2;

/** An open call request closes on the relay after this long unanswered (the widget's own ring timeout is 45 s). */
export const RING_EXPIRY_MS = 120_000;
/** How long a call whose side left stays bound, waiting for that side to rejoin on a new socket (call + key). */
export const REJOIN_MS = 30_000;
/** How long a bound call's record lives at most (a call longer than this cannot be rejoined). */
export const BOUND_TTL_MS = 24 * 3600_000;

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

export interface Refusal {
  code: ErrorCode;
  message: string;
}

/** The wording of every call refusal, one place for the relay and the fake. */
export const refusals = {
  self: (): Refusal => ({ code: 'unknown-peer', message: 'to must name another peer, not yourself' }),
  notInRoom: (to: string, room: string): Refusal => ({ code: 'unknown-peer', message: `peer ${to} is not in room ${room}` }),
  notInCall: (type: string): Refusal => ({ code: 'not-in-call', message: `${type} outside a call: place or accept a call first; nothing was relayed` }),
  notYourPeer: (to: string): Refusal => ({ code: 'not-in-call', message: `peer ${to} is not in your call; nothing was relayed` }),
  peerInCall: (to: string): Refusal => ({ code: 'not-in-call', message: `peer ${to} is in a call or takes messages only inside one; nothing was relayed` }),
  nobodyOutsideCalls: (type: string): Refusal => ({ code: 'not-in-call', message: `${type}: everyone else in the room is in a call or takes messages only inside one; nothing was relayed` }),
  inCall: (call: string): Refusal => ({ code: 'in-call', message: `you are in call ${call}: hang up first` }),
  busyPeer: (to: string): Refusal => ({ code: 'busy', message: `peer ${to} is in a call` }),
  busyRoom: (room: string): Refusal => ({ code: 'busy', message: `everyone who takes calls in room ${room} is in a call` }),
  unavailablePeer: (to: string): Refusal => ({ code: 'unavailable', message: `peer ${to} does not take calls` }),
  unavailableRoom: (room: string): Refusal => ({ code: 'unavailable', message: `nobody in room ${room} takes calls` }),
  callTaken: (call: string): Refusal => ({ code: 'bad-message', message: `call id ${call} is already in use in this room` }),
  answeredElsewhere: (call: string): Refusal => ({ code: 'answered-elsewhere', message: `call ${call} was answered by another member` }),
  callEnded: (call: string): Refusal => ({ code: 'call-ended', message: `call ${call} is not ringing here` }),
  expired: (call: string): Refusal => ({ code: 'call-ended', message: `call ${call} rang ${RING_EXPIRY_MS / 1000} s unanswered and is closed` }),
  mayNotAnswer: (type: string, role: Role): Refusal => ({ code: 'forbidden', message: `${type}: your token's role (${role}) does not take calls; nothing was relayed` }),
  lineFull: (room: string, max: number): Refusal => ({ code: 'busy', message: `everyone who takes calls in room ${room} is in a call and its line is full (${max} waiting)` }),
  lineExpired: (call: string, waitS: number): Refusal => ({ code: 'call-ended', message: `call ${call} waited ${waitS} s in line unanswered and is closed` }),
  mayNotCall: (role: Role): Refusal => ({ code: 'forbidden', message: `ready: your token's role (${role}) does not place calls; nothing was relayed` }),
  notPreBind: (type: string, call: string, to: string): Refusal => ({
    code: 'not-in-call',
    message: `${type} of call ${call} to ${to}: before a call binds, only its caller and the first ${PRECONNECT_DESKS} members it rings exchange offer, answer and candidate; nothing was relayed`,
  }),
} as const;

/** A refusal as the `error` event carries it. */
export const errorPayload = (r: Refusal, type?: string, call?: string): ErrorPayload => ({
  code: r.code,
  message: r.message,
  ...(type === undefined ? {} : { type }),
  ...(call === undefined ? {} : { call }),
});

/**
 * What to do with a validated message, decided from the sender's own state alone (so the hot
 * path, a bound socket's candidates, needs no lookup):
 * - `peer`: deliver to the bound peer only (`unbind` after a bye);
 * - `request`: a call request (`call` absent: a v1 client's, the relay names it); `replace` an
 *   open request of the sender's own first;
 * - `v1`: an idle or ringing-out v1 socket's ready or offer: its accept when an open request
 *   rang it, else a request (ready; refused with `noCall` when its role places no calls) or a
 *   v1 relay (offer);
 * - `v1-relay`: a v1 socket outside a call: to the room's v1 members outside calls (see v1Targets);
 * - `accept`, `decline`, `cancel`: about a call request (the registry decides);
 * - `refuse`.
 */
export type Route =
  | { do: 'refuse'; refusal: Refusal; call?: string }
  | { do: 'peer'; peer: string; unbind: boolean }
  | { do: 'request'; call?: string; replace?: string }
  | { do: 'v1'; noCall?: Refusal }
  | { do: 'v1-relay' }
  | { do: 'accept'; call: string; replace?: string }
  | { do: 'decline'; call: string }
  | { do: 'cancel'; call: string; reason: CancelReason }
  /** An unbound v2 socket's offer, answer or candidate of call `call` to `to`: allowed only by preBind() (the record decides). */
  | { do: 'pre'; call: string; to: string };

/** The sender as route() needs it (signaling.ts passes its per-socket object, no copy per message). */
export type Sender = Pick<MemberView, 'id' | 'v' | 'call' | 'role'>;

export function route(sender: Sender, m: SignalMessage): Route {
  const { type, to, call } = m;
  if (to !== undefined && to === sender.id) return { do: 'refuse', refusal: refusals.self() };
  const mine = sender.call;
  const { role } = sender;
  switch (type) {
    case 'accept':
      if (!mayAnswer(role)) return { do: 'refuse', refusal: refusals.mayNotAnswer(type, role!), call };
      if (mine?.state === 'bound') return { do: 'refuse', refusal: refusals.callEnded(call!), call };
      return { do: 'accept', call: call!, ...(mine ? { replace: mine.id } : {}) };
    case 'decline':
      if (!mayAnswer(role)) return { do: 'refuse', refusal: refusals.mayNotAnswer(type, role!), call };
      return { do: 'decline', call: call! };
    case 'cancel':
      return { do: 'cancel', call: call!, reason: m.reason ?? 'hang-up' };
    case 'ready':
      if (mine?.state === 'bound') {
        if (call !== undefined && call !== mine.id) return { do: 'refuse', refusal: refusals.inCall(mine.id), call };
        return toPeer(mine.peer, to, false);
      }
      if (call !== undefined) {
        if (!mayCall(role)) return { do: 'refuse', refusal: refusals.mayNotCall(role!), call };
        return { do: 'request', call, ...(mine && mine.id !== call ? { replace: mine.id } : {}) };
      }
      if (sender.v === 1) return mayCall(role) ? { do: 'v1' } : { do: 'v1', noCall: refusals.mayNotCall(role!) };
      // A v2 client's ready outside a call carries a call id; without one it is call signaling.
      return { do: 'refuse', refusal: refusals.notInCall(type) };
    default:
      // offer, answer, candidate, bye
      if (mine?.state === 'bound') return toPeer(mine.peer, to, type === 'bye');
      if (sender.v === 2 && type !== 'bye' && call !== undefined && to !== undefined) return { do: 'pre', call, to };
      if (type === 'bye' && (mine?.state === 'ringing' || mine?.state === 'queued')) return { do: 'cancel', call: mine.id, reason: 'hang-up' };
      if (sender.v === 1) return type === 'offer' ? { do: 'v1' } : { do: 'v1-relay' };
      return { do: 'refuse', refusal: refusals.notInCall(type) };
  }
}

/**
 * Preconnect (docs/protocol.md, "Preconnect while ringing"): may `from` send an offer, answer or
 * candidate of call `call` (record `rec`) to `to` before the call binds? Only while it rings,
 * only between its caller and one of the first PRECONNECT_DESKS members it still rings (either
 * way), and never to a member bound in a call (`target`: how the relay sees `to` now; undefined
 * when it is not in the room). The sender's own state was checked by route(): it is not bound.
 * Once the call binds or stops ringing, nothing passes here (a bound pair uses route()'s `peer`).
 */
export function preBind(rec: CallRecord | undefined, call: string, from: string, target: MemberView | undefined): boolean {
  if (rec?.state !== 'ringing' || rec.id !== call || !target) return false;
  const desks = rec.rung.slice(0, PRECONNECT_DESKS);
  if (rec.caller === from) return desks.includes(target.id) && target.call?.state !== 'bound';
  return rec.caller === target.id && desks.includes(from) && target.call?.id === call && target.call.state === 'ringing';
}

const toPeer = (peer: string, to: string | undefined, unbind: boolean): Route =>
  to !== undefined && to !== peer ? { do: 'refuse', refusal: refusals.notYourPeer(to) } : { do: 'peer', peer, unbind };

/** Idle: in no call and ringing out nothing. */
const idle = (m: MemberView): boolean => m.call === undefined;

/**
 * Who a call request from `sender` rings: the room's other idle members that take calls, or
 * with `to` that one member. Nobody: `busy` when some member takes calls but all of them are in
 * calls, else `unavailable`.
 */
export function ringTargets(sender: MemberView, members: readonly MemberView[], room: string, to?: string): string[] | Refusal {
  if (to !== undefined) {
    const t = members.find((m) => m.id === to);
    if (!t) return refusals.notInRoom(to, room);
    if (!t.incoming || t.away) return refusals.unavailablePeer(to);
    if (!idle(t)) return refusals.busyPeer(to);
    return [to];
  }
  // Away desks are neither rung nor counted: with every desk away the caller hears `unavailable`.
  const others = members.filter((m) => m.id !== sender.id && m.incoming && !m.away);
  const targets = others.filter(idle).map((m) => m.id);
  if (targets.length) return targets;
  return others.length ? refusals.busyRoom(room) : refusals.unavailableRoom(room);
}

/**
 * Where a v1 socket's offer, answer, candidate or bye goes while it is in no bound call: to the
 * room's other v1 members that are not bound either, as protocol 1 always did. Never to a bound
 * member, never to a v2 member (they hear call signaling only from their bound peer). `to` must
 * name such a member. An empty list with nobody refused: nobody else is in the room.
 */
export function v1Targets(sender: MemberView, members: readonly MemberView[], type: string, room: string, to?: string): string[] | Refusal {
  const open = (m: MemberView): boolean => m.v === 1 && m.call?.state !== 'bound';
  if (to !== undefined) {
    const t = members.find((m) => m.id === to);
    if (!t) return refusals.notInRoom(to, room);
    return open(t) ? [to] : refusals.peerInCall(to);
  }
  const others = members.filter((m) => m.id !== sender.id);
  const targets = others.filter(open).map((m) => m.id);
  return targets.length || !others.length ? targets : refusals.nobodyOutsideCalls(type);
}

// ---- call records: what the call registry keeps, and every way one changes ----

/** An open call request. */
export interface RingingCall {
  state: 'ringing';
  id: string;
  room: string;
  /** The caller's socket id (a re-sent request from a new socket of the same caller takes it over). */
  caller: string;
  callerV: Version;
  kind: CallKind;
  name: string;
  /** It rang the one member named by `to`: members who join later are not rung. */
  direct: boolean;
  /** Members it rings (not the ones that declined). */
  rung: string[];
  declined: string[];
  /** When it opened (ms): it expires RING_EXPIRY_MS later. */
  opened: number;
}

/** A call bound to two sockets (the caller's first, as bound). */
export interface BoundCall {
  state: 'bound';
  id: string;
  room: string;
  sides: [string, string];
  /**
   * Each side's key epoch (rejoin-keys.ts): its key is the HMAC for this epoch. -1: not known
   * yet (a record rebuilt after a restart: the first valid key of that side sets it).
   */
  epochs: [number, number];
  /** The socket each side's current key was handed to: a side bound to another socket gets a new key (rekey). */
  keyed: [string, string];
  /** Members the request rang: one of them accepting now hears `answered-elsewhere`, anyone else `call-ended`. */
  rang: string[];
  /** Sides known to have left ('' is a side nobody has taken yet: a rejoin after a relay restart). */
  gone: string[];
  /** A socket that presented a side's key while that side still looked connected: it takes the side's place when it leaves. */
  pending?: { id: string; side: Side; until: number };
}

/**
 * A call request waiting in its room's line (every member who takes calls was busy): the line
 * is the room's queued records, oldest `queuedAt` first (queue-rules.ts decides who moves).
 */
export interface QueuedCall {
  state: 'queued';
  id: string;
  room: string;
  caller: string;
  callerV: Version;
  kind: CallKind;
  name: string;
  /** When it joined the line (ms): its place. A re-sent request from the caller's new socket keeps it. */
  queuedAt: number;
  /** When it leaves the line unanswered (QUEUE_WAIT after queuedAt). */
  until: number;
}

export type CallRecord = RingingCall | BoundCall | QueuedCall;

/** One atomic change of a call's record: the new record (undefined: deleted; the same object: unchanged) and what happened. */
export interface Step<R> {
  next: CallRecord | undefined;
  out: R;
}
export type StepFn<R> = (rec: CallRecord | undefined, now: number) => Step<R>;

const keep = <R>(rec: CallRecord | undefined, out: R): Step<R> => ({ next: rec, out });
const without = (list: readonly string[], id: string): string[] => list.filter((x) => x !== id);

/** How long the registry keeps a record after this write. */
export function recordTtl(rec: CallRecord, now: number): number {
  if (rec.state === 'ringing') return Math.max(1000, rec.opened + RING_EXPIRY_MS - now) + 5000;
  if (rec.state === 'queued') return Math.max(1000, rec.until - now) + 5000;
  const waiting = rec.pending !== undefined || rec.sides.some((s) => s === '' || rec.gone.includes(s));
  return waiting ? REJOIN_MS * 2 : BOUND_TTL_MS;
}

/** A call request before it is a record: the request's own fields and whom it is to ring. */
export type RequestDraft = Pick<RingingCall, 'id' | 'room' | 'caller' | 'callerV' | 'kind' | 'name' | 'direct'> & { targets: string[] };

export type OpenOut = { result: 'opened' | 'reopened'; rec: RingingCall; ring: string[] } | { result: 'taken' };

/**
 * Opens a call request, or re-rings it when it is already open and its caller is this socket or
 * has gone (the caller's link came back on a new socket): members that declined it are not rung again.
 */
export const openStep =
  (d: RequestDraft, present: (id: string) => boolean): StepFn<OpenOut> =>
  (rec, now) => {
    if (!rec) {
      const next: RingingCall = { state: 'ringing', id: d.id, room: d.room, caller: d.caller, callerV: d.callerV, kind: d.kind, name: d.name, direct: d.direct, rung: d.targets, declined: [], opened: now };
      return { next, out: { result: 'opened', rec: next, ring: d.targets } };
    }
    if (rec.state !== 'ringing' || (rec.caller !== d.caller && present(rec.caller))) return keep(rec, { result: 'taken' });
    const ring = d.targets.filter((t) => !rec.declined.includes(t));
    const next: RingingCall = { ...rec, caller: d.caller, callerV: d.callerV, kind: d.kind, name: d.name, direct: d.direct, rung: [...new Set([...rec.rung, ...ring])] };
    return { next, out: { result: 'reopened', rec: next, ring } };
  };

export type ClaimOut = { result: 'won'; rec: BoundCall; ringing: RingingCall | null } | { result: 'orphan'; rec: RingingCall } | { result: 'lost' | 'gone' };

/**
 * The first accept binds the call; the relay decides it in one atomic step, so of two accepts
 * racing (on one node or on two) exactly one wins and the other hears `answered-elsewhere`.
 * `ringing` is the request as it was (for telling the other rung members), null on a repeat.
 */
export const claimStep =
  (acceptor: string, present: (id: string) => boolean): StepFn<ClaimOut> =>
  (rec) => {
    if (!rec || rec.state === 'queued') return keep(rec, { result: 'gone' });
    // A caller whose socket went without withdrawing (its node died): nobody is left to answer.
    if (rec.state === 'ringing' && !present(rec.caller)) return { next: undefined, out: { result: 'orphan', rec } };
    if (rec.state === 'bound') {
      if (rec.sides.includes(acceptor)) return keep(rec, { result: 'won', rec, ringing: null });
      return keep(rec, { result: rec.rang.includes(acceptor) ? 'lost' : 'gone' });
    }
    if (!rec.rung.includes(acceptor)) return keep(rec, { result: 'gone' });
    const next: BoundCall = { state: 'bound', id: rec.id, room: rec.room, sides: [rec.caller, acceptor], epochs: [0, 0], keyed: [rec.caller, acceptor], rang: rec.rung, gone: [] };
    return { next, out: { result: 'won', rec: next, ringing: rec } };
  };

export type DeclineOut = { result: 'declined'; rec: RingingCall; closed: boolean } | { result: 'gone' };

/** A rung member declines: the caller hears it; when nobody is left ringing, the request closes. */
export const declineStep =
  (who: string): StepFn<DeclineOut> =>
  (rec) => {
    if (!rec || rec.state !== 'ringing' || !rec.rung.includes(who)) return keep(rec, { result: 'gone' });
    const next: RingingCall = { ...rec, rung: without(rec.rung, who), declined: [...rec.declined, who] };
    const closed = next.rung.length === 0;
    return { next: closed ? undefined : next, out: { result: 'declined', rec: next, closed } };
  };

export type CancelOut = { result: 'cancelled'; rec: RingingCall } | { result: 'bound'; rec: BoundCall } | { result: 'gone' };

/**
 * The caller withdraws its request (cancel, bye, or it left). An accept that won the race first
 * leaves the call bound: the caller's cancel then hangs that call up (`bound`).
 */
export const cancelStep =
  (caller: string): StepFn<CancelOut> =>
  (rec) => {
    if (rec?.state === 'ringing' && rec.caller === caller) return { next: undefined, out: { result: 'cancelled', rec } };
    if (rec?.state === 'bound' && rec.sides.includes(caller)) return keep(rec, { result: 'bound', rec });
    return keep(rec, { result: 'gone' });
  };

/** The relay's own timeout: the request opened at `opened` closes if it still rings. */
export const expireStep =
  (opened: number): StepFn<RingingCall | null> =>
  (rec) =>
    rec?.state === 'ringing' && rec.opened === opened ? { next: undefined, out: rec } : keep(rec, null);

/** A member joined the room while a request rings there: it rings too (not for a request made to one member). */
export const ringAlsoStep =
  (member: string): StepFn<RingingCall | null> =>
  (rec) => {
    if (rec?.state !== 'ringing' || rec.direct || rec.caller === member || rec.rung.includes(member) || rec.declined.includes(member)) return keep(rec, null);
    const next: RingingCall = { ...rec, rung: [...rec.rung, member] };
    return { next, out: next };
  };

/** A bound call ends (bye, or a side gave up waiting for the other): the record goes. */
export const unbindStep =
  (side: string): StepFn<BoundCall | null> =>
  (rec) =>
    rec?.state === 'bound' && rec.sides.includes(side) ? { next: undefined, out: rec } : keep(rec, null);

export type LeaveOut = { result: 'swapped'; rec: BoundCall; by: string; other: string } | { result: 'gone'; other: string } | { result: 'none' };

/** A record from before key epochs (a node of an older version wrote it): its sides' epochs are unknown. */
const epochsOf = (rec: BoundCall): [number, number] => rec.epochs ?? [-1, -1];

/**
 * Every side bound to another socket than the one its key was handed to gets a new key (its
 * epoch moves on): the key that socket presented is spent. Done when a binding is complete
 * (both sides there), so a side still waiting for its peer can present the same key again.
 */
export function rekey(rec: BoundCall): BoundCall {
  const epochs = [...epochsOf(rec)] as [number, number];
  const keyed = [...(rec.keyed ?? ['', ''])] as [string, string];
  for (const i of [0, 1] as const) {
    if (rec.sides[i] === '' || keyed[i] === rec.sides[i]) continue;
    epochs[i] = Math.max(epochs[i], 0) + 1;
    keyed[i] = rec.sides[i];
  }
  return { ...rec, epochs, keyed };
}

/** Whether a key that opens `claim` (its MAC checked) is a current key of this bound call: an older epoch is spent. */
export const keyOpens = (rec: CallRecord, claim: KeyClaim): boolean => {
  if (rec.state !== 'bound') return false;
  const e = epochsOf(rec)[claim.side];
  return e === -1 || e === claim.epoch;
};

/**
 * A bound side's socket went. A socket that presented that side's key while it looked
 * connected takes its place now (both get new keys); otherwise the side is marked gone, and
 * the other side waits REJOIN_MS for it to come back (`other`: who waits).
 */
export const leaveStep =
  (who: string): StepFn<LeaveOut> =>
  (rec, now) => {
    if (rec?.state !== 'bound') return keep(rec, { result: 'none' });
    if (rec.pending?.id === who) {
      const { pending: _, ...rest } = rec;
      return { next: rest, out: { result: 'none' } };
    }
    const i = rec.sides.indexOf(who);
    if (i < 0) return keep(rec, { result: 'none' });
    const other = rec.sides[1 - i]!;
    if (rec.pending && rec.pending.side === i && rec.pending.until > now) {
      const sides: [string, string] = [...rec.sides];
      sides[i] = rec.pending.id;
      const { pending, ...rest } = rec;
      const next = rekey({ ...rest, sides });
      return { next, out: { result: 'swapped', rec: next, by: pending.id, other } };
    }
    return { next: { ...rec, gone: [...new Set([...rec.gone, who])] }, out: { result: 'gone', other } };
  };

export type RejoinOut =
  /** Bound again with `peer` (present now): both hear `bound`, with their new keys. */
  | { result: 'bound'; rec: BoundCall; peer: string }
  /** In the call, but the other side has not come back yet ('' = nobody known). */
  | { result: 'waiting'; rec: BoundCall; peer: string }
  /** Its side still looks connected: it takes that side's place when it leaves. */
  | { result: 'pending' }
  /** A spent key, or a call that rings: an ordinary member. */
  | { result: 'no' };

/**
 * A socket presents `call` + a key whose MAC checked out for `claim` (its side and epoch) at its
 * handshake. A bound call where that is the side's current key: it takes that side's place if
 * the side has gone. No record (the relay restarted and knew nothing): the key proves the call
 * was bound here; the first side back waits REJOIN_MS, the other side's key binds them.
 */
export const rejoinStep =
  (me: string, id: string, claim: KeyClaim, room: string, present: (id: string) => boolean): StepFn<RejoinOut> =>
  (rec, now) => {
    const side = claim.side;
    const other = (1 - side) as Side;
    if (!rec) {
      const sides: [string, string] = side === 0 ? [me, ''] : ['', me];
      const epochs: [number, number] = side === 0 ? [claim.epoch, -1] : [-1, claim.epoch];
      const next: BoundCall = { state: 'bound', id, room, sides, epochs, keyed: ['', ''], rang: [], gone: [''] };
      return { next, out: { result: 'waiting', rec: next, peer: '' } };
    }
    if (rec.state !== 'bound' || !keyOpens(rec, claim)) return keep(rec, { result: 'no' });
    const epochs = [...epochsOf(rec)] as [number, number];
    epochs[side] = claim.epoch;
    const away = (s: string): boolean => s === '' || rec.gone.includes(s) || !present(s);
    const holder = rec.sides[side];
    if (holder === me) {
      const peer = rec.sides[other];
      return keep(rec, away(peer) ? { result: 'waiting', rec, peer } : { result: 'bound', rec, peer });
    }
    if (!away(holder)) return { next: { ...rec, epochs, pending: { id: me, side, until: now + REJOIN_MS } }, out: { result: 'pending' } };
    const sides: [string, string] = [...rec.sides];
    sides[side] = me;
    const peer = sides[other];
    const placed: BoundCall = { ...rec, sides, epochs, keyed: rec.keyed ?? ['', ''], gone: without(rec.gone, holder) };
    if (away(peer)) return { next: placed, out: { result: 'waiting', rec: placed, peer } };
    const next = rekey(placed);
    return { next, out: { result: 'bound', rec: next, peer } };
  };

/**
 * A side stops waiting for the other (REJOIN_MS passed): its call ends; a socket that only
 * waited to take a side's place (pending) just stops waiting.
 */
export const giveUpStep =
  (me: string): StepFn<boolean> =>
  (rec) => {
    if (rec?.state !== 'bound') return keep(rec, false);
    if (rec.pending?.id === me) {
      const { pending: _, ...rest } = rec;
      return { next: rest, out: true };
    }
    return rec.sides.includes(me) ? { next: undefined, out: true } : keep(rec, false);
  };

/** Other members of a call request that was answered: they hear `cancel` `answered`. */
export const othersRung = (ringing: RingingCall, acceptor: string): string[] => without(ringing.rung, acceptor);
