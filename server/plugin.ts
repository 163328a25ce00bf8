/**
 * The relay as a Fastify plugin, for an existing Fastify app (buildRelay in build.ts wraps it
 * in an app of its own): Socket.IO on the app's HTTP server, the handshake checks, the
 * signaling, rooms and calls (over Redis when configured), and the routes `/healthz`, `/ice-servers`,
 * `/presence`, `/metrics`. Not encapsulated: the caller sees `app.io` and `app.relay`.
 */
import { Server as NetServer } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MemoryCallRegistry, type CallRegistry } from './calls/registry.js';
import { CallService } from './calls/service.js';
import { socketPort } from './calls/socket-port.js';
import { attachHandshake } from './tokens/handshake.js';
import { createMetrics, type RelayMetrics } from './http/metrics.js';
import { resolveOptions, type RelayOptions } from './config/options.js';
import { attachRedis } from './cluster/redis.js';
import { configuredRejoinSecret, randomRejoinSecret, rejoinKeys } from './tokens/rejoin-keys.js';
import { Rooms } from './calls/rooms.js';
import { healthRoutes, type HealthCheck } from './http/health.js';
import { iceRoutes } from './http/ice-servers.js';
import { metricsListener, metricsRoutes } from './http/metrics-route.js';
import { presenceRoutes } from './http/presence.js';
import { attachSignaling } from './calls/signaling.js';
import { createSocketServer } from './socket-server.js';
import { newStats, type SignalingStats } from './http/stats.js';
import { ConnectionGuard } from './limits/guard.js';
import { fanOutFor, RingLimits } from './limits/ring.js';
import { callerIceConfig, describeIce, withoutTurn } from './tokens/turn.js';
import { createWebhooks, type Webhooks } from './webhooks/index.js';
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
  /** The METRICS_PORT listener (`GET /metrics` alone), when there is one; it listens once the app is ready. */
  metricsServer?: FastifyInstance;
  /** The call events and their delivery (WEBHOOK_URL); `deliverer` absent when none is configured. */
  webhooks: Webhooks;
}

declare module 'fastify' {
  interface FastifyInstance {
    io: RelayServer;
    relay: RelayContext;
  }
}

