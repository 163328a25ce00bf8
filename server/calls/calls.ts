/**
 * The relay's calls (protocol 2, docs/protocol.md): call requests that ring, accept, decline,
 * cancel, bound pairs that hear only each other, the rejoin of a call on a new socket, and
 * `presence`. What is decided is decided by call-rules.ts; this file is the plumbing: it reads
 * room members (this node's sockets, or every node's through the adapter), changes call records
 * in the registry (memory or Redis), keeps each socket's `data.call` true on whichever node holds
 * it, and emits. Control messages of one room run one at a time on a node; a bound pair's
 * offers and candidates never come here (signaling.ts sends them straight to the peer).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { BoundPayload, CancelReason, ErrorPayload, MissedPayload, PresencePayload, RelayedMessage, ServerToClientEvents, SignalMessage } from '../../src/protocol/index.js';
import { adapterRoom } from '../adapter-rooms.js';
import type { CallRegistry } from './registry.js';
import { CallLine } from './line.js';
import { KeyedQueue } from './keyed-queue.js';
import { QUEUE_MAX, QUEUE_WAIT_MS, deskInCall, lineDecision } from './queue-rules.js';
import {
  REJOIN_MS,
  RING_EXPIRY_MS,
  cancelStep,
  claimStep,
  declineStep,
  errorPayload,
  expireStep,
  giveUpStep,
  leaveStep,
  openStep,
  othersRung,
  preBind,
  presenceOf,
  refusals,
  rejoinStep,
  ringAlsoStep,
  ringTargets,
  unbindStep,
  v1Targets,
  type BoundCall,
  type MemberView,
  type QueuedCall,
  type Refusal,
  type RingingCall,
  type Route,
  type SocketCall,
} from './rules.js';
import type { RingLimits } from '../limits/ring.js';
import type { RejoinKeys, Side } from '../tokens/rejoin-keys.js';
import type { SignalingStats } from '../http/stats.js';
import type { RelayServer, RelaySocket, SocketData } from '../types.js';
import { NO_EVENTS, type CallEvents, type Who } from '../webhooks/index.js';

export interface CallsOptions {
  /** Several nodes share the rooms (Redis adapter): members and sockets may live elsewhere. */
  multiNode: boolean;
  /** Default RING_EXPIRY_MS. */
  ringExpiryMs?: number;
  /** Default REJOIN_MS. */
  rejoinMs?: number;
  /** Told of each step of a call's life (webhooks); default none. */
  events?: CallEvents;
  /** What one socket may ring (limits-ring.ts); none: unlimited. */
  rings?: RingLimits;
  /** A room hears `presence` at most once per this (ms, default PRESENCE_INTERVAL_MS). */
  presenceIntervalMs?: number;
  /** Makes and checks the rejoin keys handed out in `bound` (rejoin-keys.ts). */
  keys: RejoinKeys;
  /** QUEUE_MAX: callers a room's line holds (default 20; 0: no line). */
  queueMax?: number;
  /** QUEUE_WAIT: how long a caller waits in line (ms, default 300 000). */
  queueWaitMs?: number;
  /** Hook: a call request entered its room's line (calls-line.ts LineHost.onQueued). */
  onQueued?: (rec: QueuedCall) => void;
}

/**
 * A room's `presence` goes out at most once a second: the first change at once, the ones after
 * it together when the second is over. Ringing, answering and hanging up each change it, and each
 * send reaches every member, so without this one socket's ring and cancel cycles would cost the
 * room a broadcast each.
 */
export const PRESENCE_INTERVAL_MS = 1000;

/** A socket or a RemoteSocket, as fetchSockets() returns them. */
interface SocketLike {
  id: string;
  data: Partial<SocketData>;
}

export const viewOf = (s: SocketLike): MemberView => {
  const v: MemberView = { id: s.id, v: s.data.v ?? 1, incoming: s.data.incoming ?? true };
  if (s.data.call) v.call = s.data.call;
  if (s.data.away) v.away = true;
  return v;
};

const missedOf = (rec: RingingCall): MissedPayload => ({ call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller });

/** 24 URL-safe random characters: call ids the relay makes for v1 callers. */
const token = (): string => randomBytes(18).toString('base64url');

type Emit = <E extends keyof ServerToClientEvents>(ids: string | readonly string[], ev: E, payload: Parameters<ServerToClientEvents[E]>[0]) => void;

