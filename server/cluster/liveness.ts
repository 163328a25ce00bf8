/**
 * A relay node that dies cannot announce `peer-left`. Each node keeps a heartbeat key with
 * a TTL and a hash of its members (socket id → room, the room's name as clients know it) in Redis; a survivor that finds a
 * node's heartbeat expired claims its hash (RENAME: exactly one claimer), checks with the
 * adapter which of those sockets are really gone, and tells their rooms `peer-left`.
 * Detection takes at most ~3 heartbeats + one. (The adapter and connections: redis.ts.)
 */
import type { FastifyBaseLogger } from 'fastify';
import type { createClient } from 'redis';
import { adapterRoom, roomOf } from '../adapter-rooms.js';
import type { RelayServer } from '../types.js';

type RedisClient = ReturnType<typeof createClient>;

export interface LivenessOptions {
  /** This node's id in Redis. */
  nodeId: string;
  /** Prefix of every key. */
  prefix: string;
  /** A node is declared dead 3 heartbeats after its last one. */
  heartbeatMs: number;
  log: FastifyBaseLogger;
  /** Told of each socket found dead (after its room heard peer-left): its bound peer must not wait forever. */
  onReaped?: (room: string, id: string) => void;
}

export interface Liveness {
  /**
   * After (re)connecting: rewrite this node's member hash from local state, and declare no
   * node dead for a while (the others are re-beating too).
   */
  reconnected(): void;
  /** One heartbeat now (startup), then one per period. */
  beat(): Promise<void>;
  /** Stops beating and removes this node's keys (a clean shutdown is not a death). */
  close(): Promise<void>;
}

const ignore = (): void => {};

export function startLiveness(io: RelayServer, pub: RedisClient, opts: LivenessOptions): Liveness {
  const { nodeId, prefix, heartbeatMs, log } = opts;
  const ttlMs = heartbeatMs * 3;
  const adapter = io.of('/').adapter;
  const key = {
    nodes: `${prefix}:nodes`,
    alive: (n: string) => `${prefix}:node:${n}:alive`,
    members: (n: string) => `${prefix}:node:${n}:members`,
    claim: (n: string) => `${prefix}:reaping:${n}:by:${nodeId}`,
  };

  // ---- this node's members in Redis (for whoever reaps us if we die) ----
  // Only the relay's rooms (adapter-rooms.ts), not each socket's own.
  adapter.on('join-room', (name: string, id: string) => {
    const room = roomOf(name);
    if (room !== undefined && pub.isReady) pub.hSet(key.members(nodeId), id, room).catch(ignore);
  });
  adapter.on('leave-room', (name: string, id: string) => {
    if (roomOf(name) !== undefined && pub.isReady) pub.hDel(key.members(nodeId), id).catch(ignore);
  });
  /** Rewrites this node's member hash from local state (after connect / an outage, or a wrongful reap). */
  async function resyncMembers(): Promise<void> {
    const entries: Record<string, string> = {};
    for (const [name, ids] of adapter.rooms) {
      const room = roomOf(name);
      if (room !== undefined) for (const id of ids) entries[id] = room;
    }
    const m = pub.multi().del(key.members(nodeId));
    if (Object.keys(entries).length) m.hSet(key.members(nodeId), entries);
    await m.exec().catch(ignore);
  }

  // ---- heartbeat and reaping of dead nodes ----
  let graceUntil = 0;
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
      const present = new Set((await io.in(adapterRoom(room)).fetchSockets()).map((s) => s.id));
      for (const id of ids) {
        if (present.has(id)) stillThere[id] = room;
        else {
          io.to(adapterRoom(room)).emit('peer-left', { id });
          opts.onReaped?.(room, id);
          told++;
        }
      }
    }
    const m = pub.multi().del(claim).sRem(key.nodes, dead);
    if (Object.keys(stillThere).length) m.hSet(key.members(dead), stillThere);
    await m.exec();
    log.warn({ node: dead, peersLeft: told, rooms: byRoom.size }, 'relay node stopped heartbeating: told its rooms peer-left');
  }

  async function beat(): Promise<void> {
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
    beat().catch((err: unknown) => log.debug({ err }, 'Redis heartbeat/reap failed (retrying next beat)'));
  }, heartbeatMs);
  timer.unref();

  return {
    reconnected() {
      graceUntil = Date.now() + ttlMs + heartbeatMs;
      void resyncMembers();
    },
    beat,
    async close() {
      clearInterval(timer);
      if (pub.isReady) await pub.multi().del(key.alive(nodeId)).del(key.members(nodeId)).sRem(key.nodes, nodeId).exec().catch(ignore);
    },
  };
}
