/**
 * Several relay nodes behind one Redis (`REDIS_URL`).
 *
 * Rooms, broadcasts, `fetchSockets()` membership and remote disconnects go through
 * Socket.IO's own Redis adapter (`@socket.io/redis-adapter`, sharded pub/sub: Redis 7
 * SSUBSCRIBE/SPUBLISH, one channel per room, so a node only receives the traffic of
 * rooms it has members in). This file adds what the adapter does not do:
 *
 *  - Health: Redis outages are logged once per transition, `/healthz` answers 503
 *    while either connection is down, and node-redis reconnects (and re-subscribes)
 *    by itself. Publishing fails fast while down (no offline queue), so clients on the
 *    same node keep talking to each other during an outage.
 *  - Room-full across nodes: `admitted()` re-checks a room after a join. Two nodes
 *    admitting at once cannot both win: at least one of them sees both joiners, and
 *    every node orders members the same way (join time, then id), so the newest
 *    joiners beyond the room size are refused or evicted.
 *  - A node that dies cannot announce `peer-left`: heartbeats and reaping, cluster/liveness.ts.
 *  - Calls: their records (cluster/calls.ts), and call state of sockets on other nodes
 *    (`serverSideEmit`, calls/socket-port.ts).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { adapterRoom } from '../adapter-rooms.js';
import type { CallRegistry } from '../calls/registry.js';
import { redactUrl } from '../config/options.js';
import { RedisCallRegistry } from './calls.js';
import { startLiveness } from './liveness.js';
import { roomFull } from '../calls/refusals.js';
import type { RelayServer, RelaySocket } from '../types.js';

type RedisClient = ReturnType<typeof createClient>;

export interface RedisScalingOptions {
  /** `redis://host:port` (or `rediss://`). */
  url: string;
  log: FastifyBaseLogger;
  /** Heartbeat period; a node is declared dead 3 heartbeats after its last one. Default 1000 ms. */
  heartbeatMs?: number;
  /** Prefix of every key and pub/sub channel, so several deployments can share one Redis. Default `rtc-call`. */
  keyPrefix?: string;
  /** How long startup waits for Redis before serving anyway (with /healthz 503). Default 5000 ms. */
  connectWaitMs?: number;
}

export interface RedisScaling {
  /** This node's id in Redis (heartbeat and member keys). */
  readonly nodeId: string;
  /** True while both Redis connections (publish, subscribe) are ready. */
  isUp(): boolean;
  /** The call registry every node shares (cluster/calls.ts). */
  readonly calls: CallRegistry;
  /** The command connection and the key prefix, for what else keeps shared state (webhooks/). */
  readonly client: RedisClient;
  readonly prefix: string;
  /** Called for each socket of a dead node this node reaps (set by the plugin: the call service frees its bound peer). */
  onReaped?: (room: string, id: string) => void;
  /** For `/healthz`: not ok while Redis is down. */
  health(): { ok: boolean; detail?: string };
  /**
   * Called after `socket` joined `room` (with `socket.data.joinedAt` set before the
   * join): false when it is beyond `size` across all nodes and must be refused.
   * Members of other nodes found beyond `size` are evicted with `room-full`. When the
   * check itself fails (Redis down), the socket is taken out of the room and the error rethrown.
   */
  admitted(socket: RelaySocket, room: string, size: number): Promise<boolean>;
  /**
   * A secret every node of this deployment shares: `candidate` stored under `name` unless a node
   * stored one first (SET NX), and that one read back. Undefined while Redis is unreachable.
   */
  sharedSecret(name: string, candidate: string): Promise<string | undefined>;
  /** Stops the heartbeat, removes this node's keys, closes the adapter and both connections. */
  close(): Promise<void>;
}

const ignore = (): void => {};

