/**
 * Call requests (docs/protocol.md, "Version 2: calls that ring"): a request rings the room's
 * free desks (or waits in the line, line.ts), the relay closes it unanswered after
 * RING_EXPIRY_MS, and its caller withdraws it (cancel, bye, or it left). Steps of the call
 * service over its port (context.ts); what is decided is decided by rules.ts.
 */
import { randomBytes } from 'node:crypto';
import type { CancelReason, MissedPayload, SignalMessage } from '../../src/protocol/index.js';
import type { CallContext } from './context.js';
import { viewOf, type CallMember } from './port.js';
import { deskInCall, lineDecision } from './queue-rules.js';
import { cancelStep, expireStep, errorPayload, openStep, refusals, ringTargets, unbindStep, type MemberView, type RingingCall } from './rules.js';

/** 24 URL-safe random characters: call ids the relay makes for v1 callers. */
const token = (): string => randomBytes(18).toString('base64url');

export const missedOf = (rec: RingingCall): MissedPayload => ({ call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller });

export async function request(c: CallContext, s: CallMember, m: SignalMessage, callId: string | undefined): Promise<void> {
  const { room, v, name } = s.data;
  const id = callId ?? `v1-${token()}`;
  const kind = m.kind ?? 'video';
  const members = await c.members(room);
  const me = members.find((x) => x.id === s.id) ?? viewOf(s);
  const targets = ringTargets(me, members, room, m.to);
  /** Nobody free to ring (or no room in the line): refused; away desks hear of it, and for the site's backend it is a missed call. */
  const nobodyFree = (r: Exclude<typeof targets, unknown[]>) => {
    if (r.code === 'unavailable') tellAway(c, room, { call: id, kind, name, from: s.id }, m.to === undefined ? members : members.filter((x) => x.id === m.to));
    if (r.code === 'unavailable' || r.code === 'busy')
      c.events.missed({ state: 'ringing', id, room, caller: s.id, callerV: v, kind, name, direct: m.to !== undefined, rung: [], declined: [], opened: Date.now() }, r.code, c.who(s));
    return c.refuseWith(s, r, 'ready', callId);
  };
  if (m.queue && v === 2 && callId) {
    // It may wait in line: not ahead of those already there, and only while there is room.
    const line = await c.registry.queuedIn(room);
    const waiting = line.filter((q) => q.id !== id);
    // The same request again (its caller's link came back on a new socket): it keeps its place.
    const again = waiting.length < line.length;
    const d = again ? 'queue' : lineDecision(targets, waiting.length, true, m.to !== undefined, c.line.opts, room, deskInCall(s.id, members));
    if (d === 'queue') {
      // Waiting is a call request too: it spends the same budget (its ring, later, rings no one new on its own).
      const limited = again ? null : c.opts.rings?.request(s, 0, Date.now());
      if (limited) return c.refuseWith(s, { code: 'rate-limited', message: limited }, 'ready', callId);
      return c.line.enter(s, { id, room, caller: s.id, callerV: v, kind, name });
    }
    if (d !== 'ring') return nobodyFree(d);
  }
  if (!Array.isArray(targets)) return nobodyFree(targets);
  const limited = c.opts.rings?.request(s, targets.length, Date.now());
  if (limited) return c.refuseWith(s, { code: 'rate-limited', message: limited }, 'ready', callId);
  const present = new Set(members.map((x) => x.id));
  const out = await c.registry.update(room, id, openStep({ id, room, caller: s.id, callerV: v, kind, name, direct: m.to !== undefined, targets }, (x) => present.has(x)));
  if (out.result === 'taken') return c.refuseWith(s, refusals.callTaken(id), 'ready', callId);
  if (!s.connected) {
    // It left while the request was being opened; its disconnect found nothing to withdraw.
    await c.registry.update(room, id, cancelStep(s.id));
    return cancelRinging(c, out.rec, out.rec.rung, 'hang-up');
  }
  s.data.call = { id, state: 'ringing' };
  if (out.result === 'opened') {
    c.stats.calls.requested++;
    c.events.requested(out.rec, c.who(s));
  }
  c.stats.relayed.ready++;
  armExpiry(c, out.rec);
  c.emit(out.ring, 'message', { type: 'ready', call: id, kind, name, from: s.id, clientId: s.id });
  c.emit(s.id, 'ringing', { call: id, count: out.rec.rung.length + out.rec.declined.length });
  if (s.data.incoming) c.presenceChanged(room);
}