export class Calls {
  private readonly ringExpiryMs: number;
  private readonly rejoinMs: number;
  /** A room's control messages run one at a time on this node. */
  private readonly queue = new KeyedQueue();
  /** Open requests of this node's callers: their expiry. Key room + call. */
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  /** This node's sockets waiting for their bound peer to come back. Key socket id. */
  private readonly waits = new Map<string, NodeJS.Timeout>();
  /**
   * Rooms whose presence is due or was sent lately: `scheduled` (to send now), `running` (being
   * counted), `again` (changed while counted), `cooling` (sent less than presenceIntervalMs ago),
   * `pending` (changed since: sent when the interval is over). Absent: sent long enough ago.
   */
  private readonly presenceRuns = new Map<string, 'scheduled' | 'running' | 'again' | 'cooling' | 'pending'>();
  private readonly presenceIntervalMs: number;
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;
  /** The rooms' lines: requests waiting for a member to be free (calls-line.ts). */
  private readonly line: CallLine;
  readonly events: CallEvents;

  constructor(
    private readonly io: RelayServer,
    private readonly registry: CallRegistry,
    private readonly stats: SignalingStats,
    private readonly log: FastifyBaseLogger,
    private readonly refuse: (socket: RelaySocket, e: ErrorPayload) => void,
    private readonly opts: CallsOptions,
  ) {
    this.ringExpiryMs = opts.ringExpiryMs ?? RING_EXPIRY_MS;
    this.rejoinMs = opts.rejoinMs ?? REJOIN_MS;
    this.events = opts.events ?? NO_EVENTS;
    this.presenceIntervalMs = opts.presenceIntervalMs ?? PRESENCE_INTERVAL_MS;
    io.on('rtc:call', (sid, id, call) => void this.applyLocal(sid, id, call));
    io.on('rtc:peer-gone', (sid, id, gone) => {
      const s = this.local(sid);
      if (s) this.waitForPeer(s, id, gone);
    });
    io.on('rtc:reaped', (room, gone) => this.boundTo(room, gone));
    this.line = new CallLine(
      {
        io,
        registry,
        log,
        multiNode: opts.multiNode,
        members: (room) => this.members(room),
        localMembers: (room) => this.localMembers(room),
        local: (id) => this.local(id),
        setCall: (sid, id, call) => this.setCall(sid, id, call),
        serial: (room, fn) => this.serial(room, fn),
        track: (p) => this.track(p),
        presenceChanged: (room) => this.presenceChanged(room),
        rang: (rec) => this.rang(rec),
        errorTo: (sid, e) => {
          const s = this.local(sid);
          if (s) this.refuse(s, e);
          else if (opts.multiNode && sid !== '') io.to(sid).emit('error', e);
        },
        ...(opts.onQueued ? { onQueued: opts.onQueued } : {}),
      },
      { max: opts.queueMax ?? QUEUE_MAX, waitMs: opts.queueWaitMs ?? QUEUE_WAIT_MS },
    );
  }

  // ---- sockets and members, wherever they live ----

  private local(id: string): RelaySocket | undefined {
    return this.io.of('/').sockets.get(id);
  }

  /** This node's members of `room`, synchronously. */
  localMembers(room: string): MemberView[] {
    const ids = this.io.of('/').adapter.rooms.get(adapterRoom(room));
    const out: MemberView[] = [];
    if (ids) for (const id of ids) {
      const s = this.local(id);
      if (s) out.push(viewOf(s));
    }
    return out;
  }

  /** Every member of `room`, on every node. */
  async members(room: string): Promise<MemberView[]> {
    if (!this.opts.multiNode) return this.localMembers(room);
    return (await this.io.in(adapterRoom(room)).fetchSockets()).map(viewOf);
  }

  private readonly emit: Emit = (ids, ev, payload) => {
    const remote: string[] = [];
    for (const id of typeof ids === 'string' ? [ids] : ids) {
      const s = this.local(id);
      if (s) (s.emit as (e: string, p: unknown) => void)(ev, payload);
      else if (this.opts.multiNode && id !== '') remote.push(id);
    }
    if (remote.length) (this.io.to(remote).emit as (e: string, p: unknown) => void)(ev, payload);
  };

  private stamped(m: SignalMessage, from: string): RelayedMessage {
    const out: RelayedMessage = { ...m, from, clientId: from };
    // A display name is the relay's alone (stamped on call requests), never what a client wrote.
    delete out.name;
    return out;
  }

  /** Sets (or, with null, clears if it is still in call `id`) a socket's call, on the node that holds it. */
  private setCall(sid: string, id: string, call: SocketCall | null): void {
    if (!this.applyLocal(sid, id, call) && this.opts.multiNode && sid !== '') this.io.serverSideEmit('rtc:call', sid, id, call);
  }

  private applyLocal(sid: string, id: string, call: SocketCall | null): boolean {
    const s = this.local(sid);
    if (!s) return false;
    const mine = s.data.call;
    // In or out of the line: the room's `queued` count moves, whoever the caller is.
    const lineMoved = mine?.state === 'queued' || call?.state === 'queued';
    if (mine?.state === 'queued' && call?.state !== 'queued') this.line.forget(sid);
    if (call) {
      if (mine && mine.id !== id) return true; // it has moved on to another call meanwhile
      s.data.call = call;
      if (call.state === 'bound' && call.peer !== '') this.stopWaiting(sid);
    } else if (mine?.id === id) {
      delete s.data.call;
      this.stopWaiting(sid);
    }
    if (s.data.incoming || lineMoved) this.presenceChanged(s.data.room);
    return true;
  }

