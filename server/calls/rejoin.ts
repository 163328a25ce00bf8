/**
 * Joining and leaving (docs/protocol.md, "Rejoining a call"): a member that presents a call
 * and its key takes its side's place in that call, a newcomer (or a desk back from away) is
 * rung by what rings in its room, and a member that leaves withdraws its request or leaves its
 * bound peer waiting REJOIN_MS for it to come back. Steps of the call service over its port
 * (context.ts); rules in rules.ts.
 */
import type { BoundPayload, PresencePayload } from '../../src/protocol/index.js';
import type { CallContext } from './context.js';
import type { CallMember } from './port.js';
import { withdraw } from './requests.js';
import { giveUpStep, leaveStep, presenceOf, rejoinStep, ringAlsoStep, type BoundCall } from './rules.js';

/** What a join found: the room's presence, and the call it is bound into again (a rejoin whose peer is there). */
export interface Joined {
  presence: PresencePayload;
  bound?: BoundPayload;
  rebound?: BoundCall;
}

/**
 * Before `client-id`: a member that presents a call and its key takes its place in that call
 * (see rejoinStep). Returns what client-id carries.
 */
export async function joined(c: CallContext, s: CallMember): Promise<Joined> {
  const { room } = s.data;
  const rejoin = s.data.rejoin;
  delete s.data.rejoin;
  let bound: BoundPayload | undefined;
  let rebound: BoundCall | undefined;
  // A key this relay did not mint (or for another room or call) rejoins nothing.
  const claim = rejoin && c.opts.keys.read(room, rejoin.call, rejoin.key);
  let spent = !!rejoin && !claim;
  if (rejoin && claim) {
    const rejoined = c.serial(room, async () => {
      const present = new Set((await c.members(room)).map((x) => x.id));
      const out = await c.registry.update(room, rejoin.call, rejoinStep(s.id, rejoin.call, claim, room, (x) => present.has(x)));
      if (out.result === 'no') return void (spent = true);
      if (out.result !== 'pending') c.events.rebound(out.rec);
      if (out.result === 'pending') {
        s.data.call = { id: rejoin.call, state: 'bound', peer: '' };
        return waitForPeer(c, s, rejoin.call, '');
      }
      s.data.call = { id: rejoin.call, state: 'bound', peer: out.peer };
      if (out.result === 'waiting') return waitForPeer(c, s, rejoin.call, out.peer);
      c.setCall(out.peer, rejoin.call, { id: rejoin.call, state: 'bound', peer: s.id });
      bound = { call: rejoin.call, peer: out.peer, key: c.keyOf(out.rec, s.id) };
      rebound = out.rec;
    });
    // The registry unreachable (Redis down): it joins as an ordinary member rather than not at all.
    await rejoined.catch((err: unknown) => c.log.warn({ err, room, call: rejoin.call }, 'rejoin failed; joined as an idle member'));
  }
  if (spent && s.data.role === 'rejoin') {
    // Admitted on an expired token only to rejoin this call (handshake.ts), which it cannot (the key was spent meanwhile).
    c.refuse(s, { code: 'unauthorized', message: `token refused: it has expired, and call ${rejoin!.call} cannot be rejoined with this key` });
    c.port.disconnect(s.id);
  }
  const presence = presenceOf(await c.members(room).catch(() => c.port.localMembers(room)));
  return bound ? { presence, bound, rebound } : { presence };
}

/** After `client-id`: the peer of a rejoin hears `bound`; a newcomer that takes calls is rung by the requests ringing in its room. */
export function afterJoin(c: CallContext, s: CallMember, res: Joined): Promise<void> {
  const { room } = s.data;
  if (res.bound && res.rebound) {
    c.emit(s.id, 'bound', res.bound);
    c.emit(res.bound.peer, 'bound', { call: res.bound.call, peer: s.id, key: c.keyOf(res.rebound, res.bound.peer) });
  }
  if (s.data.incoming) c.presenceChanged(room);
  return ringOpen(c, s);
}

/** A desk that takes calls and is free (a newcomer, or back from away) is rung by the requests ringing in its room. */
export function ringOpen(c: CallContext, s: CallMember): Promise<void> {
  const { room } = s.data;
  if (!s.data.incoming || s.data.call || s.data.away) return Promise.resolve();
  const ringing = c.serial(room, async () => {
    for (const r of await c.registry.ringingIn(room)) {
      if (r.direct || r.caller === s.id) continue;
      if (s.data.call || s.data.away || !s.connected) return;
      const rec = await c.registry.update(room, r.id, ringAlsoStep(s.id));
      if (!rec) continue;
      c.emit(s.id, 'message', { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller, clientId: rec.caller });
      c.emit(rec.caller, 'ringing', { call: rec.id, count: rec.rung.length + rec.declined.length });
    }
  });
  // Not ringing a newcomer is no reason to refuse it anything.
  return ringing.catch((err: unknown) => c.log.warn({ err, room }, 'could not ring a newcomer'));
}