/** The head of a line rings the free members now (line.ts): as a request just made, to its caller wherever it is. */
export function ringFromLine(c: CallContext, rec: RingingCall): void {
  c.setCall(rec.caller, rec.id, { id: rec.id, state: 'ringing' });
  c.stats.calls.requested++;
  // call.requested now that it rings (call.queued told the backend who placed it).
  c.events.requested(rec);
  armExpiry(c, rec);
  c.emit(rec.rung, 'message', { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller, clientId: rec.caller });
  c.emit(rec.caller, 'ringing', { call: rec.id, count: rec.rung.length });
}

function armExpiry(c: CallContext, rec: RingingCall): void {
  const k = `${rec.room}\n${rec.id}`;
  if (c.expiries.has(k) || c.closed) return;
  const t = setTimeout(() => {
    c.expiries.delete(k);
    c.track(
      c.serial(rec.room, async () => {
        const open = await c.registry.update(rec.room, rec.id, expireStep(rec.opened));
        if (!open) return;
        c.stats.calls.missed++;
        c.events.missed(open, 'no-answer');
        tellAway(c, open.room, missedOf(open));
        cancelRinging(c, open, open.rung, 'no-answer');
        c.line.pump(rec.room);
        c.setCall(open.caller, open.id, null);
        c.errorTo(open.caller, errorPayload(refusals.expired(open.id), 'ready', open.id));
      }),
    );
  }, Math.max(0, rec.opened + c.ringExpiryMs - Date.now()));
  t.unref();
  c.expiries.set(k, t);
}

export function disarmExpiry(c: CallContext, room: string, id: string): void {
  const k = `${room}\n${id}`;
  clearTimeout(c.expiries.get(k));
  c.expiries.delete(k);
}

/** `cancel` to the members a request rang, from its caller. */
export function cancelRinging(c: CallContext, rec: RingingCall, to: readonly string[], reason: CancelReason): void {
  if (to.length) c.emit(to, 'message', { type: 'cancel', call: rec.id, reason, from: rec.caller, clientId: rec.caller });
}

/**
 * The caller withdraws (cancel, bye, or it left): everyone still rung hears `cancel`. An accept
 * that won the race first made it a bound call: the withdrawal hangs that call up. `quiet`:
 * not an explicit cancel, so nothing is refused.
 */
export async function withdraw(c: CallContext, s: CallMember, id: string, reason: CancelReason, quiet: boolean): Promise<void> {
  const { room } = s.data;
  const mine = s.data.call;
  const waited = mine?.state === 'queued' && mine.id === id ? await c.line.leave(s, id) : null;
  if (waited) {
    c.stats.calls.cancelled++;
    // It gave up waiting in line (cancel, or it left): a missed call, as one that gave up while it rang.
    c.events.missed(waited, 'caller-cancelled');
    return;
  }
  const out = await c.registry.update(room, id, cancelStep(s.id));
  if (out.result === 'gone') {
    if (s.data.call?.id === id && s.data.call.state !== 'bound') c.setCall(s.id, id, null);
    if (!quiet) c.refuseWith(s, refusals.callEnded(id), 'cancel', id);
    return;
  }
  if (out.result === 'bound') {
    const peer = out.rec.sides.find((x) => x !== s.id) ?? '';
    c.emit(peer, 'message', { type: 'bye', call: id, from: s.id, clientId: s.id });
    c.stats.relayed.bye++;
    c.setCall(s.id, id, null);
    c.setCall(peer, id, null);
    c.events.ended(room, id, s.id, 'hang-up');
    await c.registry.update(room, id, unbindStep(s.id));
    return;
  }
  disarmExpiry(c, room, id);
  c.stats.calls[reason === 'no-answer' ? 'missed' : 'cancelled']++;
  c.events.missed(out.rec, reason === 'no-answer' ? 'no-answer' : 'caller-cancelled');
  tellAway(c, room, missedOf(out.rec));
  c.stats.relayed.cancel++;
  cancelRinging(c, out.rec, out.rec.rung, reason);
  c.setCall(s.id, id, null);
  // The members it rang are free for the line again.
  c.line.pump(room);
}

/** The room's away desks hear of a request that closed unanswered (they were not rung for it). */
export function tellAway(c: CallContext, room: string, p: MissedPayload, members?: MemberView[]): void {
  const tell = (list: MemberView[]): void => {
    const away = list.filter((x) => x.away && x.incoming && x.id !== p.from).map((x) => x.id);
    if (away.length) c.emit(away, 'missed', p);
  };
  if (members) return tell(members);
  c.members(room).then(tell, (err: unknown) => c.log.warn({ err, room }, 'away desks not told of a missed call'));
}