  // ---- the room's control messages, one at a time ----

  private serial<T>(room: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(room, fn);
  }

  private refuseWith(socket: RelaySocket, r: Refusal, type?: string, call?: string): void {
    this.refuse(socket, errorPayload(r, type, call));
  }

  /** A validated message routed to the call machinery (route() in call-rules.ts said so). */
  handle(socket: RelaySocket, m: SignalMessage, r: Exclude<Route, { do: 'refuse' | 'peer' | 'v1-relay' | 'pre' }>): Promise<void> {
    const room = socket.data.room;
    switch (r.do) {
      case 'request':
        return this.serial(room, async () => {
          if (r.replace) await this.withdraw(socket, r.replace, 'hang-up', true);
          await this.request(socket, m, r.call);
        });
      case 'v1':
        return this.serial(room, () => this.v1(socket, m, r.noCall));
      case 'accept':
        return this.serial(room, async () => void (await this.accept(socket, r.call, false, r.replace)));
      case 'decline':
        return this.serial(room, () => this.decline(socket, r.call));
      case 'cancel':
        return this.serial(room, () => this.withdraw(socket, r.call, r.reason, m.type === 'bye'));
    }
  }

  // ---- call requests ----

  private async request(socket: RelaySocket, m: SignalMessage, callId: string | undefined): Promise<void> {
    const { room, v, name } = socket.data;
    const id = callId ?? `v1-${token()}`;
    const members = await this.members(room);
    const me = members.find((x) => x.id === socket.id) ?? viewOf(socket);
    const targets = ringTargets(me, members, room, m.to);
    /** Nobody free to ring (or no room in the line): refused; away desks hear of it, and for the site's backend it is a missed call. */
    const nobodyFree = (r: Exclude<typeof targets, unknown[]>) => {
      if (r.code === 'unavailable') this.tellAway(room, { call: id, kind: m.kind ?? 'video', name, from: socket.id }, m.to === undefined ? members : members.filter((x) => x.id === m.to));
      if (r.code === 'unavailable' || r.code === 'busy')
        this.events.missed({ state: 'ringing', id, room, caller: socket.id, callerV: v, kind: m.kind ?? 'video', name, direct: m.to !== undefined, rung: [], declined: [], opened: Date.now() }, r.code, this.who(socket));
      return this.refuseWith(socket, r, 'ready', callId);
    };
    if (m.queue && v === 2 && callId) {
      // It may wait in line: not ahead of those already there, and only while there is room.
      const line = await this.registry.queuedIn(room);
      const waiting = line.filter((q) => q.id !== id);
      // The same request again (its caller's link came back on a new socket): it keeps its place.
      const again = waiting.length < line.length;
      const d = again ? 'queue' : lineDecision(targets, waiting.length, true, m.to !== undefined, this.line.opts, room, deskInCall(socket.id, members));
      if (d === 'queue') {
        // Waiting is a call request too: it spends the same budget (its ring, later, rings no one new on its own).
        const limited = again ? null : this.opts.rings?.request(socket, 0, Date.now());
        if (limited) return this.refuseWith(socket, { code: 'rate-limited', message: limited }, 'ready', callId);
        return this.line.enter(socket, { id, room, caller: socket.id, callerV: v, kind: m.kind ?? 'video', name });
      }
      if (d !== 'ring') return nobodyFree(d);
    }
    if (!Array.isArray(targets)) return nobodyFree(targets);
    const limited = this.opts.rings?.request(socket, targets.length, Date.now());
    if (limited) return this.refuseWith(socket, { code: 'rate-limited', message: limited }, 'ready', callId);
    const present = new Set(members.map((x) => x.id));
    const kind = m.kind ?? 'video';
    const out = await this.registry.update(room, id, openStep({ id, room, caller: socket.id, callerV: v, kind, name, direct: m.to !== undefined, targets }, (x) => present.has(x)));
    if (out.result === 'taken') return this.refuseWith(socket, refusals.callTaken(id), 'ready', callId);
    if (!socket.connected) {
      // It left while the request was being opened; its disconnect found nothing to withdraw.
      await this.registry.update(room, id, cancelStep(socket.id));
      return this.tellRung(out.rec, out.rec.rung, 'hang-up');
    }
    socket.data.call = { id, state: 'ringing' };
    if (out.result === 'opened') {
      this.stats.calls.requested++;
      this.events.requested(out.rec, this.who(socket));
    }
    this.stats.relayed.ready++;
    this.armExpiry(out.rec);
    this.emit(out.ring, 'message', { type: 'ready', call: id, kind, name, from: socket.id, clientId: socket.id });
    socket.emit('ringing', { call: id, count: out.rec.rung.length + out.rec.declined.length });
    if (socket.data.incoming) this.presenceChanged(room);
  }

