/**
 * Answering and the messages around it: accept (first wins), decline, a v1 client's ready or
 * offer that answers what rang it, v1 messages outside calls, preconnect while a call rings,
 * and a bound pair's messages to each other (the relay's hot path: synchronous, no lookups
 * beyond the peer). Steps of the call service over its port (context.ts); rules in rules.ts.
 */
import type { RelayedMessage, SignalMessage } from '../../src/protocol/index.js';
import type { CallContext } from './context.js';
import { viewOf, type CallMember } from './port.js';
import { disarmExpiry, request, cancelRinging, withdraw } from './requests.js';
import { claimStep, declineStep, othersRinging, preBind, refusals, unbindStep, v1Targets, type MemberView, type Refusal } from './rules.js';

/**
 * Claims call `id` for `s`. Won: both sides bound, `bound` to both (and a v1 caller hears the
 * acceptor's `ready`, unless the acceptor answered with an offer), the others rung hear
 * `cancel` `answered`. `quiet` (a v1 client's ready or offer): a lost claim is not refused.
 * `left`: what to do when it left while its accept was decided (rejoin.ts left).
 */
export async function accept(c: CallContext, s: CallMember, id: string, quiet: boolean, left: (s: CallMember, only: string) => void, replace?: string, offer?: SignalMessage): Promise<boolean> {
  const { room } = s.data;
  const members = await c.members(room);
  const present = new Set(members.map((x) => x.id));
  const out = await c.registry.update(room, id, claimStep(s.id, (x) => present.has(x)));
  if (out.result === 'orphan') {
    cancelRinging(c, out.rec, out.rec.rung, 'hang-up');
    c.stats.calls.cancelled++;
    c.events.missed(out.rec, 'caller-gone');
  }
  if (out.result !== 'won') {
    if (!quiet) c.refuseWith(s, out.result === 'lost' ? refusals.answeredElsewhere(id) : refusals.callEnded(id), 'accept', id);
    return false;
  }
  const [caller, acceptor] = out.rec.sides;
  const peer = acceptor === s.id ? caller : acceptor;
  if (!out.ringing) {
    // A repeated accept of the call it is already in.
    c.emit(s.id, 'bound', { call: id, peer, key: c.keyOf(out.rec, s.id) });
    return true;
  }
  if (replace && replace !== id) await withdraw(c, s, replace, 'hang-up', true);
  disarmExpiry(c, room, id);
  c.stats.calls.answered++;
  c.events.answered(out.ringing, c.who(s));
  c.stats.relayed.accept++;
  s.data.call = { id, state: 'bound', peer: caller };
  c.setCall(caller, id, { id, state: 'bound', peer: s.id });
  c.emit(caller, 'bound', { call: id, peer: s.id, key: c.keyOf(out.rec, caller) });
  if (offer) {
    c.emit(caller, 'message', c.stamped(offer, s.id));
    c.stats.relayed.offer++;
  } else if (out.ringing.callerV === 1) {
    // The tutorial's client offers when it hears `ready`.
    c.emit(caller, 'message', { type: 'ready', call: id, from: s.id, clientId: s.id });
  }
  c.emit(s.id, 'bound', { call: id, peer: caller, key: c.keyOf(out.rec, s.id) });
  cancelRinging(c, out.ringing, othersRinging(out.ringing, s.id), 'answered');
  // The others it rang are free for the line again.
  c.line.pump(room);
  if (s.data.incoming) c.presenceChanged(room);
  // It left while its accept was being decided: the caller waits for it like for any bound side that left.
  if (!s.connected) left(s, out.rec.id);
  return true;
}

export async function decline(c: CallContext, s: CallMember, id: string): Promise<void> {
  const { room } = s.data;
  const out = await c.registry.update(room, id, declineStep(s.id));
  if (out.result === 'gone') return c.refuseWith(s, refusals.callEnded(id), 'decline', id);
  c.stats.calls.declined++;
  c.events.declined(out.rec, c.who(s), out.closed);
  c.stats.relayed.decline++;
  c.emit(out.rec.caller, 'message', { type: 'decline', call: id, from: s.id, clientId: s.id });
  // The decliner is free for the line again.
  c.line.pump(room);
  if (out.closed) {
    // Nobody is left to answer: the caller is free again (it heard every decline).
    disarmExpiry(c, room, id);
    c.setCall(out.rec.caller, id, null);
  }
}