/**
 * A member left (its disconnect, after peer-left went out). Ringing out or waiting in line: its
 * request is withdrawn (not while the relay shuts down: the caller comes back and re-sends it,
 * in line keeping its place). `lost`: its link went (not a close or a cancel); one waiting in
 * line keeps its place for REJOIN_MS (holdPlace). Bound: a member waiting to take its place does
 * so now; otherwise its peer waits REJOIN_MS.
 */
export function left(c: CallContext, s: CallMember, only?: string, closing = false, lost = false): Promise<void> {
  const { room } = s.data;
  const call = s.data.call;
  if (s.data.incoming) c.presenceChanged(room);
  if (!call || (only !== undefined && call.id !== only)) return Promise.resolve();
  if (call.state === 'queued' && lost && !closing) return void holdPlace(c, s, call.id), Promise.resolve();
  if (call.state !== 'bound') return closing ? Promise.resolve() : c.track(c.serial(room, () => withdraw(c, s, call.id, 'hang-up', true)));
  return c.track(
    c.serial(room, async () => {
      const out = await c.registry.update(room, call.id, leaveStep(s.id));
      if (out.result === 'swapped') return rebind(c, out.rec, out.by, out.other);
      const survivor = out.result === 'gone' ? out.other : call.peer;
      if (survivor) peerGone(c, survivor, call.id, s.id);
    }),
  );
}

/**
 * A caller's link went while it waited in line: the record stays in line for REJOIN_MS, so the
 * same request re-sent from its new socket takes its place over (enqueueStep: `requeued`, same
 * place, same QUEUE_WAIT). Then, if nobody took it over, it leaves the line as after a cancel.
 */
function holdPlace(c: CallContext, s: CallMember, id: string): void {
  if (c.closed) return;
  const t = setTimeout(() => {
    c.waits.delete(s.id);
    c.track(c.serial(s.data.room, () => withdraw(c, s, id, 'hang-up', true)));
  }, c.rejoinMs);
  t.unref();
  c.waits.set(s.id, t);
}

/** Member `s` (on this node) waits for its bound peer `gone` to come back; then its call ends. */
export function waitForPeer(c: CallContext, s: CallMember, id: string, gone: string): void {
  if (c.closed) return;
  c.stopWaiting(s.id);
  const t = setTimeout(() => {
    c.waits.delete(s.id);
    const mine = s.data.call;
    if (mine?.id !== id || mine.state !== 'bound' || mine.peer !== gone) return;
    delete s.data.call;
    if (s.data.incoming) c.presenceChanged(s.data.room);
    const room = s.data.room;
    // Ended only when the record went (a member that merely waited to take a side's place ends nothing).
    const ends: typeof giveUpStep = (sid) => (rec, now) => {
      const step = giveUpStep(sid)(rec, now);
      return { next: step.next, out: step.out && step.next === undefined };
    };
    c.track(c.registry.update(room, id, ends(s.id)).then((ended) => ended && c.events.ended(room, id, gone, 'connection-lost')));
  }, c.rejoinMs);
  t.unref();
  c.waits.set(s.id, t);
}

/** Member `sid`, wherever it is, waits for its peer `gone`. */
export function peerGone(c: CallContext, sid: string, id: string, gone: string): void {
  const s = c.local(sid);
  if (s) waitForPeer(c, s, id, gone);
  else if (c.multiNode && sid !== '') c.port.toNodes('rtc:peer-gone', sid, id, gone);
}

/** This node's members of `room` bound to `gone` wait for it to come back. */
export function boundTo(c: CallContext, room: string, gone: string): void {
  for (const m of c.port.localMembers(room)) {
    const s = c.local(m.id);
    if (s && m.call?.state === 'bound' && m.call.peer === gone) waitForPeer(c, s, m.call.id, gone);
  }
}

/** Binds `a` and `b` into `rec` again (a rejoin): both hear `bound`. */
function rebind(c: CallContext, rec: BoundCall, a: string, b: string): void {
  c.events.rebound(rec);
  c.setCall(a, rec.id, { id: rec.id, state: 'bound', peer: b });
  c.setCall(b, rec.id, { id: rec.id, state: 'bound', peer: a });
  c.emit(a, 'bound', { call: rec.id, peer: b, key: c.keyOf(rec, a) });
  c.emit(b, 'bound', { call: rec.id, peer: a, key: c.keyOf(rec, b) });
}
