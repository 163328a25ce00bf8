/**
 * Routing as pure rules: what to do with a validated message from its sender's state alone
 * (route()), whom a call request rings (ringTargets), where a v1 message outside calls goes
 * (v1Targets), what may pass before a call binds (preBind), and the wording of every call
 * refusal. Part of the call rules (rules.ts); the rules in words: docs/protocol.md.
 */
import { PRECONNECT_DESKS, type CancelReason, type ErrorCode, type ErrorPayload, type SignalMessage } from '../../src/protocol/index.js';
import { mayAnswer, mayCall, type MemberView, type Role, type SocketCall, type Version } from './members.js';
import { RING_EXPIRY_MS, type CallRecord } from './records.js';

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

