/** `GET /healthz`: what a load balancer polls. 200 while every named check passes, 503 naming the ones that fail. */
import fp from 'fastify-plugin';
import { apiHeaders } from './security-headers.js';

/** A named health check for /healthz; `ok: false` turns the answer into a 503 (e.g. Redis down). */
export type HealthCheck = () => { ok: boolean; detail?: string } | Promise<{ ok: boolean; detail?: string }>;

export interface HealthRouteOptions {
  /** Read at every request, so checks added after registration count. */
  checks: ReadonlyMap<string, HealthCheck>;
  /** Socket.IO clients connected to this node. */
  sockets(): number;
  /** Rooms with at least one member on this node. */
  rooms(): number;
}

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unhealthy'] },
    sockets: { type: 'integer' },
    rooms: { type: 'integer' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['status', 'sockets', 'rooms'],
} as const;

/** Runs every check; the failing ones by name with why (a check that throws fails with its message). */
async function failingChecks(checks: ReadonlyMap<string, HealthCheck>): Promise<Record<string, string>> {
  const failed: Record<string, string> = {};
  await Promise.all(
    [...checks].map(async ([name, check]) => {
      try {
        const r = await check();
        if (!r.ok) failed[name] = r.detail ?? 'failing';
      } catch (err) {
        failed[name] = err instanceof Error ? err.message : String(err);
      }
    }),
  );
  return failed;
}

export const healthRoutes = fp<HealthRouteOptions>(
  async (app, o) => {
    await apiHeaders(app);
    // Load balancers poll this every few seconds: keep it out of the info-level request log.
    app.get('/healthz', { logLevel: 'warn', schema: { response: { 200: healthSchema, 503: healthSchema } } }, async (_req, reply) => {
      const failed = await failingChecks(o.checks);
      const ok = Object.keys(failed).length === 0;
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unhealthy',
        sockets: o.sockets(),
        rooms: o.rooms(),
        ...(ok ? {} : { checks: failed }),
      });
    });
  },
  // Routes only: anything they may add later (hooks) stays in their own scope.
  { name: 'rtc-call-relay-health', fastify: '5.x', encapsulate: true },
);
