/**
 * `GET /ice-servers`: STUN as configured and TURN with fresh credentials (turn.ts), in the
 * shape of ICE_CONFIG_SCHEMA from src/protocol.ts, the same schema the widget checks it with.
 */
import fp from 'fastify-plugin';
import { ICE_CONFIG_SCHEMA, type IceConfig } from '../src/protocol.js';
import { setCorsHeaders } from './cors.js';
import type { RelayOptions } from './options.js';
import { iceConfig } from './turn.js';

export type IceRouteOptions = Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy' | 'allowedOrigins'>;

export const iceRoutes = fp<IceRouteOptions>(
  async (app, opts) => {
    app.get('/ice-servers', { schema: { response: { 200: ICE_CONFIG_SCHEMA } } }, async (req, reply): Promise<IceConfig> => {
      setCorsHeaders(req, reply, opts.allowedOrigins);
      // Fresh credentials every time: never cache them in a browser or a proxy.
      reply.header('cache-control', 'no-store');
      return iceConfig(opts);
    });
    // A preflight only happens if a page adds custom headers; answer it anyway.
    app.options('/ice-servers', async (req, reply) => {
      setCorsHeaders(req, reply, opts.allowedOrigins);
      reply.header('access-control-allow-methods', 'GET, OPTIONS');
      reply.header('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    });
  },
  // Routes only: anything they may add later (hooks) stays in their own scope.
  { name: 'rtc-call-relay-ice-servers', fastify: '5.x', encapsulate: true },
);
