/**
 * What the call service's files share (service.ts, requests.ts, answers.ts, rejoin.ts, line.ts):
 * the port, the registry, the options, the room's one-at-a-time queue, the timers this node
 * holds, and the small helpers every step uses (emit, refuse, set a member's call wherever it
 * lives, count presence). State and plumbing only; the steps are in the files named above.
 */
import type { ErrorPayload, RelayedMessage, SignalMessage } from '../../src/protocol/index.js';
import type { SignalingStats } from '../http/stats.js';
import type { RingLimits } from '../limits/ring.js';
import type { RejoinKeys, Side } from '../tokens/rejoin-keys.js';
import { NO_EVENTS, type CallEvents, type Who } from '../webhooks/index.js';
import { KeyedQueue } from './keyed-queue.js';
import { viewOf, type CallMember, type CallPort, type Emit } from './port.js';
import { PRESENCE_INTERVAL_MS, PresenceRuns } from './presence-runs.js';
import type { CallLine } from './line.js';
import type { CallRegistry } from './registry.js';
import { REJOIN_MS, RING_EXPIRY_MS, errorPayload, presenceOf, type BoundCall, type MemberView, type Refusal, type SocketCall } from './rules.js';

export interface CallsOptions {
  /** Default RING_EXPIRY_MS. */
  ringExpiryMs?: number;
  /** Default REJOIN_MS. */
  rejoinMs?: number;
  /** Told of each step of a call's life (webhooks); default none. */
  events?: CallEvents;
  /** What one socket may ring (limits/ring.ts); none: unlimited. */
  rings?: RingLimits;
  /** A room hears `presence` at most once per this (ms, default PRESENCE_INTERVAL_MS; 0: at once). */
  presenceIntervalMs?: number;
  /** Makes and checks the rejoin keys handed out in `bound` (tokens/rejoin-keys.ts). */
  keys: RejoinKeys;
  /** QUEUE_MAX: callers a room's line holds (default 20; 0: no line). */
  queueMax?: number;
  /** QUEUE_WAIT: how long a caller waits in line (ms, default 300 000). */
  queueWaitMs?: number;
}

/** The part of a logger the service uses (Fastify's, or a silent one). */
export interface CallLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class CallContext {
  readonly ringExpiryMs: number;
  readonly rejoinMs: number;
  readonly events: CallEvents;
  readonly registry: CallRegistry;
  readonly multiNode: boolean;
  /** A room's control messages run one at a time on this node. */
  readonly queue = new KeyedQueue();
  /** Open requests of this node's callers: their expiry. Key room + call. */
  readonly expiries = new Map<string, NodeJS.Timeout>();
  /** This node's members waiting for their bound peer to come back. Key member id. */
  readonly waits = new Map<string, NodeJS.Timeout>();
  readonly presence: PresenceRuns;
  readonly inflight = new Set<Promise<unknown>>();
  closed = false;
  /** The rooms' lines (line.ts), made by the service right after this. */
  line!: CallLine;

  constructor(
    readonly port: CallPort,
    readonly stats: SignalingStats,
    readonly log: CallLog,
    readonly opts: CallsOptions,
  ) {
    this.registry = port.registry;
    this.multiNode = port.multiNode;
    this.ringExpiryMs = opts.ringExpiryMs ?? RING_EXPIRY_MS;
    this.rejoinMs = opts.rejoinMs ?? REJOIN_MS;
    this.events = opts.events ?? NO_EVENTS;
    this.presence = new PresenceRuns((room) => this.sendPresence(room), opts.presenceIntervalMs ?? PRESENCE_INTERVAL_MS);
  }

  readonly emit: Emit = (ids, ev, payload) => this.port.emit(ids, ev, payload);

  local(id: string): CallMember | undefined {
    return this.port.local(id);
  }

  members(room: string): Promise<MemberView[]> {
    return this.port.members(room);
  }

