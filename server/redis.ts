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
 *  - A node that dies cannot announce `peer-left`. Each node keeps a heartbeat key
 *    with a TTL and a hash of its members (socket id → room) in Redis; a survivor
 *    that finds a node's heartbeat expired claims its hash (RENAME: exactly one
 *    claimer), checks with the adapter which of those sockets are really gone, and
 *    tells their rooms `peer-left`. Detection takes at most ~3 heartbeats + one.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { ErrorPayload } from '../src/protocol.js';
import type { RelayServer, RelaySocket } from './types.js';

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
  /** For `/healthz`: not ok while Redis is down. */
  health(): { ok: boolean; detail?: string };
  /**
   * Called after `socket` joined `room` (with `socket.data.joinedAt` set before the
   * join): false when it is beyond `size` across all nodes and must be refused.
   * Members of other nodes found beyond `size` are evicted with `room-full`. When the
   * check itself fails (Redis down), the socket is taken out of the room and the error rethrown.
   */
  admitted(socket: RelaySocket, room: string, size: number): Promise<boolean>;
  /** Stops the heartbeat, removes this node's keys, closes the adapter and both connections. */
  close(): Promise<void>;
}

const ignore = (): void => {};

const ROOM_FULL = (room: string): ErrorPayload => ({ code: 'room-full', message: `room ${room} is full` });

