/**
 * `GET /metrics`: the Prometheus text of one relay's registry (metrics.ts). A plugin of its
 * own so it can be served from another listener than the public one (METRICS_PORT), and with
 * a bearer token (METRICS_TOKEN). It says which node and process it is, so it is never public
 * by default (plugin.ts decides where it goes).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayMetrics } from './metrics.js';
import { apiHeaders } from './security-headers.js';

export interface MetricsRouteOptions {
  metrics: RelayMetrics;
  /** When set, a scrape needs `Authorization: Bearer <token>`. */
  token?: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares in constant time (over digests, so the lengths always match). */
const sameToken = (presented: string, expected: Buffer): boolean => timingSafeEqual(digest(presented), expected);

export const metricsRoutes = fp<MetricsRouteOptions>(
  async (app, { metrics, token }) => {
    const expected = token === undefined ? undefined : digest(token);
    await apiHeaders(app);
    // Scraped every few seconds: keep it out of the info-level request log.
    app.get('/metrics', { logLevel: 'warn' }, async (req, reply) => {
      if (expected) {
        const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
        if (!m || !sameToken(m[1]!, expected))
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="metrics"')
            .header('cache-control', 'no-store')
            .send({ error: 'Unauthorized', message: '/metrics needs Authorization: Bearer <METRICS_TOKEN>' });
      }
      const { contentType, body } = await metrics.render();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
  },
  // Routes only: anything they may add later stays in their own scope.
  { name: 'rtc-call-relay-metrics', fastify: '5.x', encapsulate: true },
);

export interface MetricsListenerOptions extends MetricsRouteOptions {
  /** Where Fastify logs (the relay's logger). */
  logger: FastifyBaseLogger;
}

/**
 * `GET /metrics` alone on a Fastify app of its own, for METRICS_PORT: a port that only the
 * scraper reaches (127.0.0.1 by default), apart from the public listener and its proxy.
 */
export async function metricsListener(o: MetricsListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: o.logger.child({ listener: 'metrics' }) });
  await app.register(metricsRoutes, { metrics: o.metrics, token: o.token });
  return app;
}
