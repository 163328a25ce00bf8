/**
 * Prometheus metrics for one relay instance (served at `GET /metrics` by http/metrics-route.ts).
 *
 * Each relay gets its OWN prom-client Registry, never the global default one, so two
 * relays in one process (the tests, an app embedding two) don't clash over metric
 * names. Every series carries a `node` label, so a Prometheus scraping several nodes
 * behind one Redis can tell them apart and sum them.
 *
 * Nothing here runs per message: the signaling path only bumps plain integers in
 * `SignalingStats`; they are copied into prom-client counters at scrape time.
 */
import { hostname } from 'node:os';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { SignalingStats } from './stats.js';

export interface MetricsOptions {
  /** The `node` label; default `<hostname>:<pid>` (plus `/<n>` for a second relay in the same process). */
  node?: string;
  /** The relay's running totals (messages relayed by type, refusals by code). */
  stats: SignalingStats;
  /** Socket.IO clients connected to THIS node right now (read at scrape time). */
  sockets: () => number;
  /** Rooms with at least one client on THIS node right now (read at scrape time). */
  rooms: () => number;
  /** true while the Redis adapter's connections are up; omitted in-memory (no series then). */
  redisUp?: () => boolean;
  /** Node.js process metrics (memory, event-loop lag, GC) too; default true. */
  processMetrics?: boolean;
}

export interface RelayMetrics {
  readonly registry: Registry;
  readonly node: string;
  /** The Prometheus text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

let instances = 0;

/** Copies the growth of `totals` since the last scrape into `counter` (counters only go up). */
function syncCounter(counter: Counter<string>, label: string, totals: Record<string, number>, reported: Map<string, number>): void {
  for (const key of Object.keys(totals)) {
    const total = totals[key];
    // inc(…, 0) still creates the series, so every type/code is visible from the first scrape.
    counter.inc({ [label]: key }, Math.max(0, total - (reported.get(key) ?? 0)));
    reported.set(key, total);
  }
}

export function createMetrics(opts: MetricsOptions): RelayMetrics {
  const n = instances++;
  const node = opts.node ?? `${hostname()}:${process.pid}${n ? `/${n}` : ''}`;
  const registry = new Registry();
  registry.setDefaultLabels({ node });
  const { stats } = opts;
  const relayedReported = new Map<string, number>();
  const refusedReported = new Map<string, number>();
  const callsReported = new Map<string, number>();

  new Gauge({
    name: 'rtc_relay_connected_sockets',
    help: 'Socket.IO clients connected to this node.',
    registers: [registry],
    collect() {
      this.set(opts.sockets());
    },
  });
  new Gauge({
    name: 'rtc_relay_rooms',
    help: 'Rooms with at least one client on this node.',
    registers: [registry],
    collect() {
      this.set(opts.rooms());
    },
  });
  new Counter({
    name: 'rtc_relay_messages_relayed_total',
    help: 'Signaling messages relayed by this node (sent by one of its clients), by type.',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      syncCounter(this, 'type', stats.relayed, relayedReported);
    },
  });
  new Counter({
    name: 'rtc_relay_refusals_total',
    help: 'Refusals sent by this node (error events and refused handshakes), by code.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      syncCounter(this, 'code', stats.refused, refusedReported);
    },
  });
  new Counter({
    name: 'rtc_relay_calls_total',
    help: 'Call requests seen by this node, by what became of them: requested, answered, declined, cancelled, missed.',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      syncCounter(this, 'event', stats.calls, callsReported);
    },
  });
  if (opts.redisUp) {
    const up = opts.redisUp;
    new Gauge({
      name: 'rtc_relay_redis_up',
      help: '1 while this node is connected to Redis (the Socket.IO adapter), 0 during an outage.',
      registers: [registry],
      collect() {
        this.set(up() ? 1 : 0);
      },
    });
  }
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'rtc_relay_' });

  return {
    registry,
    node,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
