/**
 * Delivers what the queue holds: polls for due jobs, sends each (call.ended gets its summaries
 * merged in first), and on failure schedules the next attempt with exponential backoff and
 * jitter until the retry window closes. Several nodes each run one over the same Redis queue;
 * the queue's lease gives each job to one of them at a time.
 */
import type { FastifyBaseLogger } from 'fastify';
import { redactUrl } from '../config/options.js';
import { withSummaries } from './events.js';
import type { Job, JobQueue } from './queue.js';
import type { Sender } from './sender.js';
import type { MetaStore } from './store.js';

export interface RetryPolicy {
  /** First retry after this (ms); each next one waits twice as long... */
  baseMs: number;
  /** ...up to this. */
  maxMs: number;
  /** An event not delivered this long after it was queued is given up (logged). */
  maxAgeMs: number;
}

export interface DelivererOptions {
  urls: string[];
  retry: RetryPolicy;
  /** How often the queue is polled for due jobs (ms). */
  pollMs: number;
  /** How long a claimed job is this node's before another node may take it (above the send timeout). */
  leaseMs: number;
  /** Jobs in flight at once on this node. */
  concurrency: number;
}

/** The wait before attempt `attempts + 1` (attempts ≥ 1 failed so far): doubling, capped, ±20 % jitter. */
export const backoff = (attempts: number, p: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, rand: () => number = Math.random): number =>
  Math.round(Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + 0.4 * rand()));

export class Deliverer {
  private readonly timer: NodeJS.Timeout;
  private readonly inflight = new Set<Promise<void>>();
  private polling = false;
  private closed = false;
  /** Delivered and given-up counts since start (tests, logs). */
  readonly counts = { delivered: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly queue: JobQueue,
    private readonly store: MetaStore,
    private readonly sender: Sender,
    private readonly log: FastifyBaseLogger,
    private readonly o: DelivererOptions,
  ) {
    this.timer = setInterval(() => this.kick(), o.pollMs);
    this.timer.unref();
  }

  /** Polls now (an event was just queued). */
  kick(): void {
    if (this.polling || this.closed) return;
    this.polling = true;
    void this.poll().finally(() => (this.polling = false));
  }

  private async poll(): Promise<void> {
    const free = this.o.concurrency - this.inflight.size;
    if (free <= 0) return;
    let jobs: Job[];
    try {
      jobs = await this.queue.claim(Date.now(), free, this.o.leaseMs);
    } catch (err) {
      // Redis down: the jobs wait there; the next poll tries again.
      return void this.log.debug({ err }, 'webhooks: queue not reachable');
    }
    for (const job of jobs) {
      const p = this.deliver(job).catch((err: unknown) => this.log.warn({ err }, 'webhooks: delivery bookkeeping failed'));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async deliver(job: Job): Promise<void> {
    let ev = job.event;
    if (ev.awaitsSummaries) {
      const { room, call } = ev.awaitsSummaries;
      ev = withSummaries(ev, (await this.store.get(room, call)).summaries);
      await this.queue.freeze(ev);
    }
    const url = this.o.urls[job.url];
    if (url === undefined) return this.queue.done(job);
    const r = await this.sender.send(url, ev);
    if (r.ok) {
      this.counts.delivered++;
      return this.queue.done(job);
    }
    this.counts.failed++;
    const attempts = job.attempts + 1;
    const at = Date.now() + backoff(attempts, this.o.retry);
    if (at - job.queuedAt > this.o.retry.maxAgeMs) {
      this.counts.dropped++;
      this.log.error({ id: ev.id, type: ev.type, url: redactUrl(url), attempts, why: r.why }, 'webhooks: event given up after its retry window');
      return this.queue.done(job);
    }
    this.log.warn({ id: ev.id, type: ev.type, url: redactUrl(url), attempts, why: r.why, retryInMs: at - Date.now() }, 'webhooks: delivery failed; retrying');
    await this.queue.retry(job, at);
  }

  /** Stops polling and waits (at most `ms`) for deliveries in flight; undelivered jobs stay queued. */
  async close(ms = 2000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.race([Promise.all(this.inflight), new Promise((r) => setTimeout(r, ms).unref())]);
  }
}
