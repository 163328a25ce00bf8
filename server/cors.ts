/**
 * The one origin rule for everything a page on another site touches: the bundle,
 * `/ice-servers` and Socket.IO's polling transport. (WebSocket upgrades are not
 * covered by CORS in browsers, so signaling.ts checks their Origin header itself.)
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

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