/** Same order on every node: earliest join first, socket id as the tie-break. */
const byJoin = (a: { at: number; id: string }, b: { at: number; id: string }): number =>
  a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function attachRedis(io: RelayServer, opts: RedisScalingOptions): Promise<RedisScaling> {
  const { log } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const ttlMs = heartbeatMs * 3;
  const prefix = opts.keyPrefix ?? 'rtc-call';
  const nodeId = randomBytes(8).toString('hex');
  const key = {
    nodes: `${prefix}:nodes`,
    alive: (n: string) => `${prefix}:node:${n}:alive`,
    members: (n: string) => `${prefix}:node:${n}:members`,
    claim: (n: string) => `${prefix}:reaping:${n}:by:${nodeId}`,
  };

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

  let wasUp = false;
  let loggedDown = false;
  const isUp = (): boolean => pub.isReady && sub.isReady;
  const onError = (which: string) => (err: Error) => {
    // node-redis emits an error on every failed reconnect attempt; log the transition only.
    if (loggedDown) return;
    loggedDown = true;
    log.error({ err: err.message, redis: which }, 'Redis connection lost: relaying between nodes stops and /healthz answers 503 until it is back (reconnecting by itself)');
  };
  pub.on('error', onError('publish'));
  sub.on('error', onError('subscribe'));

  let graceUntil = 0;
  const onReady = (): void => {
    if (!isUp()) return;
    if (wasUp || loggedDown) log.info('Redis connection restored: relaying between nodes resumed');
    wasUp = true;
    loggedDown = false;
    // Others are re-beating too: do not declare anyone dead before they could.
    graceUntil = Date.now() + ttlMs + heartbeatMs;
    void resyncMembers();
  };
  pub.on('ready', onReady);
  sub.on('ready', onReady);

  // connect() keeps retrying while Redis is unreachable; serve anyway after connectWaitMs.
  const connecting = Promise.all([pub.connect(), sub.connect()]);
  connecting.catch((err: unknown) => log.error({ err }, 'Redis connect failed'));
  const ready = await Promise.race([
    connecting.then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), opts.connectWaitMs ?? 5000).unref()),
  ]);
  if (!ready) log.error(`Redis at ${opts.url} is not reachable yet: serving with /healthz 503 until it is`);

  // ---- this node's members in Redis (for whoever reaps us if we die) ----
  adapter.on('join-room', (room: string, id: string) => {
    if (room !== id && pub.isReady) pub.hSet(key.members(nodeId), id, room).catch(ignore);
  });
  adapter.on('leave-room', (room: string, id: string) => {
    if (room !== id && pub.isReady) pub.hDel(key.members(nodeId), id).catch(ignore);
  });
  /** Rewrites this node's member hash from local state (after connect / an outage, or a wrongful reap). */
  async function resyncMembers(): Promise<void> {
    const entries: Record<string, string> = {};
    for (const [room, ids] of adapter.rooms) {
      if (adapter.sids.has(room)) continue; // a socket's own private room
      for (const id of ids) entries[id] = room;
    }
    const m = pub.multi().del(key.members(nodeId));
    if (Object.keys(entries).length) m.hSet(key.members(nodeId), entries);
    await m.exec().catch(ignore);
  }

  // ---- heartbeat and reaping of dead nodes ----
  let reaping = false;
  async function reap(dead: string): Promise<void> {
    const claim = key.claim(dead);
    let claimed = true;
    try {
      await pub.rename(key.members(dead), claim); // fails when another survivor got it first, or it had no members
    } catch {
      // ...or when we claimed it on an earlier beat and failed half-way: finish that.
      claimed = (await pub.exists(claim)) === 1;
    }
    if (!claimed) {
      await pub.sRem(key.nodes, dead);
      return;
    }
    await pub.pExpire(claim, 60_000); // never leave a claim behind if we die mid-reap
    const members = await pub.hGetAll(claim);
    const byRoom = new Map<string, string[]>();
    for (const [id, room] of Object.entries(members)) byRoom.set(room, [...(byRoom.get(room) ?? []), id]);
    let told = 0;
    const stillThere: Record<string, string> = {};
    for (const [room, ids] of byRoom) {
      // Only what the adapter confirms gone: a node that merely stalled past its TTL keeps its peers.
      const present = new Set((await io.in(room).fetchSockets()).map((s) => s.id));
      for (const id of ids) {
        if (present.has(id)) stillThere[id] = room;
        else {
          io.to(room).emit('peer-left', { id });
          told++;
        }
      }
    }
    const m = pub.multi().del(claim).sRem(key.nodes, dead);
    if (Object.keys(stillThere).length) m.hSet(key.members(dead), stillThere);
    await m.exec();
    log.warn({ node: dead, peersLeft: told, rooms: byRoom.size }, 'relay node stopped heartbeating: told its rooms peer-left');
  }

  async function tick(): Promise<void> {
    if (!pub.isReady) return;
    await pub.multi().set(key.alive(nodeId), '1', { expiration: { type: 'PX', value: ttlMs } }).sAdd(key.nodes, nodeId).exec();
    if (reaping || Date.now() < graceUntil) return;
    reaping = true;
    try {
      const others = (await pub.sMembers(key.nodes)).filter((n) => n !== nodeId);
      if (others.length === 0) return;
      const alive = await pub.mGet(others.map(key.alive));
      for (let i = 0; i < others.length; i++) if (alive[i] === null) await reap(others[i]);
    } finally {
      reaping = false;
    }
  }
  const timer = setInterval(() => {
    tick().catch((err: unknown) => log.debug({ err }, 'Redis heartbeat/reap failed (retrying next beat)'));
  }, heartbeatMs);
  timer.unref();
  if (ready) await tick().catch(ignore);

  return {
    nodeId,
    isUp,
    health: () => (isUp() ? { ok: true } : { ok: false, detail: 'redis unreachable (reconnecting)' }),

    async admitted(socket, room, size) {
      let members;
      try {
        members = await io.in(room).fetchSockets();
      } catch (err) {
        // Redis down (or a node not answering): take the socket out again, never leave a ghost member.
        await socket.leave(room);
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
          io.to(extra.id).emit('error', ROOM_FULL(room));
          io.in(extra.id).disconnectSockets(true);
        }
      }
      return keep;
    },

    async close() {
      clearInterval(timer);
      if (pub.isReady) await pub.multi().del(key.alive(nodeId)).del(key.members(nodeId)).sRem(key.nodes, nodeId).exec().catch(ignore);
      await Promise.resolve(adapter.close()).catch(ignore);
      for (const c of [sub, pub]) {
        if (c.isReady) await c.close().catch(() => c.destroy());
        else if (c.isOpen) c.destroy();
      }
    },
  };
}
