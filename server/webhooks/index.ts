/**
 * Webhooks (WEBHOOK_URL, WEBHOOK_SECRET; docs/relay.md, "Webhooks"): the call events the call service (calls/service.ts)
 * reports, signed per Standard Webhooks and delivered at least once. With Redis the events and
 * what they need of each call live in Redis (any node delivers what a killed node queued);
 * without, in this process, retried while it lives.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { createClient } from 'redis';
import type { RelayOptions } from '../config/options.js';
import { Deliverer } from './deliverer.js';
import { MemoryQueue, type JobQueue } from './queue.js';
import { RedisQueue } from './redis-queue.js';
import { Sender } from './sender.js';
import { NO_EVENTS, WebhookEvents, type CallEvents } from './sink.js';
import { MemoryMetaStore, RedisMetaStore, type MetaStore } from './store.js';

export { NO_EVENTS, type CallEvents, type Who } from './sink.js';

export interface Webhooks {
  events: CallEvents;
  deliverer?: Deliverer;
  /** Stops delivering (what is queued stays queued: in Redis, for the next node). */
  close(): Promise<void>;
}

export interface WebhookRedis {
  client: ReturnType<typeof createClient>;
  prefix: string;
}

export function createWebhooks(o: RelayOptions, log: FastifyBaseLogger, redis?: WebhookRedis): Webhooks {
  if (!o.webhookUrls.length || !o.webhookSecret) return { events: NO_EVENTS, close: async () => {} };
  const d = o.webhookDelivery;
  const store: MetaStore = redis ? new RedisMetaStore(redis.client, redis.prefix) : new MemoryMetaStore();
  const queue: JobQueue = redis ? new RedisQueue(redis.client, redis.prefix, d.retry.maxAgeMs + 3600_000) : new MemoryQueue();
  const deliverer = new Deliverer(queue, store, new Sender(o.webhookSecret, d.timeoutMs), log, {
    urls: o.webhookUrls,
    retry: d.retry,
    pollMs: d.pollMs,
    leaseMs: d.leaseMs,
    concurrency: d.concurrency,
  });
  const events = new WebhookEvents(store, queue, log, { summaryWaitMs: d.summaryWaitMs, urls: o.webhookUrls.length, queued: () => deliverer.kick() });
  log.info(`webhooks: call events go to ${o.webhookUrls.length} endpoint(s)${redis ? ', queued in Redis' : ', queued in memory (retries last while this process runs)'}`);
  return {
    events,
    deliverer,
    async close() {
      await events.close();
      await deliverer.close();
      store.close();
      queue.close();
    },
  };
}
