/**
 * The one origin rule for everything a page on another site touches: the bundle,
 * `/ice-servers` and Socket.IO's polling transport. (WebSocket upgrades are not
 * covered by CORS in browsers, so signaling.ts checks their Origin header itself.)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type AllowedOrigins = '*' | readonly string[];

/** True when a request from `origin` may use the relay. No Origin header = not a browser page: allowed. */
export const originAllowed = (allowed: AllowedOrigins, origin: string | undefined): boolean =>
  allowed === '*' || origin === undefined || allowed.includes(origin);

/** Sets Access-Control-Allow-Origin for an allowed origin (credentials are never used, so '*' is safe). */
export function setCorsHeaders(req: FastifyRequest, reply: FastifyReply, allowed: AllowedOrigins): void {
  if (allowed === '*') {
    reply.header('access-control-allow-origin', '*');
    return;
  }
  // The answer depends on the Origin header: caches must key on it.
  reply.header('vary', 'Origin');
  const origin = req.headers.origin;
  if (origin !== undefined && allowed.includes(origin)) reply.header('access-control-allow-origin', origin);
}

/**
 * Answers the CORS preflight of a GET route: a page that adds a header (Authorization, say) makes its
 * browser ask first. The headers it asks for are allowed; the answer may be cached for 10 minutes.
 */
export function corsPreflight(app: FastifyInstance, path: string, allowed: AllowedOrigins): void {
  app.options(path, async (req, reply) => {
    setCorsHeaders(req, reply, allowed);
    reply.header('access-control-allow-methods', 'GET, OPTIONS');
    reply.header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '');
    reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });
}
