/**
 * `GET /ice-servers`: STUN as configured and TURN with fresh credentials (turn.ts), in the
 * shape of ICE_CONFIG_SCHEMA from src/protocol/payloads.ts, the same schema the widget checks it with.
 * For tutorial-style pages: the widget gets its ICE servers over its socket, with credentials
 * named after the caller. So the route is off where tokens are required (anyone may call it),
 * unless PUBLIC_ICE_SERVERS=on, and it mints within each address's budget (limits.ts), each
 * credential named after the address.
 */
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';
import { ICE_CONFIG_SCHEMA, type IceConfig } from '../../src/protocol/index.js';
import { corsPreflight, setCorsHeaders } from './cors.js';
import type { RelayOptions } from '../config/options.js';
import { callerIceConfig } from '../tokens/turn.js';
import { apiHeaders } from './security-headers.js';

export interface IceRouteOptions extends Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy' | 'allowedOrigins' | 'publicIceServers'> {
  /** Whether this request's address may have one more credential now. */
  mayMint: (req: IncomingMessage) => boolean;
  /** The address key the limits count the request under: its credential is named after it (turn.ts). */
  addressOf: (req: IncomingMessage) => string;
}

/** Seconds a refused client waits before asking again (a minute's budget refills over a minute). */
const RETRY_AFTER_S = 30;

const ERROR_SCHEMA = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export const iceRoutes = fp<IceRouteOptions>(
  async (app, opts) => {
    await apiHeaders(app);
    app.get(
      '/ice-servers',
      { schema: { response: { 200: ICE_CONFIG_SCHEMA, 403: ERROR_SCHEMA, 429: ERROR_SCHEMA } } },
      async (req, reply): Promise<IceConfig | { code: string; message: string }> => {
        setCorsHeaders(req, reply, opts.allowedOrigins);
        // Fresh credentials every time: never cache them in a browser or a proxy.
        reply.header('cache-control', 'no-store');
        if (!opts.publicIceServers) {
          return reply.code(403).send({
            code: 'unauthorized',
            message:
              'GET /ice-servers is off on this relay: ICE servers come with client-id on the socket (protocol 2), for sockets that passed the handshake; the operator turns this route on with PUBLIC_ICE_SERVERS=on',
          });
        }
        if (!opts.mayMint(req.raw)) {
          reply.header('retry-after', String(RETRY_AFTER_S));
          return reply.code(429).send({ code: 'rate-limited', message: 'too many ICE configurations for your address; ask again later' });
        }
        // Named after the address: coturn's --user-quota holds all of one address's credentials together.
        return callerIceConfig(opts, { address: opts.addressOf(req.raw) });
      },
    );
    // A preflight only happens if a page adds custom headers; answer it anyway.
    corsPreflight(app, '/ice-servers', opts.allowedOrigins);
  },
  // Routes only: anything they may add later (hooks) stays in their own scope.
  { name: 'rtc-call-relay-ice-servers', fastify: '5.x', encapsulate: true },
);