/** Says in the log what a deployment gives away by default (never a secret: only whether one is set). */
function logSetup(log: FastifyBaseLogger, opts: RelayOptions): void {
  const production = process.env.NODE_ENV === 'production';
  log.info(`ICE: ${describeIce(opts)}`);
  if (opts.tokenSecret) log.info('tokens required: every handshake needs a token signed with TOKEN_SECRET (HS256)');
  else {
    const msg = 'TOKEN_SECRET is unset: anyone who knows a room name may join it and ring its members';
    if (production) log.warn(`${msg}; set TOKEN_SECRET in production (docs/relay.md, Tokens)`);
    else log.info(msg);
  }
  if (opts.metricsPort === undefined) {
    if (opts.metricsToken) log.info('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    else if (!opts.publicMetrics) log.info('GET /metrics is off: set METRICS_PORT (a listener on 127.0.0.1) or METRICS_TOKEN');
  }
  if (opts.allowedOrigins !== '*') return;
  const msg = 'ALLOWED_ORIGINS is unset: pages on any origin may use this relay';
  if (production) log.warn(`${msg}; set ALLOWED_ORIGINS=https://your.site in production`);
  else log.info(msg);
}

export const relayPlugin = fp<Partial<RelayOptions>>(
  async (app, partial) => {
    const opts = resolveOptions(partial);
    if (app.hasDecorator('io')) throw new Error('relayPlugin is already registered on this app');

    const stats = newStats();
    // Connection limits at the engine, before any socket exists (server/limits/guard.ts).
    const guard = new ConnectionGuard({ ...opts, mintsPerMinute: opts.iceMintsPerMinute.address }, stats, app.log);
    app.addHook('onClose', async () => guard.close());
    const io = createSocketServer(app.server, opts, guard);
    const rooms = new Rooms(io, opts.roomMembers);
    // Several nodes: Socket.IO's Redis adapter, before any socket connects (server/cluster/redis.ts).
    const redis = opts.redisUrl ? await attachRedis(io, { url: opts.redisUrl, log: app.log, heartbeatMs: opts.redisHeartbeatMs }) : undefined;
    if (redis) rooms.recheck = redis.admitted;
    // Calls live where every node sees them: Redis with several nodes, else this process.
    const registry: CallRegistry = redis ? redis.calls : new MemoryCallRegistry();
    // Rejoin keys every node can check, and after a restart too, when a secret is configured or shared through Redis.
    const configured = configuredRejoinSecret(opts);
    const shared = configured || !redis ? undefined : await redis.sharedSecret('rejoin', randomRejoinSecret());
    const keys = rejoinKeys(configured?.secret ?? shared ?? randomRejoinSecret());
    if (!configured && !shared)
      app.log[redis ? 'warn' : 'info'](
        `rejoin keys: a random secret of this process (no REJOIN_SECRET, TOKEN_SECRET or TURN_SECRET${redis ? ', and Redis unreachable' : ''}): after a restart, calls in progress cannot be rejoined`,
      );
    const handshake = attachHandshake(io, opts, stats, app.log, registry, keys);
    // Signed call events for the site's backend (server/webhooks/), queued where the calls are.
    const webhooks = createWebhooks(opts, app.log, redis);
    const signaling = attachSignaling(io, {
      rooms,
      stats,
      log: app.log,
      rateLimit: opts.rateLimit,
      guard,
      iceFor: (s, turn) => (turn ? callerIceConfig(opts, { sub: s.data.sub, address: guard.keyOfConn(s.conn) }) : withoutTurn(opts)),
      limits: opts,
      calls: (() => {
        const rings = new RingLimits({ callRequests: opts.callRequests, fanOut: fanOutFor(opts) });
        const calls = new CallService(socketPort(io, registry, redis !== undefined), stats, app.log, { ringExpiryMs: opts.ringExpiryMs, rejoinMs: opts.rejoinMs, rings, events: webhooks.events, keys, queueMax: opts.queueMax, queueWaitMs: opts.queueWaitMs });
        if (redis) redis.onReaped = (room, id) => calls.reaped(room, id);
        return calls;
      })(),
    });
    const checks = new Map<string, HealthCheck>();
    if (redis) checks.set('redis', redis.health);
    const metrics = createMetrics({ stats, sockets: () => io.of('/').sockets.size, rooms: () => rooms.localRoomCount, redisUp: redis?.isUp });
    // /metrics names the host and process: on a listener of its own, behind a token, or not at all.
    const metricsServer = opts.metricsPort === undefined ? undefined : await metricsListener({ metrics, token: opts.metricsToken, logger: app.log });

    app.decorate('io', io);
    app.decorate('relay', {
      options: opts,
      io,
      rooms,
      stats,
      metrics,
      addHealthCheck: (name: string, check: HealthCheck) => void checks.set(name, check),
      webhooks,
      ...(metricsServer ? { metricsServer } : {}),
    } satisfies RelayContext);

    // preClose, not onClose: Fastify waits for open connections before onClose runs,
    // and Socket.IO's are open until we close them.
    app.addHook('preClose', async () => {
      handshake.close();
      // Stop accepting before telling anyone to reconnect: a client reconnecting then finds this
      // node's port closed (a proxy moves on to another node) rather than a refusal. net's close,
      // not http's: that one also drops idle keep-alive connections, where a long-polling client
      // between two polls would fetch its `shutting-down`. Fastify's own server.close() after this
      // hook closes the rest and waits for the connections to end.
      if (app.server.listening) NetServer.prototype.close.call(app.server);
      await signaling.shutdown(opts.shutdownGraceMs);
    });
    // onClose runs after preClose's shutdown, so peers on other nodes still hear peer-left.
    app.addHook('onClose', async () => {
      // What the calls' last steps queued goes to the queue before its connection closes.
      await webhooks.close();
      await (redis ? redis.close() : registry.close());
    });

    await app.register(healthRoutes, { checks, sockets: () => io.engine.clientsCount, rooms: () => rooms.localRoomCount });
    await app.register(iceRoutes, { ...opts, mayMint: (req) => guard.mintForRequest(req), addressOf: (req) => guard.keyOf(req) });
    await app.register(presenceRoutes, { ...opts, io, addressOf: (req) => guard.keyOf(req) });
    if (metricsServer) {
      const port = opts.metricsPort!;
      app.addHook('onReady', async () => {
        // Not "Server listening at": that line is the public listener's.
        const auth = opts.metricsToken ? ' (Bearer METRICS_TOKEN)' : '';
        await metricsServer.listen({ port, host: opts.metricsHost, listenTextResolver: (address) => `GET /metrics listening at ${address}/metrics${auth}` });
      });
      app.addHook('onClose', () => metricsServer.close());
    } else if (opts.metricsToken || opts.publicMetrics) await app.register(metricsRoutes, { metrics, token: opts.metricsToken });
    logSetup(app.log, opts);
  },
  { name: 'rtc-call-relay', fastify: '5.x' },
);
