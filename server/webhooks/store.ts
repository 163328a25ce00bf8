/**
 * What the relay keeps of each call for its events: the call's CallMeta (who called, who
 * answered, when) and each side's summary. In memory for one process; in Redis with several
 * nodes, because a call is requested on one node, answered on another, and may end on a third
 * (a killed node's peer gives up waiting on its own node). A summary is kept once per side
 * (HSETNX): a second report of the same side is refused.
 */
import type { createClient } from 'redis';
import type { CallSummaryReport } from '../../src/protocol/index.js';
import type { CallMeta, Side } from './events.js';

type RedisClient = ReturnType<typeof createClient>;
export type Summary = Omit<CallSummaryReport, 'call'>;
export type Summaries = Partial<Record<Side, Summary>>;

/** How long a call's meta is kept after its last change: longer than any call the relay keeps (BOUND_TTL_MS). */
export const META_TTL_MS = 25 * 3600_000;

export interface MetaStore {
  get(room: string, call: string): Promise<{ meta?: CallMeta; summaries: Summaries }>;
  put(meta: CallMeta): Promise<void>;
  /** Keeps `side`'s summary unless it has one already (then false). */
  addSummary(room: string, call: string, side: Side, s: Summary): Promise<boolean>;
  close(): void;
}

const k = (room: string, call: string): string => `${room}\n${call}`;

export class MemoryMetaStore implements MetaStore {
  private readonly calls = new Map<string, { meta?: CallMeta; summaries: Summaries; until: number }>();
  private readonly sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, e] of this.calls) if (e.until <= now) this.calls.delete(key);
  }, 60_000).unref();

  private entry(room: string, call: string): { meta?: CallMeta; summaries: Summaries; until: number } {
    let e = this.calls.get(k(room, call));
    if (!e) this.calls.set(k(room, call), (e = { summaries: {}, until: 0 }));
    e.until = Date.now() + META_TTL_MS;
    return e;
  }

  async get(room: string, call: string): Promise<{ meta?: CallMeta; summaries: Summaries }> {
    const e = this.calls.get(k(room, call));
    return e ? { ...(e.meta ? { meta: e.meta } : {}), summaries: { ...e.summaries } } : { summaries: {} };
  }

  async put(meta: CallMeta): Promise<void> {
    this.entry(meta.room, meta.call).meta = meta;
  }

  async addSummary(room: string, call: string, side: Side, s: Summary): Promise<boolean> {
    const e = this.entry(room, call);
    if (e.summaries[side]) return false;
    e.summaries[side] = s;
    return true;
  }

  close(): void {
    clearInterval(this.sweep);
  }
}

export class RedisMetaStore implements MetaStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(room: string, call: string): string {
    return `${this.prefix}:wh:call:{${room}}:${call}`;
  }

  async get(room: string, call: string): Promise<{ meta?: CallMeta; summaries: Summaries }> {
    const h = await this.redis.hGetAll(this.key(room, call));
    const summaries: Summaries = {};
    if (h.caller) summaries.caller = JSON.parse(h.caller) as Summary;
    if (h.answerer) summaries.answerer = JSON.parse(h.answerer) as Summary;
    return h.meta ? { meta: JSON.parse(h.meta) as CallMeta, summaries } : { summaries };
  }

  async put(meta: CallMeta): Promise<void> {
    const key = this.key(meta.room, meta.call);
    await this.redis.multi().hSet(key, 'meta', JSON.stringify(meta)).pExpire(key, META_TTL_MS).exec();
  }

  async addSummary(room: string, call: string, side: Side, s: Summary): Promise<boolean> {
    const key = this.key(room, call);
    const [set] = await this.redis.multi().hSetNX(key, side, JSON.stringify(s)).pExpire(key, META_TTL_MS).exec();
    return Number(set) === 1;
  }

  close(): void {}
}