  /** The head of a line rings the free members now (calls-line.ts): as a request just made, to its caller wherever it is. */
  private rang(rec: RingingCall): void {
    this.setCall(rec.caller, rec.id, { id: rec.id, state: 'ringing' });
    this.stats.calls.requested++;
    this.armExpiry(rec);
    this.emit(rec.rung, 'message', { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller, clientId: rec.caller });
    this.emit(rec.caller, 'ringing', { call: rec.id, count: rec.rung.length });
  }

  private armExpiry(rec: RingingCall): void {
    const k = `${rec.room}\n${rec.id}`;
    if (this.expiries.has(k) || this.closed) return;
    const t = setTimeout(() => {
      this.expiries.delete(k);
      this.track(
        this.serial(rec.room, async () => {
          const open = await this.registry.update(rec.room, rec.id, expireStep(rec.opened));
          if (!open) return;
          this.stats.calls.missed++;
          this.events.missed(open, 'no-answer');
          this.tellAway(open.room, missedOf(open));
          this.tellRung(open, open.rung, 'no-answer');
          this.line.pump(rec.room);
          this.setCall(open.caller, open.id, null);
          const caller = this.local(open.caller);
          if (caller) this.refuseWith(caller, refusals.expired(open.id), 'ready', open.id);
          else if (this.opts.multiNode) this.io.to(open.caller).emit('error', errorPayload(refusals.expired(open.id), 'ready', open.id));
        }),
      );
    }, Math.max(0, rec.opened + this.ringExpiryMs - Date.now()));
    t.unref();
    this.expiries.set(k, t);
  }

  private disarmExpiry(room: string, id: string): void {
    const k = `${room}\n${id}`;
    clearTimeout(this.expiries.get(k));
    this.expiries.delete(k);
  }

  /** `cancel` to the members a request rang, from its caller. */
  private tellRung(rec: RingingCall, to: readonly string[], reason: CancelReason): void {
    if (to.length) this.emit(to, 'message', { type: 'cancel', call: rec.id, reason, from: rec.caller, clientId: rec.caller });
  }

  /**
   * The caller withdraws (cancel, bye, or it left): everyone still rung hears `cancel`. An accept
   * that won the race first made it a bound call: the withdrawal hangs that call up. `quiet`:
   * not an explicit cancel, so nothing is refused.
   */
  private async withdraw(socket: RelaySocket, id: string, reason: CancelReason, quiet: boolean): Promise<void> {
    const { room } = socket.data;
    const mine = socket.data.call;
    if (mine?.state === 'queued' && mine.id === id && (await this.line.leave(socket, id))) {
      this.stats.calls.cancelled++;
      return;
    }
    const out = await this.registry.update(room, id, cancelStep(socket.id));
    if (out.result === 'gone') {
      if (socket.data.call?.id === id && socket.data.call.state !== 'bound') this.setCall(socket.id, id, null);
      if (!quiet) this.refuseWith(socket, refusals.callEnded(id), 'cancel', id);
      return;
    }
    if (out.result === 'bound') {
      const peer = out.rec.sides.find((s) => s !== socket.id) ?? '';
      this.emit(peer, 'message', { type: 'bye', call: id, from: socket.id, clientId: socket.id });
      this.stats.relayed.bye++;
      this.setCall(socket.id, id, null);
      this.setCall(peer, id, null);
      this.events.ended(room, id, socket.id, 'hang-up');
      await this.registry.update(room, id, unbindStep(socket.id));
      return;
    }
    this.disarmExpiry(room, id);
    this.stats.calls[reason === 'no-answer' ? 'missed' : 'cancelled']++;
    this.events.missed(out.rec, reason === 'no-answer' ? 'no-answer' : 'caller-cancelled');
    this.tellAway(room, missedOf(out.rec));
    this.stats.relayed.cancel++;
    this.tellRung(out.rec, out.rec.rung, reason);
    this.setCall(socket.id, id, null);
    // The members it rang are free for the line again.
    this.line.pump(room);
  }

  // ---- answering ----

