/** Call records (what the call registry keeps) and every way one changes: each step a pure function of the record and
 *  the time, applied atomically by the registry, so two nodes changing one call cannot both win. Part of rules.ts. */
import type { CallKind } from '../../src/protocol/index.js';
import type { KeyClaim, Side } from '../tokens/rejoin-keys.js';
import type { Version } from './members.js';

/** An open call request closes on the relay after this long unanswered (the widget's own ring timeout is 45 s). */
export const RING_EXPIRY_MS = 120_000;
/** How long a call whose side left stays bound, waiting for that side to rejoin on a new socket (call + key). */
export const REJOIN_MS = 30_000;
/** How long a bound call's record lives at most (a call longer than this cannot be rejoined). */
export const BOUND_TTL_MS = 24 * 3600_000;

/** What a call request holds whether it rings or waits in line (a request moves from one to the other). */
interface CallRequest {
  id: string;
  room: string;
  /** The caller's socket id (a re-sent request from a new socket of the same caller takes it over). */
  caller: string;
  callerV: Version;
  kind: CallKind;
  name: string;
}

/** An open call request. */
export interface RingingCall extends CallRequest {
  state: 'ringing';
  /** It rang the one member named by `to`: members who join later are not rung. */
  direct: boolean;
  /** Members it rings (not the ones that declined); named so in the Redis records that nodes of a rolling restart share. */
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
export interface QueuedCall extends CallRequest {
  state: 'queued';
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
export const othersRinging = (ringing: RingingCall, acceptor: string): string[] => without(ringing.rung, acceptor);
