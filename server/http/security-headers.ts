/**
 * Security headers for the relay's own HTTP routes (`/healthz`, `/ice-servers`, `/presence`,
 * `/metrics`), registered inside each route plugin so an app that hosts the relay keeps its own
 * headers on its own routes. The routes answer JSON or text, never a page: a policy that allows
 * nothing (no scripts, no framing), nosniff, no referrer. static.ts sets its own for the demo and
 * the bundle. Answers that do not come from a route (the relay's 404, Socket.IO's HTTP answers:
 * polling, /socket.io/socket.io.js) get the same set through `PLAIN_HEADERS`.
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

/** What helmet sets above, for answers outside the route plugins (404, Socket.IO's own HTTP answers). */
export const PLAIN_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'cross-origin',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