  /** An `error` to a member of this node, counted by code. */
  refuse(m: CallMember, e: ErrorPayload): void {
    this.stats.refused[e.code]++;
    this.emit(m.id, 'error', e);
  }

  refuseWith(m: CallMember, r: Refusal, type?: string, call?: string): void {
    this.refuse(m, errorPayload(r, type, call));
  }

  /** An `error` to member `sid` on whichever node holds it (counted when it is here). */
  errorTo(sid: string, e: ErrorPayload): void {
    const s = this.local(sid);
    if (s) this.refuse(s, e);
    else if (this.multiNode && sid !== '') this.emit(sid, 'error', e);
  }

  stamped(m: SignalMessage, from: string): RelayedMessage {
    const out: RelayedMessage = { ...m, from, clientId: from };
    // A display name is the relay's alone (stamped on call requests), never what a client wrote.
    delete out.name;
    return out;
  }

  /** Sets (or, with null, clears if it is still in call `id`) a member's call, on the node that holds it. */
  setCall(sid: string, id: string, call: SocketCall | null): void {
    if (!this.applyLocal(sid, id, call) && this.multiNode && sid !== '') this.port.toNodes('rtc:call', sid, id, call);
  }

  applyLocal(sid: string, id: string, call: SocketCall | null): boolean {
    const s = this.local(sid);
    if (!s) return false;
    const d = s.data;
    const mine = d.call;
    // In or out of the line: the room's `queued` count moves, whoever the caller is.
    const lineMoved = mine?.state === 'queued' || call?.state === 'queued';
    if (mine?.state === 'queued' && call?.state !== 'queued') this.line.forget(sid);
    if (call) {
      if (mine && mine.id !== id) return true; // it has moved on to another call meanwhile
      d.call = call;
      if (call.state === 'bound' && call.peer !== '') this.stopWaiting(sid);
    } else if (mine?.id === id) {
      delete d.call;
      this.stopWaiting(sid);
    }
    if (d.incoming || lineMoved) this.presenceChanged(d.room);
    return true;
  }

  stopWaiting(sid: string): void {
    const t = this.waits.get(sid);
    if (t) {
      clearTimeout(t);
      this.waits.delete(sid);
    }
  }

  serial<T>(room: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(room, fn);
  }

  /** Work nobody awaits: its failure is logged, and close() waits for it. */
  track<T>(p: Promise<T>): Promise<T> {
    const q = p.catch((err: unknown) => this.log.error({ err }, 'call bookkeeping failed'));
    this.inflight.add(q);
    void q.then(() => this.inflight.delete(q));
    return p;
  }

  who(m: CallMember): Who {
    return { id: m.id, name: m.data.name, ...(m.data.sub ? { sub: m.data.sub } : {}) };
  }

  /** The current rejoin key of member `sid`'s side of `rec` (each side has its own). */
  keyOf(rec: BoundCall, sid: string): string {
    const side = (rec.sides[0] === sid ? 0 : 1) as Side;
    return this.opts.keys.mint(rec.room, rec.id, side, Math.max(0, rec.epochs[side]));
  }

  /** A member of `room` as the rules see it, on this node or (several nodes) another; undefined when it is not there. */
  async member(room: string, id: string): Promise<MemberView | undefined> {
    const s = this.local(id);
    if (s) return s.data.room === room ? viewOf(s) : undefined;
    if (!this.multiNode) return undefined;
    const r = await this.port.remote(id);
    return r?.data.room === room ? viewOf(r) : undefined;
  }

  /** Sends the room its presence soon; whoever came free (a call ended, a member joined) may take the head of the line. */
  presenceChanged(room: string): void {
    if (this.closed) return;
    this.line.pump(room);
    this.presence.changed(room);
  }

  private async sendPresence(room: string): Promise<void> {
    try {
      this.port.presence(room, presenceOf(await this.members(room)));
    } catch (err) {
      this.log.warn({ err, room }, 'presence not sent');
    }
  }
}
