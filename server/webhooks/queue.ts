/**
 * The webhook delivery queue: one job per event and endpoint, each due at a time, leased to
 * one node while it is being delivered (its due time moves past the lease; a node that dies
 * mid-delivery lets the lease run out, and the job is due again for whichever node polls
 * next). This file: the interface and the in-memory queue of a single process, whose jobs live
 * as long as the process does. redis-queue.ts keeps them in Redis.
 */
import type { WebhookEvent } from './events.js';

export interface Job {
  /** `${event id}#${endpoint index}` */
  key: string;
  event: WebhookEvent;
  /** Index into the configured endpoints. */
  url: number;
  /** Failed attempts so far. */
  attempts: number;
  /** When the event was queued (ms): it is given up after the retry window. */
  queuedAt: number;
}

/** How long an event id is remembered after it was queued: the same event queued again within it is ignored. */
export const SEEN_MS = 48 * 3600_000;

export interface JobQueue {
  /** Queues `ev` for endpoints 0..urls-1, due at `due`; false when that event id was queued already. */
  add(ev: WebhookEvent, urls: number, due: number): Promise<boolean>;
  /** At most `max` jobs due at `now`, leased to the caller until now + leaseMs. */
  claim(now: number, max: number, leaseMs: number): Promise<Job[]>;
  /** From now on the event is sent as `ev` (call.ended with its summaries, frozen before its first attempt). */
  freeze(ev: WebhookEvent): Promise<void>;
  /** Delivered, or given up: the job goes. */
  done(job: Job): Promise<void>;
  /** Failed: due again at `at`, one more attempt counted. */
  retry(job: Job, at: number): Promise<void>;
  close(): void;
}

export const jobKey = (id: string, url: number): string => `${id}#${url}`;
export const splitKey = (key: string): [string, number] => {
  const i = key.lastIndexOf('#');
  return [key.slice(0, i), Number(key.slice(i + 1))];
};

export class MemoryQueue implements JobQueue {
  private readonly events = new Map<string, { ev: WebhookEvent; queuedAt: number; jobs: number }>();
  private readonly jobs = new Map<string, { due: number; attempts: number }>();
  private readonly seen = new Map<string, number>();

  async add(ev: WebhookEvent, urls: number, due: number): Promise<boolean> {
    const now = Date.now();
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
    if (this.seen.has(ev.id)) return false;
    this.seen.set(ev.id, now + SEEN_MS);
    this.events.set(ev.id, { ev, queuedAt: now, jobs: urls });
    for (let i = 0; i < urls; i++) this.jobs.set(jobKey(ev.id, i), { due, attempts: 0 });
    return true;
  }

  async claim(now: number, max: number, leaseMs: number): Promise<Job[]> {
    const out: Job[] = [];
    for (const [key, j] of this.jobs) {
      if (out.length >= max) break;
      if (j.due > now) continue;
      const [id, url] = splitKey(key);
      const e = this.events.get(id);
      if (!e) continue;
      j.due = now + leaseMs;
      out.push({ key, event: e.ev, url, attempts: j.attempts, queuedAt: e.queuedAt });
    }
    return out;
  }

  async freeze(ev: WebhookEvent): Promise<void> {
    const e = this.events.get(ev.id);
    if (e) e.ev = ev;
  }

  async done(job: Job): Promise<void> {
    if (!this.jobs.delete(job.key)) return;
    const e = this.events.get(job.event.id);
    if (e && --e.jobs <= 0) this.events.delete(job.event.id);
  }

  async retry(job: Job, at: number): Promise<void> {
    const j = this.jobs.get(job.key);
    if (j) {
      j.due = at;
      j.attempts++;
    }
  }

  /** Jobs waiting (for tests and shutdown logs). */
  get size(): number {
    return this.jobs.size;
  }

  close(): void {}
}