  /**
   * Claims call `id` for `socket`. Won: both sides bound, `bound` to both (and a v1 caller hears
   * the acceptor's `ready`, unless the acceptor answered with an offer), the others rung hear
   * `cancel` `answered`. `quiet` (a v1 client's ready or offer): a lost claim is not refused.
   */
  private async accept(socket: RelaySocket, id: string, quiet: boolean, replace?: string, offer?: SignalMessage): Promise<boolean> {
    const { room } = socket.data;
    const members = await this.members(room);
    const present = new Set(members.map((x) => x.id));
    const out = await this.registry.update(room, id, claimStep(socket.id, (x) => present.has(x)));
    if (out.result === 'orphan') {
      this.tellRung(out.rec, out.rec.rung, 'hang-up');
      this.stats.calls.cancelled++;
      this.events.missed(out.rec, 'caller-gone');
    }
    if (out.result !== 'won') {
      if (!quiet) this.refuseWith(socket, out.result === 'lost' ? refusals.answeredElsewhere(id) : refusals.callEnded(id), 'accept', id);
      return false;
    }
    const [caller, acceptor] = out.rec.sides;
    const peer = acceptor === socket.id ? caller : acceptor;
    if (!out.ringing) {
      // A repeated accept of the call it is already in.
      socket.emit('bound', { call: id, peer, key: this.keyOf(out.rec, socket.id) });
      return true;
    }
    if (replace && replace !== id) await this.withdraw(socket, replace, 'hang-up', true);
    this.disarmExpiry(room, id);
    this.stats.calls.answered++;
    this.events.answered(out.ringing, this.who(socket));
    this.stats.relayed.accept++;
    socket.data.call = { id, state: 'bound', peer: caller };
    this.setCall(caller, id, { id, state: 'bound', peer: socket.id });
    this.emit(caller, 'bound', { call: id, peer: socket.id, key: this.keyOf(out.rec, caller) });
    if (offer) {
      this.emit(caller, 'message', this.stamped(offer, socket.id));
      this.stats.relayed.offer++;
    } else if (out.ringing.callerV === 1) {
      // The tutorial's client offers when it hears `ready`.
      this.emit(caller, 'message', { type: 'ready', call: id, from: socket.id, clientId: socket.id });
    }
    socket.emit('bound', { call: id, peer: caller, key: this.keyOf(out.rec, socket.id) });
    this.tellRung(out.ringing, othersRung(out.ringing, socket.id), 'answered');
    // The others it rang are free for the line again.
    this.line.pump(room);
    if (socket.data.incoming) this.presenceChanged(room);
    // It left while its accept was being decided: the caller waits for it like for any bound side that left.
    if (!socket.connected) void this.left(socket, out.rec.id);
    return true;
  }

  /**
   * A v1 client (no call ids) outside a bound call sent `ready` or an offer. When a request rang
   * it, that is its answer (the tutorial's client answers by pressing its own call button; one
   * that already had its camera offers straight away). Otherwise a ready is its own call request
   * (the same one again while it rings out), and an offer goes where v1 messages go.
   */
  private async v1(socket: RelaySocket, m: SignalMessage, noCall?: Refusal): Promise<void> {
    const { room } = socket.data;
    const ringing = await this.registry.ringingIn(room);
    const mine = socket.data.call;
    for (const c of ringing) {
      if (c.caller === socket.id || !c.rung.includes(socket.id) || (m.to !== undefined && m.to !== c.caller)) continue;
      const replace = mine?.state === 'ringing' ? mine.id : undefined;
      if (await this.accept(socket, c.id, true, replace, m.type === 'offer' ? m : undefined)) return;
    }
    if (m.type === 'ready') return noCall ? this.refuseWith(socket, noCall, 'ready') : this.request(socket, m, mine?.state === 'ringing' ? mine.id : undefined);
    await this.v1Relay(socket, m);
  }

  private async decline(socket: RelaySocket, id: string): Promise<void> {
    const { room } = socket.data;
    const out = await this.registry.update(room, id, declineStep(socket.id));
    if (out.result === 'gone') return this.refuseWith(socket, refusals.callEnded(id), 'decline', id);
    this.stats.calls.declined++;
    this.events.declined(out.rec, this.who(socket), out.closed);
    this.stats.relayed.decline++;
    this.emit(out.rec.caller, 'message', { type: 'decline', call: id, from: socket.id, clientId: socket.id });
    // The decliner is free for the line again.
    this.line.pump(room);
    if (out.closed) {
      // Nobody is left to answer: the caller is free again (it heard every decline).
      this.disarmExpiry(room, id);
      this.setCall(out.rec.caller, id, null);
    }
  }

  // ---- preconnect: a ringing call's caller and its first desks, before it binds ----

  /** A member of `room` as the rules see it, on this node or (several nodes) another; undefined when it is not there. */
  private async member(room: string, id: string): Promise<MemberView | undefined> {
    const s = this.local(id);
    if (s) return s.data.room === room ? viewOf(s) : undefined;
    if (!this.opts.multiNode) return undefined;
    const r = (await this.io.in(id).fetchSockets()).find((x) => x.id === id);
    return r?.data.room === room ? viewOf(r) : undefined;
  }

