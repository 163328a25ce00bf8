/**
 * Security headers for the relay's own HTTP routes (`/healthz`, `/ice-servers`, `/presence`,
 * `/metrics`), registered inside each route plugin so an app that hosts the relay keeps its own
 * headers on its own routes. The routes answer JSON or text, never a page: a policy that allows
 * nothing (no scripts, no framing), nosniff, no referrer. static.ts sets its own for the demo and
 * the bundle.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export async function apiHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    // Pages on other origins read /presence and /ice-servers (CORS decides which).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS is the TLS proxy's to set, for the names it serves.
    strictTransportSecurity: false,
  });
}
