/**
 * The call lifecycle as the call service reports it (CallEvents), turned into webhook events: each
 * point records what the event needs (MetaStore) and queues the event. The call service calls these
 * where a step was decided (atomically, on one node), and never waits for them: a slow Redis or
 * receiver never delays a call. With no webhooks configured the relay uses NO_EVENTS.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CallSummaryReport } from '../../src/protocol/index.js';
import type { BoundCall, QueuedCall, RingingCall } from '../calls/rules.js';
import { KeyedQueue } from '../calls/keyed-queue.js';
import * as E from './events.js';
import type { JobQueue } from './queue.js';
import type { MetaStore } from './store.js';

/** A socket as the events need it: its id, its display name and its token's `sub`. */
export interface Who {
  id: string;
  name: string;
  sub?: string;
}

export type SummaryVerdict = 'kept' | 'not-yours' | 'repeated';

export interface CallEvents {
  /** A request opened (not a re-sent one); without `caller`, one that waited in line and rings now (call.queued said who). */
  requested(rec: RingingCall, caller?: Who): void;
  /** A request entered the room's line at `position` (1 = next; not a re-sent one). */
  queued(rec: QueuedCall, caller: Who, position: number): void;
  /** `acceptor` won the call `ringing` was. */
  answered(ringing: RingingCall, acceptor: Who): void;
  /** `by` declined; `final`: nobody is left ringing, the request closed. */
  declined(rec: RingingCall, by: Who, final: boolean): void;
  /** The request closed unanswered, ringing or waiting in line (`caller`: one refused at once, never stored). */
  missed(rec: RingingCall | QueuedCall, reason: E.MissedReason, caller?: Who): void;
  /** A bound call ended; `by` is the socket of the side that hung up or went ('' when unknown). */
  ended(room: string, call: string, by: string, reason: E.EndReason): void;
  /** A side came back on a new socket (its summary may come from it). */
  rebound(rec: BoundCall): void;
  /** A side's `call-summary`: kept once per side, only from a socket of that call. */
  summary(room: string, from: string, report: CallSummaryReport): Promise<SummaryVerdict>;
  close(): Promise<void>;
}

export const NO_EVENTS: CallEvents = {
  requested() {},
  queued() {},
  answered() {},
  declined() {},
  missed() {},
  ended() {},
  rebound() {},
  // Without webhooks a summary has nowhere to go: taken and dropped, never refused.
  summary: async () => 'kept',
  close: async () => {},
};

const party = (w: Who): E.Party => ({ name: w.name, sub: w.sub ?? null });

/** What a request says of its call when its meta is not (yet) stored: no `sub` of the caller. */
const metaOf = (rec: RingingCall | QueuedCall): E.CallMeta => ({
  room: rec.room,
  call: rec.id,
  kind: rec.kind,
  requestedAt: rec.state === 'queued' ? rec.queuedAt : rec.opened,
  caller: { name: rec.name, sub: null },
  callerSockets: [rec.caller],
  answererSockets: [],
});

export interface SinkOptions {
  /** call.ended waits this long for both sides' summaries before it is sent (ms). */
  summaryWaitMs: number;
  /** Endpoints each event goes to. */
  urls: number;
  /** An event was queued: deliver soon. */
  queued: () => void;
}

export class WebhookEvents implements CallEvents {
  /** One call's events run in order on this node (requested before answered before ended). */
  private readonly order = new KeyedQueue();
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly store: MetaStore,
    private readonly queue: JobQueue,
    private readonly log: FastifyBaseLogger,
    private readonly o: SinkOptions,
  ) {}

  private run(room: string, call: string, work: () => Promise<void>): void {
    const p = this.order.run(`${room}\n${call}`, work).catch((err: unknown) => this.log.error({ err, room, call }, 'webhooks: event not queued'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async emit(ev: E.WebhookEvent, due = Date.now()): Promise<void> {
    if (await this.queue.add(ev, this.o.urls, due)) this.o.queued();
  }

  private async meta(rec: RingingCall | QueuedCall): Promise<E.CallMeta> {
    return (await this.store.get(rec.room, rec.id)).meta ?? metaOf(rec);
  }

  requested(rec: RingingCall, caller?: Who): void {
    this.run(rec.room, rec.id, async () => {
      const meta: E.CallMeta = caller ? { ...metaOf(rec), caller: party({ ...caller, name: rec.name }) } : await this.meta(rec);
      meta.callerSockets = [...new Set([...meta.callerSockets, rec.caller])];
      await this.store.put(meta);
      await this.emit(E.requested(meta, rec.rung.length));
    });
  }

  queued(rec: QueuedCall, caller: Who, position: number): void {
    this.run(rec.room, rec.id, async () => {
      const meta: E.CallMeta = { ...metaOf(rec), caller: party({ ...caller, name: rec.name }) };
      await this.store.put(meta);
      await this.emit(E.queued(meta, rec.queuedAt, position));
    });
  }

  answered(ringing: RingingCall, acceptor: Who): void {
    const at = Date.now();
    this.run(ringing.room, ringing.id, async () => {
      const meta: E.CallMeta = { ...(await this.meta(ringing)), answerer: party(acceptor), answeredAt: at, answererSockets: [acceptor.id] };
      meta.callerSockets = [...new Set([...meta.callerSockets, ringing.caller])];
      await this.store.put(meta);
      await this.emit(E.answered(meta));
    });
  }

  declined(rec: RingingCall, by: Who, final: boolean): void {
    const at = Date.now();
    this.run(rec.room, rec.id, async () => this.emit(E.declined(await this.meta(rec), at, party(by), by.id, final)));
  }

  missed(rec: RingingCall | QueuedCall, reason: E.MissedReason, caller?: Who): void {
    const at = Date.now();
    this.run(rec.room, rec.id, async () => this.emit(E.missed(caller ? { ...metaOf(rec), caller: party(caller) } : await this.meta(rec), at, reason)));
  }

  ended(room: string, call: string, by: string, reason: E.EndReason): void {
    const at = Date.now();
    this.run(room, call, async () => {
      const { meta } = await this.store.get(room, call);
      // A call this relay never saw answered (rejoined after Redis itself was emptied): nothing to say who was in it.
      if (!meta?.answeredAt) return void this.log.debug({ room, call }, 'webhooks: call.ended of an unknown call not sent');
      const side = meta.callerSockets.includes(by) ? 'caller' : meta.answererSockets.includes(by) ? 'answerer' : null;
      await this.emit(E.ended(meta, at, side, reason), at + this.o.summaryWaitMs);
    });
  }

  rebound(rec: BoundCall): void {
    this.run(rec.room, rec.id, async () => {
      const { meta } = await this.store.get(rec.room, rec.id);
      if (!meta) return;
      const [caller, answerer] = rec.sides;
      if (caller) meta.callerSockets = [...new Set([...meta.callerSockets, caller])];
      if (answerer) meta.answererSockets = [...new Set([...meta.answererSockets, answerer])];
      await this.store.put(meta);
    });
  }

  async summary(room: string, from: string, report: CallSummaryReport): Promise<SummaryVerdict> {
    const { call, ...s } = report;
    const { meta } = await this.store.get(room, call);
    const side = meta?.answeredAt === undefined ? null : meta.callerSockets.includes(from) ? 'caller' : meta.answererSockets.includes(from) ? 'answerer' : null;
    if (!side) return 'not-yours';
    return (await this.store.addSummary(room, call, side, s)) ? 'kept' : 'repeated';
  }

  async close(): Promise<void> {
    await Promise.all(this.inflight);
  }
}