  /**
   * An unbound socket's offer, answer or candidate of a call that rings (route() said `pre`):
   * to `r.to` when preBind() allows it, else refused `not-in-call`. Not queued behind the room's
   * control messages: a message that passed just before the call bound may still arrive; the
   * clients drop what no longer belongs to a preconnection.
   */
  async preConnect(socket: RelaySocket, m: SignalMessage, r: { call: string; to: string }): Promise<void> {
    const { room } = socket.data;
    const [rec, target] = await Promise.all([this.registry.get(room, r.call), this.member(room, r.to)]);
    if (!preBind(rec, r.call, socket.id, target)) return this.refuseWith(socket, refusals.notPreBind(m.type, r.call, r.to), m.type, r.call);
    this.emit(r.to, 'message', this.stamped(m, socket.id));
    this.stats.relayed[m.type]++;
  }

  // ---- v1 messages outside calls ----

  /**
   * A v1 socket outside a bound call: its offer, answer, candidate or bye go to the room's other
   * v1 members outside bound calls (v1Targets). Synchronous on one node; across nodes it needs
   * the members from the adapter, so it returns a promise then.
   */
  v1Relay(socket: RelaySocket, m: SignalMessage): Promise<void> | undefined {
    const go = (members: MemberView[]): void => {
      const { room } = socket.data;
      const me = members.find((x) => x.id === socket.id) ?? viewOf(socket);
      const targets = v1Targets(me, members, m.type, room, m.to);
      if (!Array.isArray(targets)) return this.refuseWith(socket, targets, m.type);
      if (targets.length === 0) return;
      if (this.opts.rings && !this.opts.rings.deliver(socket, targets.length, Date.now()))
        return this.refuseWith(socket, { code: 'rate-limited', message: `this message would reach ${targets.length} members, more than your deliveries a second allow now; dropped` }, m.type);
      this.emit(targets, 'message', this.stamped(m, socket.id));
      this.stats.relayed[m.type]++;
    };
    if (!this.opts.multiNode) return void go(this.localMembers(socket.data.room));
    // Redis unreachable: this node still serves its own sockets, as the adapter does for broadcasts.
    return this.members(socket.data.room).then(go, () => go(this.localMembers(socket.data.room)));
  }

  // ---- bound calls ----

  /** A bound socket said bye (already delivered to its peer): the call ends for both. */
  unbind(socket: RelaySocket, call: { id: string; peer: string }): Promise<void> {
    this.events.ended(socket.data.room, call.id, socket.id, 'hang-up');
    this.setCall(socket.id, call.id, null);
    this.setCall(call.peer, call.id, null);
    return this.track(this.registry.update(socket.data.room, call.id, unbindStep(socket.id)).then(() => undefined));
  }

  /** `sid` (on this node) waits for its bound peer `gone` to come back; then its call ends. */
  private waitForPeer(socket: RelaySocket, id: string, gone: string): void {
    if (this.closed) return;
    this.stopWaiting(socket.id);
    const t = setTimeout(() => {
      this.waits.delete(socket.id);
      const c = socket.data.call;
      if (c?.id !== id || c.state !== 'bound' || c.peer !== gone) return;
      delete socket.data.call;
      if (socket.data.incoming) this.presenceChanged(socket.data.room);
      const room = socket.data.room;
      // Ended only when the record went (a socket that merely waited to take a side's place ends nothing).
      const ends: typeof giveUpStep = (sid) => (rec, now) => {
        const step = giveUpStep(sid)(rec, now);
        return { next: step.next, out: step.out && step.next === undefined };
      };
      this.track(this.registry.update(room, id, ends(socket.id)).then((ended) => ended && this.events.ended(room, id, gone, 'connection-lost')));
    }, this.rejoinMs);
    t.unref();
    this.waits.set(socket.id, t);
  }

  private stopWaiting(sid: string): void {
    const t = this.waits.get(sid);
    if (t) {
      clearTimeout(t);
      this.waits.delete(sid);
    }
  }

  private peerGone(sid: string, id: string, gone: string): void {
    const s = this.local(sid);
    if (s) this.waitForPeer(s, id, gone);
    else if (this.opts.multiNode && sid !== '') this.io.serverSideEmit('rtc:peer-gone', sid, id, gone);
  }

  /** This node's sockets of `room` bound to `gone` wait for it to come back. */
  private boundTo(room: string, gone: string): void {
    for (const m of this.localMembers(room)) {
      const s = this.local(m.id);
      if (s && m.call?.state === 'bound' && m.call.peer === gone) this.waitForPeer(s, m.call.id, gone);
    }
  }

  /**
   * A socket died with its node, which could not say so (redis-liveness.ts found it): its bound
   * peer, on whichever node, waits for it to rejoin as after any leave, then is free again.
   */
  reaped(room: string, gone: string): void {
    this.boundTo(room, gone);
    // The room's counts changed too: its members hear it, as when a member leaves.
    this.presenceChanged(room);
    if (this.opts.multiNode) this.io.serverSideEmit('rtc:reaped', room, gone);
  }

