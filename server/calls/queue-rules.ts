/**
 * The room's line as pure rules (issue 22): a call request that finds every member who takes
 * calls busy waits in line, first come first served, instead of ending `busy`; when a member is
 * free again, the head of the line rings the free members. Records and steps as in
 * records.ts (a QueuedCall is one more CallRecord), so the call service (service.ts, line.ts),
 * in memory or over Redis, and the widget tests' FakeRelay (test/core/fakes.ts) decide alike.
 * The rules in words: docs/protocol.md, "The line".
 */
import type { QueuedPayload } from '../../src/protocol/index.js';
import { refusals, type MemberView, type QueuedCall, type Refusal, type RingingCall, type StepFn } from './rules.js';

/** QUEUE_MAX: callers a room's line holds by default; the next one is refused `busy`. */
export const QUEUE_MAX = 20;
/** QUEUE_WAIT: how long a caller waits in line by default (ms); then its request closes (`call-ended`; the widget ends `no-answer`). */
export const QUEUE_WAIT_MS = 300_000;

export interface LineOptions {
  /** Callers a line holds (0: no line, every request finds `busy` as before). */
  max: number;
  /** How long one waits in it (ms). */
  waitMs: number;
}

/**
 * What becomes of a call request, given whom it would ring now (`targets`, from ringTargets)
 * and how many other requests wait in the room's line:
 * - `ring`: nobody waits ahead of it and someone is free;
 * - `queue`: it asked to (`queue: true`), made to the room (no `to`), and everyone is busy with
 *   at least one of them in a call (`inCall`: a call ends and frees a desk; members that are
 *   only ringing out are two callers at once, whose requests must meet, not wait), or others
 *   already wait (first come, first served: it does not overtake them);
 * - a refusal: as before (a line that is full is `busy` too).
 */
export function lineDecision(targets: string[] | Refusal, waiting: number, wantsLine: boolean, direct: boolean, line: LineOptions, room: string, inCall: boolean): 'ring' | 'queue' | Refusal {
  const free = Array.isArray(targets);
  if (!wantsLine || direct || line.max < 1) return free ? 'ring' : targets;
  if (free && waiting === 0) return 'ring';
  if (!free && (targets.code !== 'busy' || (!inCall && waiting === 0))) return targets;
  return waiting >= line.max ? refusals.lineFull(room, line.max) : 'queue';
}

/** A call request before it is a queued record. */
export type LineDraft = Pick<QueuedCall, 'id' | 'room' | 'caller' | 'callerV' | 'kind' | 'name'>;

export type EnqueueOut = { result: 'queued' | 'requeued'; rec: QueuedCall } | { result: 'taken' };

/**
 * Puts a request in line, or (the same call already waiting, its caller this socket or gone: a
 * re-sent request after the caller's link came back) keeps its place under the new socket.
 */
export const enqueueStep =
  (d: LineDraft, waitMs: number, present: (id: string) => boolean): StepFn<EnqueueOut> =>
  (rec, now) => {
    if (!rec) {
      const next: QueuedCall = { state: 'queued', ...d, queuedAt: now, until: now + waitMs };
      return { next, out: { result: 'queued', rec: next } };
    }
    if (rec.state !== 'queued' || (rec.caller !== d.caller && present(rec.caller))) return { next: rec, out: { result: 'taken' } };
    const next: QueuedCall = { ...rec, caller: d.caller, callerV: d.callerV, kind: d.kind, name: d.name };
    return { next, out: { result: 'requeued', rec: next } };
  };

/** The caller leaves the line (cancel, bye, it left): its record goes. `gone`: it was not waiting (rung meanwhile, or unknown). */
export const leaveLineStep =
  (caller: string): StepFn<QueuedCall | null> =>
  (rec) =>
    rec?.state === 'queued' && rec.caller === caller ? { next: undefined, out: rec } : { next: rec, out: null };

/**
 * QUEUE_WAIT passed (the caller's node timed it): the request leaves the line if that same wait
 * (`queuedAt`) still goes on. Not checked against the clock: a timer may fire a millisecond
 * before Date.now() reaches `until`, and nothing would retry it.
 */
export const lineExpireStep =
  (queuedAt: number): StepFn<QueuedCall | null> =>
  (rec) =>
    rec?.state === 'queued' && rec.queuedAt === queuedAt ? { next: undefined, out: rec } : { next: rec, out: null };

export type DequeueOut = { result: 'ringing'; rec: RingingCall; waited: QueuedCall } | { result: 'orphan'; rec: QueuedCall } | { result: 'gone' };

/**
 * The head of the line rings `targets` (the free members): its record becomes an open call
 * request, as if just made. One atomic step, so of two nodes moving the line at once exactly
 * one rings it; the other finds it ringing (`gone`). A caller no longer present (its node died
 * without withdrawing it) is dropped instead (`orphan`).
 */
export const dequeueStep =
  (targets: readonly string[], present: (id: string) => boolean): StepFn<DequeueOut> =>
  (rec, now) => {
    if (rec?.state !== 'queued') return { next: rec, out: { result: 'gone' } };
    if (!present(rec.caller)) return { next: undefined, out: { result: 'orphan', rec } };
    const next: RingingCall = { state: 'ringing', id: rec.id, room: rec.room, caller: rec.caller, callerV: rec.callerV, kind: rec.kind, name: rec.name, direct: false, rung: [...targets], declined: [], opened: now };
    return { next, out: { result: 'ringing', rec: next, waited: rec } };
  };

/** Whether some member other than `me` who takes calls is in a bound call (lineDecision's `inCall`). */
export const deskInCall = (me: string, members: readonly MemberView[]): boolean => members.some((m) => m.id !== me && m.incoming && m.call?.state === 'bound');

/** The line in order: first come (queuedAt), first served; ties by call id, the same on every node. */
export const lineOrder = (a: QueuedCall, b: QueuedCall): number => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export type NextInLine = { ring: QueuedCall; targets: string[] } | { drop: QueuedCall } | null;

/**
 * Who moves now: the members who take calls and are free (idle, and rung by no open request:
 * one that rings already is spoken for) are rung with the head of the line. A head whose caller
 * is not in the room is dropped first. Nothing free, or nobody waiting: null.
 */
export function nextInLine(members: readonly MemberView[], ringing: readonly RingingCall[], line: readonly QueuedCall[]): NextInLine {
  const head = line[0];
  if (!head) return null;
  if (!members.some((m) => m.id === head.caller)) return { drop: head };
  const spokenFor = new Set(ringing.flatMap((r) => r.rung));
  const targets = members.filter((m) => m.incoming && m.call === undefined && m.id !== head.caller && !spokenFor.has(m.id)).map((m) => m.id);
  return targets.length ? { ring: head, targets } : null;
}

/** Each waiting call's place, 1 at the head: what `queued` tells its caller. */
export const positions = (line: readonly QueuedCall[]): QueuedPayload[] => [...line].sort(lineOrder).map((q, i) => ({ call: q.id, position: i + 1 }));
