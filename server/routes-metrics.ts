/**
 * `GET /metrics`: the Prometheus text of one relay's registry (metrics.ts). A plugin of its
 * own so it can be served from another listener than the public one.
 */
import fp from 'fastify-plugin';
import type { RelayMetrics } from './metrics.js';

export interface MetricsRouteOptions {
  metrics: RelayMetrics;
}

export const metricsRoutes = fp<MetricsRouteOptions>(
  async (app, { metrics }) => {
    // Scraped every few seconds: keep it out of the info-level request log.
    app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  },
  // Routes only: anything they may add later (an auth hook) stays in their own scope.
  { name: 'rtc-call-relay-metrics', fastify: '5.x', encapsulate: true },
);