  /** Binds `a` and `b` into `rec` again (a rejoin): both hear `bound`. */
  private rebind(rec: BoundCall, a: string, b: string): void {
    this.events.rebound(rec);
    this.setCall(a, rec.id, { id: rec.id, state: 'bound', peer: b });
    this.setCall(b, rec.id, { id: rec.id, state: 'bound', peer: a });
    this.emit(a, 'bound', { call: rec.id, peer: b, key: this.keyOf(rec, a) });
    this.emit(b, 'bound', { call: rec.id, peer: a, key: this.keyOf(rec, b) });
  }

  /** The current rejoin key of socket `sid`'s side of `rec` (each side has its own). */
  private keyOf(rec: BoundCall, sid: string): string {
    const side = (rec.sides[0] === sid ? 0 : 1) as Side;
    return this.opts.keys.mint(rec.room, rec.id, side, Math.max(0, rec.epochs[side]));
  }

  // ---- joining and leaving ----

  /**
   * Before `client-id`: a socket that presents a call and its key takes its place in that call
   * (see rejoinStep). Returns what client-id carries: the room's presence, and the call it is
   * bound into when its peer is there.
   */
  async joined(socket: RelaySocket): Promise<{ presence: PresencePayload; bound?: BoundPayload; rebound?: BoundCall }> {
    const { room } = socket.data;
    const rejoin = socket.data.rejoin;
    delete socket.data.rejoin;
    let bound: BoundPayload | undefined;
    let rebound: BoundCall | undefined;
    // A key this relay did not mint (or for another room or call) rejoins nothing.
    const claim = rejoin && this.opts.keys.read(room, rejoin.call, rejoin.key);
    let spent = !!rejoin && !claim;
    if (rejoin && claim) {
      const rejoined = this.serial(room, async () => {
        const present = new Set((await this.members(room)).map((x) => x.id));
        const out = await this.registry.update(room, rejoin.call, rejoinStep(socket.id, rejoin.call, claim, room, (x) => present.has(x)));
        if (out.result === 'no') return void (spent = true);
        if (out.result !== 'pending') this.events.rebound(out.rec);
        if (out.result === 'pending') {
          socket.data.call = { id: rejoin.call, state: 'bound', peer: '' };
          return this.waitForPeer(socket, rejoin.call, '');
        }
        socket.data.call = { id: rejoin.call, state: 'bound', peer: out.peer };
        if (out.result === 'waiting') return this.waitForPeer(socket, rejoin.call, out.peer);
        this.setCall(out.peer, rejoin.call, { id: rejoin.call, state: 'bound', peer: socket.id });
        bound = { call: rejoin.call, peer: out.peer, key: this.keyOf(out.rec, socket.id) };
        rebound = out.rec;
      });
      // The registry unreachable (Redis down): it joins as an ordinary member rather than not at all.
      await rejoined.catch((err: unknown) => this.log.warn({ err, room, call: rejoin.call }, 'rejoin failed; joined as an idle member'));
    }
    if (spent && socket.data.role === 'rejoin') {
      // Admitted on an expired token only to rejoin this call (handshake.ts), which it cannot (the key was spent meanwhile).
      this.refuse(socket, { code: 'unauthorized', message: `token refused: it has expired, and call ${rejoin!.call} cannot be rejoined with this key` });
      socket.disconnect(true);
    }
    const presence = presenceOf(await this.members(room).catch(() => this.localMembers(room)));
    return bound ? { presence, bound, rebound } : { presence };
  }

  /** After `client-id`: the peer of a rejoin hears `bound`; a newcomer that takes calls is rung by the requests ringing in its room. */
  afterJoin(socket: RelaySocket, res: { bound?: BoundPayload; rebound?: BoundCall }): Promise<void> {
    const { room } = socket.data;
    if (res.bound && res.rebound) {
      socket.emit('bound', res.bound);
      this.emit(res.bound.peer, 'bound', { call: res.bound.call, peer: socket.id, key: this.keyOf(res.rebound, res.bound.peer) });
    }
    if (socket.data.incoming) this.presenceChanged(room);
    return this.ringOpen(socket);
  }

  /** A desk that takes calls and is free (a newcomer, or back from away) is rung by the requests ringing in its room. */
  private ringOpen(socket: RelaySocket): Promise<void> {
    const { room } = socket.data;
    if (!socket.data.incoming || socket.data.call || socket.data.away) return Promise.resolve();
    const ringing = this.serial(room, async () => {
      for (const c of await this.registry.ringingIn(room)) {
        if (c.direct || c.caller === socket.id) continue;
        if (socket.data.call || socket.data.away || !socket.connected) return;
        const rec = await this.registry.update(room, c.id, ringAlsoStep(socket.id));
        if (!rec) continue;
        socket.emit('message', { type: 'ready', call: rec.id, kind: rec.kind, name: rec.name, from: rec.caller, clientId: rec.caller });
        this.emit(rec.caller, 'ringing', { call: rec.id, count: rec.rung.length + rec.declined.length });
      }
    });
    // Not ringing a newcomer is no reason to refuse it anything.
    return ringing.catch((err: unknown) => this.log.warn({ err, room }, 'could not ring a newcomer'));
  }

