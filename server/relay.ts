/**
 * The relay as a Fastify plugin (`relayPlugin`, for an existing Fastify app) and as a
 * ready-made app (`buildRelay`, what the CLI and the tests run): Socket.IO attached to
 * Fastify's HTTP server, `/healthz`, `/ice-servers`, and (buildRelay only) the demo and
 * the widget bundle as static files.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { Server } from 'socket.io';
import { ICE_CONFIG_SCHEMA, LIMITS, type IceConfig } from '../src/protocol.js';
import { originAllowed, setCorsHeaders } from './cors.js';
import { resolveOptions, type RelayOptions } from './options.js';
import { Rooms } from './rooms.js';
import { registerMetrics } from './metrics.js';
import { attachRedis } from './redis.js';
import { attachSignaling, newStats, type SignalingStats } from './signaling.js';
import { staticFiles, type StaticDirs } from './static.js';
import { describeIce, iceConfig } from './turn.js';
import type { RelayServer } from './types.js';

/** A named health check for /healthz; `ok: false` turns the answer into a 503 (e.g. Redis down). */
export type HealthCheck = () => { ok: boolean; detail?: string } | Promise<{ ok: boolean; detail?: string }>;

/** What the plugin decorates the app with as `app.relay`. */
export interface RelayContext {
  options: RelayOptions;
  io: RelayServer;
  rooms: Rooms;
  /** Messages relayed by type and refusals by code, since start (for /metrics). */
  stats: SignalingStats;
  addHealthCheck(name: string, check: HealthCheck): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    io: RelayServer;
    relay: RelayContext;
  }
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

const relayPluginImpl: FastifyPluginAsync<Partial<RelayOptions>> = async (app, partial) => {
  const opts = resolveOptions(partial);
  if (app.hasDecorator('io')) throw new Error('relayPlugin is already registered on this app');

  const io: RelayServer = new Server(app.server, {
    path: opts.socketPath,
    // Serves /socket.io/socket.io.js as a stock Socket.IO server does, for pages written like the
    // tutorial that load the client from their signaling server.
    serveClient: true,
    // Caps a whole frame (SDP + envelope) before it is parsed; a bigger one closes the socket.
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // ~236 KB of zlib state per socket when on; signaling payloads are small anyway.
    perMessageDeflate: false,
    transports: ['websocket', 'polling'],
    cors: { origin: opts.allowedOrigins === '*' ? '*' : [...opts.allowedOrigins], methods: ['GET', 'POST'] },
    // CORS covers polling only; browsers send Origin on WebSocket upgrades but do not enforce it.
    allowRequest: (req, cb) => {
      const ok = originAllowed(opts.allowedOrigins, req.headers.origin);
      cb(ok ? null : `origin ${req.headers.origin} is not in ALLOWED_ORIGINS`, ok);
    },
  });
  const rooms = new Rooms(io, opts.roomSize);
  // Several nodes: Socket.IO's Redis adapter, before any socket connects (server/redis.ts).
  const redis = opts.redisUrl ? await attachRedis(io, { url: opts.redisUrl, log: app.log, heartbeatMs: opts.redisHeartbeatMs }) : undefined;
  if (redis) rooms.recheck = redis.admitted;
  const stats = newStats();
  const signaling = attachSignaling(io, opts, rooms, stats, app.log);
  const checks = new Map<string, HealthCheck>();

  app.decorate('io', io);
  app.decorate('relay', {
    options: opts,
    io,
    rooms,
    stats,
    addHealthCheck: (name: string, check: HealthCheck) => void checks.set(name, check),
  } satisfies RelayContext);

  registerMetrics(app, { redisUp: redis?.isUp });
  if (redis) {
    checks.set('redis', redis.health);
    // onClose runs after preClose's shutdown, so peers on other nodes still hear peer-left.
    app.addHook('onClose', () => redis.close());
  }

  app.log.info(`ICE: ${describeIce(opts)}`);
  if (opts.allowedOrigins === '*') {
    const msg = 'ALLOWED_ORIGINS is unset: pages on any origin may use this relay';
    if (process.env.NODE_ENV === 'production') app.log.warn(`${msg}; set ALLOWED_ORIGINS=https://your.site in production`);
    else app.log.info(msg);
  }

  // preClose, not onClose: Fastify waits for open connections before onClose runs,
  // and Socket.IO's are open until we close them.
  app.addHook('preClose', async () => {
    await signaling.shutdown(opts.shutdownGraceMs);
  });

  // Load balancers poll this every few seconds: keep it out of the info-level request log.
  app.get('/healthz', { logLevel: 'warn', schema: { response: { 200: healthSchema, 503: healthSchema } } }, async (_req, reply) => {
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
    const ok = Object.keys(failed).length === 0;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unhealthy',
      sockets: io.engine.clientsCount,
      rooms: rooms.localRoomCount,
      ...(ok ? {} : { checks: failed }),
    });
  });

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
};

/** Mark the plugin as not encapsulated (what fastify-plugin does) so `app.io` / `app.relay` are visible to the caller. */
export const relayPlugin = Object.assign(relayPluginImpl, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'rtc-call-relay',
});

export interface BuildRelayOptions extends Partial<RelayOptions> {
  /** Directories served at `/`: the demo and the built widget; false serves nothing. Default: this package's demo/ and dist/. */
  staticDirs?: StaticDirs | false;
}

/**
 * The whole relay as a Fastify app, not yet listening: `await (await buildRelay(o)).listen({ port: 0 })`.
 * Throws a ConfigError for bad options.
 */
export async function buildRelay(options: BuildRelayOptions = {}): Promise<FastifyInstance> {
  const { staticDirs, ...partial } = options;
  const opts = resolveOptions(partial);
  const app = Fastify({
    logger: opts.logLevel === 'silent' ? false : { level: opts.logLevel },
    // The relay is usually behind a TLS proxy; it only reads the path, never trusts X-Forwarded-*.
    trustProxy: false,
  });
  await app.register(relayPlugin, opts);
  if (staticDirs !== false) await app.register(staticFiles, { dirs: staticDirs, allowedOrigins: opts.allowedOrigins });
  return app;
}