/** Same order on every node: earliest join first, socket id as the tie-break. */
const byJoin = (a: { at: number; id: string }, b: { at: number; id: string }): number =>
  a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function attachRedis(io: RelayServer, opts: RedisScalingOptions): Promise<RedisScaling> {
  const { log } = opts;
  // REDIS_URL may carry a password: no log line says it, not even inside a client's error.
  const where = redactUrl(opts.url);
  const passwords = (() => {
    try {
      const raw = new URL(opts.url).password;
      return raw ? [...new Set([raw, decodeURIComponent(raw)])] : [];
    } catch {
      return [];
    }
  })();
  const scrub = (err: unknown): string => passwords.reduce((text, p) => text.split(p).join('***'), err instanceof Error ? err.message : String(err));
  const prefix = opts.keyPrefix ?? 'rtc-call';
  const nodeId = randomBytes(8).toString('hex');

  const reconnectStrategy = (retries: number): number => Math.min(100 * 2 ** retries, 2000);
  // Publishing must fail fast while Redis is down: the adapter delivers to this node's
  // own sockets only after its publish settles, so a queued publish would stall them.
  const pub: RedisClient = createClient({ url: opts.url, disableOfflineQueue: true, pingInterval: 5000, socket: { reconnectStrategy } });
  // The subscriber keeps its queue: (un)subscribes issued during an outage run on reconnect.
  const sub: RedisClient = createClient({ url: opts.url, socket: { reconnectStrategy } });

  // The adapter fires (un)subscribes and forgets their promises; one rejected at shutdown
  // while Redis is down (destroy() flushes the queue) would be an unhandled rejection.
  for (const name of ['sSubscribe', 'sUnsubscribe'] as const) {
    const client = sub as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const original = client[name].bind(sub);
    client[name] = (...args: unknown[]) => {
      const p = original(...args);
      p.catch(ignore);
      return p;
    };
  }
  // The adapter subscribes through `sub`, whose queue holds the commands until connected.
  io.adapter(createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: 'dynamic' }));
  const adapter = io.of('/').adapter;
  const liveness = startLiveness(io, pub, { nodeId, prefix, heartbeatMs: opts.heartbeatMs ?? 1000, log, onReaped: (room, id) => scaling.onReaped?.(room, id) });

  let wasUp = false;
  let loggedDown = false;
  const isUp = (): boolean => pub.isReady && sub.isReady;
  const onError = (which: string) => (err: Error) => {
    // node-redis emits an error on every failed reconnect attempt; log the transition only.
    if (loggedDown) return;
    loggedDown = true;
    log.error({ err: scrub(err), redis: which }, 'Redis connection lost: relaying between nodes stops and /healthz answers 503 until it is back (reconnecting by itself)');
  };
  pub.on('error', onError('publish'));
  sub.on('error', onError('subscribe'));

  const onReady = (): void => {
    if (!isUp()) return;
    if (wasUp || loggedDown) log.info('Redis connection restored: relaying between nodes resumed');
    wasUp = true;
    loggedDown = false;
    liveness.reconnected();
  };
  pub.on('ready', onReady);
  sub.on('ready', onReady);

  // connect() keeps retrying while Redis is unreachable; serve anyway after connectWaitMs.
  const connecting = Promise.all([pub.connect(), sub.connect()]);
  connecting.catch((err: unknown) => log.error({ err: scrub(err), redis: where }, 'Redis connect failed'));
  const ready = await Promise.race([
    connecting.then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), opts.connectWaitMs ?? 5000).unref()),
  ]);
  if (!ready) log.error(`Redis at ${where} is not reachable yet: serving with /healthz 503 until it is`);

  if (ready) await liveness.beat().catch(ignore);

  const scaling: RedisScaling = {
    nodeId,
    calls: new RedisCallRegistry(pub, prefix),
    client: pub,
    prefix,
    isUp,
    async sharedSecret(name, candidate) {
      const k = `${prefix}:secret:${name}`;
      try {
        await pub.set(k, candidate, { NX: true });
        return (await pub.get(k)) ?? undefined;
      } catch {
        return undefined;
      }
    },
    health: () => (isUp() ? { ok: true } : { ok: false, detail: 'redis unreachable (reconnecting)' }),

    async admitted(socket, room, size) {
      let members;
      try {
        members = await io.in(adapterRoom(room)).fetchSockets();
      } catch (err) {
        // Redis down (or a node not answering): take the socket out again, never leave a ghost member.
        await socket.leave(adapterRoom(room));
        throw err;
      }
      if (members.length <= size) return true;
      const order = members.map((s) => ({ id: s.id, at: s.data.joinedAt ?? 0 })).sort(byJoin);
      let keep = true;
      for (const extra of order.slice(size)) {
        if (extra.id === socket.id) {
          keep = false;
        } else {
          // Admitted by another node in the same instant, but newer: it goes, wherever it is.
          // (Its own node may evict it too; the client then sees room-full twice.)
          log.info({ room, id: extra.id }, 'room over its size after simultaneous joins: evicting the newest');
          io.to(extra.id).emit('error', roomFull(room));
          io.in(extra.id).disconnectSockets(true);
        }
      }
      return keep;
    },

    async close() {
      await liveness.close();
      await Promise.resolve(adapter.close()).catch(ignore);
      for (const c of [sub, pub]) {
        if (c.isReady) await c.close().catch(() => c.destroy());
        else if (c.isOpen) c.destroy();
      }
    },
  };
  return scaling;
}