/**
 * A v1 client (no call ids) outside a bound call sent `ready` or an offer. When a request rang
 * it, that is its answer (the tutorial's client answers by pressing its own call button; one
 * that already had its camera offers straight away). Otherwise a ready is its own call request
 * (the same one again while it rings out), and an offer goes where v1 messages go.
 */
export async function v1(c: CallContext, s: CallMember, m: SignalMessage, left: (s: CallMember, only: string) => void, noCall?: Refusal): Promise<void> {
  const { room } = s.data;
  const ringing = await c.registry.ringingIn(room);
  const mine = s.data.call;
  for (const r of ringing) {
    if (r.caller === s.id || !r.rung.includes(s.id) || (m.to !== undefined && m.to !== r.caller)) continue;
    const replace = mine?.state === 'ringing' ? mine.id : undefined;
    if (await accept(c, s, r.id, true, left, replace, m.type === 'offer' ? m : undefined)) return;
  }
  if (m.type === 'ready') return noCall ? c.refuseWith(s, noCall, 'ready') : request(c, s, m, mine?.state === 'ringing' ? mine.id : undefined);
  await v1Relay(c, s, m);
}

/**
 * A v1 member outside a bound call: its offer, answer, candidate or bye go to the room's other
 * v1 members outside bound calls (v1Targets). Synchronous on one node; across nodes it needs
 * the members from the adapter, so it returns a promise then.
 */
export function v1Relay(c: CallContext, s: CallMember, m: SignalMessage): Promise<void> | undefined {
  const go = (members: MemberView[]): void => {
    const { room } = s.data;
    const me = members.find((x) => x.id === s.id) ?? viewOf(s);
    const targets = v1Targets(me, members, m.type, room, m.to);
    if (!Array.isArray(targets)) return c.refuseWith(s, targets, m.type);
    if (targets.length === 0) return;
    if (c.opts.rings && !c.opts.rings.deliver(s, targets.length, Date.now()))
      return c.refuseWith(s, { code: 'rate-limited', message: `this message would reach ${targets.length} members, more than your deliveries a second allow now; dropped` }, m.type);
    c.emit(targets, 'message', c.stamped(m, s.id));
    c.stats.relayed[m.type]++;
  };
  const { room } = s.data;
  if (!c.multiNode) return void go(c.port.localMembers(room));
  // Redis unreachable: this node still serves its own members, as the adapter does for broadcasts.
  return c.members(room).then(go, () => go(c.port.localMembers(room)));
}

/**
 * An unbound member's offer, answer or candidate of a call that rings (route() said `pre`): to
 * `r.to` when preBind() allows it, else refused `not-in-call`. Not queued behind the room's
 * control messages: a message that passed just before the call bound may still arrive; the
 * clients drop what no longer belongs to a preconnection.
 */
export async function preConnect(c: CallContext, s: CallMember, m: SignalMessage, r: { call: string; to: string }): Promise<void> {
  const { room } = s.data;
  const [rec, target] = await Promise.all([c.registry.get(room, r.call), c.member(room, r.to)]);
  if (!preBind(rec, r.call, s.id, target)) return c.refuseWith(s, refusals.notPreBind(m.type, r.call, r.to), m.type, r.call);
  c.emit(r.to, 'message', c.stamped(m, s.id));
  c.stats.relayed[m.type]++;
}

/**
 * A bound member's message to its peer only, wherever it is: stamped with the sender, the
 * display name the relay's (on `media` only), never the client's. `m` is the sender's own
 * validated message, stamped in place (no copy on the path every candidate takes).
 */
export function toPeer(c: CallContext, s: CallMember, m: SignalMessage, peer: string): void {
  const out = m as RelayedMessage;
  out.from = s.id;
  out.clientId = s.id;
  if (m.type === 'media' && s.data.name) out.name = s.data.name;
  else delete out.name;
  c.emit(peer, 'message', out);
  c.stats.relayed[m.type]++;
}

/** A bound member said bye (already delivered to its peer): the call ends for both. */
export function unbind(c: CallContext, s: CallMember, call: { id: string; peer: string }): Promise<void> {
  c.events.ended(s.data.room, call.id, s.id, 'hang-up');
  c.setCall(s.id, call.id, null);
  c.setCall(call.peer, call.id, null);
  return c.track(c.registry.update(s.data.room, call.id, unbindStep(s.id)).then(() => undefined));
}
