/**
 * The relay as a Fastify plugin, for an existing Fastify app (buildRelay in build.ts wraps it
 * in an app of its own): Socket.IO on the app's HTTP server, the handshake checks, the
 * signaling, rooms and calls (over Redis when configured), and the routes `/healthz`, `/ice-servers`,
 * `/metrics`. Not encapsulated: the caller sees `app.io` and `app.relay`.
 */
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { MemoryCallRegistry, type CallRegistry } from './call-registry.js';
import { Calls } from './calls.js';
import { attachHandshake } from './handshake.js';
import { createMetrics, type RelayMetrics } from './metrics.js';
import { resolveOptions, type RelayOptions } from './options.js';
import { attachRedis } from './redis.js';
import { Rooms } from './rooms.js';
import { healthRoutes, type HealthCheck } from './routes-health.js';
import { iceRoutes } from './routes-ice.js';
import { metricsRoutes } from './routes-metrics.js';
import { attachSignaling } from './signaling.js';
import { createSocketServer } from './socket-server.js';
import { newStats, type SignalingStats } from './stats.js';
import { describeIce } from './turn.js';
import type { RelayServer } from './types.js';

/** What the plugin decorates the app with as `app.relay`. */
export interface RelayContext {
  options: RelayOptions;
  io: RelayServer;
  rooms: Rooms;
  /** Messages relayed by type and refusals by code, since start (for /metrics). */
  stats: SignalingStats;
  /** This relay's Prometheus registry (what `GET /metrics` renders). */
  metrics: RelayMetrics;
  addHealthCheck(name: string, check: HealthCheck): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    io: RelayServer;
    relay: RelayContext;
  }
}

/** Says in the log what a deployment gives away by default. */
function logSetup(log: FastifyBaseLogger, opts: RelayOptions): void {
  log.info(`ICE: ${describeIce(opts)}`);
  if (opts.allowedOrigins !== '*') return;
  const msg = 'ALLOWED_ORIGINS is unset: pages on any origin may use this relay';
  if (process.env.NODE_ENV === 'production') log.warn(`${msg}; set ALLOWED_ORIGINS=https://your.site in production`);
  else log.info(msg);
}

export const relayPlugin = fp<Partial<RelayOptions>>(
  async (app, partial) => {
    const opts = resolveOptions(partial);
    if (app.hasDecorator('io')) throw new Error('relayPlugin is already registered on this app');

    const io = createSocketServer(app.server, opts);
    const rooms = new Rooms(io, opts.roomMembers);
    // Several nodes: Socket.IO's Redis adapter, before any socket connects (server/redis.ts).
    const redis = opts.redisUrl ? await attachRedis(io, { url: opts.redisUrl, log: app.log, heartbeatMs: opts.redisHeartbeatMs }) : undefined;
    if (redis) rooms.recheck = redis.admitted;
    // Calls live where every node sees them: Redis with several nodes, else this process.
    const registry: CallRegistry = redis ? redis.calls : new MemoryCallRegistry();
    const stats = newStats();
    const handshake = attachHandshake(io, opts, stats, app.log);
    const signaling = attachSignaling(io, {
      rooms,
      stats,
      log: app.log,
      rateLimit: opts.rateLimit,
      calls: (refuse) => {
        const calls = new Calls(io, registry, stats, app.log, refuse, { multiNode: redis !== undefined, ringExpiryMs: opts.ringExpiryMs, rejoinMs: opts.rejoinMs });
        if (redis) redis.onReaped = (room, id) => calls.reaped(room, id);
        return calls;
      },
    });
    const checks = new Map<string, HealthCheck>();
    if (redis) checks.set('redis', redis.health);
    const metrics = createMetrics({ stats, sockets: () => io.of('/').sockets.size, rooms: () => rooms.localRoomCount, redisUp: redis?.isUp });

    app.decorate('io', io);
    app.decorate('relay', {
      options: opts,
      io,
      rooms,
      stats,
      metrics,
      addHealthCheck: (name: string, check: HealthCheck) => void checks.set(name, check),
    } satisfies RelayContext);

    // preClose, not onClose: Fastify waits for open connections before onClose runs,
    // and Socket.IO's are open until we close them.
    app.addHook('preClose', async () => {
      handshake.close();
      await signaling.shutdown(opts.shutdownGraceMs);
    });
    // onClose runs after preClose's shutdown, so peers on other nodes still hear peer-left.
    app.addHook('onClose', () => (redis ? redis.close() : registry.close()));

    await app.register(healthRoutes, { checks, sockets: () => io.engine.clientsCount, rooms: () => rooms.localRoomCount });
    await app.register(iceRoutes, opts);
    await app.register(metricsRoutes, { metrics });
    logSetup(app.log, opts);
  },
  { name: 'rtc-call-relay', fastify: '5.x' },
);
