/**
 * Where the relay keeps its calls: every open call request and every bound call, by room and
 * call id. Each change is one atomic step of records.ts applied to the record (claim,
 * decline, cancel, ...), so two nodes changing one call at once cannot both win. In memory for
 * one process (this file); in Redis for several nodes (cluster/calls.ts).
 */
import { recordTtl, type CallRecord, type QueuedCall, type RingingCall, type StepFn } from './rules.js';
import { lineOrder } from './queue-rules.js';

export interface CallRegistry {
  get(room: string, id: string): Promise<CallRecord | undefined>;
  /** Applies `step` to the call's record atomically and returns what it said. */
  update<R>(room: string, id: string, step: StepFn<R>): Promise<R>;
  /** The call requests ringing in `room` now, oldest first. */
  ringingIn(room: string): Promise<RingingCall[]>;
  /** The room's line: the call requests waiting in it, head first (queue-rules.ts lineOrder). */
  queuedIn(room: string): Promise<QueuedCall[]>;
  close(): Promise<void>;
}

/** One process: a Map per room, records dropped when their time is up (recordTtl). */
export class MemoryCallRegistry implements CallRegistry {
  private readonly rooms = new Map<string, Map<string, { rec: CallRecord; until: number }>>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweep = setInterval(() => {
      for (const [room, calls] of this.rooms) for (const id of calls.keys()) this.live(room, id);
    }, 60_000);
    this.sweep.unref();
  }

  private live(room: string, id: string): CallRecord | undefined {
    const calls = this.rooms.get(room);
    const e = calls?.get(id);
    if (e && e.until <= this.now()) {
      this.drop(room, id);
      return undefined;
    }
    return e?.rec;
  }

  private drop(room: string, id: string): void {
    const calls = this.rooms.get(room);
    if (!calls) return;
    calls.delete(id);
    if (calls.size === 0) this.rooms.delete(room);
  }

  async get(room: string, id: string): Promise<CallRecord | undefined> {
    return this.live(room, id);
  }

  async update<R>(room: string, id: string, step: StepFn<R>): Promise<R> {
    const rec = this.live(room, id);
    const now = this.now();
    const { next, out } = step(rec, now);
    if (next === undefined) this.drop(room, id);
    else if (next !== rec) {
      let calls = this.rooms.get(room);
      if (!calls) this.rooms.set(room, (calls = new Map()));
      calls.set(id, { rec: next, until: now + recordTtl(next, now) });
    }
    return out;
  }

  async ringingIn(room: string): Promise<RingingCall[]> {
    const out: RingingCall[] = [];
    for (const id of [...(this.rooms.get(room)?.keys() ?? [])]) {
      const rec = this.live(room, id);
      if (rec?.state === 'ringing') out.push(rec);
    }
    return out.sort((a, b) => a.opened - b.opened);
  }

  async queuedIn(room: string): Promise<QueuedCall[]> {
    const out: QueuedCall[] = [];
    for (const id of [...(this.rooms.get(room)?.keys() ?? [])]) {
      const rec = this.live(room, id);
      if (rec?.state === 'queued') out.push(rec);
    }
    return out.sort(lineOrder);
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.rooms.clear();
  }
}