  /**
   * A socket left (its disconnect, after peer-left went out). Ringing out: its request is
   * withdrawn (not while the relay shuts down: the caller comes back and re-sends it). Bound:
   * a socket waiting to take its place does so now; otherwise its peer waits REJOIN_MS.
   */
  left(socket: RelaySocket, only?: string, closing = false): Promise<void> {
    const { room } = socket.data;
    const c = socket.data.call;
    if (socket.data.incoming) this.presenceChanged(room);
    if (!c || (only !== undefined && c.id !== only)) return Promise.resolve();
    // Ringing out or waiting in line: withdrawn (not while the relay shuts down: the caller re-sends it, in line keeping its place).
    if (c.state !== 'bound') return closing ? Promise.resolve() : this.track(this.serial(room, () => this.withdraw(socket, c.id, 'hang-up', true)));
    return this.track(
      this.serial(room, async () => {
        const out = await this.registry.update(room, c.id, leaveStep(socket.id));
        if (out.result === 'swapped') return this.rebind(out.rec, out.by, out.other);
        const survivor = out.result === 'gone' ? out.other : c.peer;
        if (survivor) this.peerGone(survivor, c.id, socket.id);
      }),
    );
  }

  // ---- away desks ----

  /**
   * `away`: a desk steps away (not rung, not counted in presence) or comes back (rung by what
   * rings now). A ring that already rings it goes on until it is answered, declined or withdrawn.
   */
  setAway(socket: RelaySocket, away: boolean): Promise<void> {
    if (away === (socket.data.away === true)) return Promise.resolve();
    if (away) socket.data.away = true;
    else delete socket.data.away;
    if (socket.data.incoming) this.presenceChanged(socket.data.room);
    return away ? Promise.resolve() : this.ringOpen(socket);
  }

  /** The room's away desks hear of a request that closed unanswered (they were not rung for it). */
  private tellAway(room: string, p: MissedPayload, members?: MemberView[]): void {
    const tell = (list: MemberView[]): void => {
      const away = list.filter((x) => x.away && x.incoming && x.id !== p.from).map((x) => x.id);
      if (away.length) this.emit(away, 'missed', p);
    };
    if (members) return tell(members);
    this.members(room).then(tell, (err: unknown) => this.log.warn({ err, room }, 'away desks not told of a missed call'));
  }

  private who(socket: RelaySocket): Who {
    return { id: socket.id, name: socket.data.name, ...(socket.data.sub ? { sub: socket.data.sub } : {}) };
  }

  // ---- presence ----

  /** Sends the room its presence soon: at once, or once its interval is over (several changes in a row make one send). */
  presenceChanged(room: string): void {
    if (this.closed) return;
    // Whoever came free (a call ended, a member joined) may take the head of the line.
    this.line.pump(room);
    const s = this.presenceRuns.get(room);
    if (s === 'running') return void this.presenceRuns.set(room, 'again');
    if (s === 'cooling') return void this.presenceRuns.set(room, 'pending');
    if (s !== undefined) return;
    this.presenceRuns.set(room, 'scheduled');
    setImmediate(() => void this.sendPresence(room));
  }

  private async sendPresence(room: string): Promise<void> {
    this.presenceRuns.set(room, 'running');
    try {
      this.io.to(adapterRoom(room)).emit('presence', presenceOf(await this.members(room)));
    } catch (err) {
      this.log.warn({ err, room }, 'presence not sent');
    }
    // A change while it was counted may be missing from what went out: send again after the interval.
    this.presenceRuns.set(room, this.presenceRuns.get(room) === 'again' ? 'pending' : 'cooling');
    setTimeout(() => {
      const due = this.presenceRuns.get(room) === 'pending';
      this.presenceRuns.delete(room);
      if (due) this.presenceChanged(room);
    }, this.presenceIntervalMs).unref();
  }

  // ---- shutdown ----

  private track<T>(p: Promise<T>): Promise<T> {
    const q = p.catch((err: unknown) => this.log.error({ err }, 'call bookkeeping failed'));
    this.inflight.add(q);
    void q.then(() => this.inflight.delete(q));
    return p;
  }

  /** Waits (at most `ms`) for pending call work, then stops every timer. */
  async close(ms = 1000): Promise<void> {
    await Promise.race([Promise.all([...this.inflight, this.queue.idle()]), new Promise((r) => setTimeout(r, ms).unref())]);
    this.closed = true;
    this.line.close();
    for (const t of [...this.expiries.values(), ...this.waits.values()]) clearTimeout(t);
    this.expiries.clear();
    this.waits.clear();
  }
}
