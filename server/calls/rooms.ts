/**
 * Room membership. Everything that needs the room's full member list goes through
 * the adapter (`io.in(adapterRoom(room)).fetchSockets()`), so it stays correct when the Redis
 * adapter spreads a room over several nodes; what can be answered from this node's
 * own sockets is answered synchronously (the per-message path). In the adapter a room is
 * `r:` + its name, never a name a socket id could have (adapter-rooms.ts).
 */
import { adapterRoom } from '../adapter-rooms.js';
import { KeyedQueue } from './keyed-queue.js';
import type { RelayServer, RelaySocket } from '../types.js';

export type JoinResult =
  | { ok: true; peers: string[] }
  /** `full`: the room holds `size` peers; `gone`: the socket disconnected while waiting. */
  | { ok: false; reason: 'full' | 'gone' };

export class Rooms {
  /** Joins to one room run one at a time on this node. */
  private readonly queue = new KeyedQueue();
  /** Members per room on this node (for /healthz and metrics; no cross-node cost). */
  private readonly local = new Map<string, number>();

  /**
   * Several nodes (Redis adapter): called after a join; false = over the size across
   * nodes (two nodes admitted at once) and this socket is the newest, so it is refused.
   */
  recheck?: (socket: RelaySocket, room: string, size: number) => Promise<boolean>;

  constructor(
    private readonly io: RelayServer,
    private readonly size: number,
  ) {}

  /** Ids of every socket in `room`, on every node. */
  async members(room: string): Promise<string[]> {
    const sockets = await this.io.in(adapterRoom(room)).fetchSockets();
    return sockets.map((s) => s.id);
  }

  /**
   * Puts `socket` into `room` unless the room is full. Serialised per room so two
   * concurrent joiners on this node cannot both pass the size check. Across nodes
   * (Redis adapter) `recheck` closes the remaining window: see server/cluster/redis.ts.
   */
  join(socket: RelaySocket, room: string): Promise<JoinResult> {
    return this.serialise(room, async (): Promise<JoinResult> => {
      const members = await this.members(room);
      // The socket may have gone while we waited; joining now would leave a ghost member.
      if (!socket.connected) return { ok: false, reason: 'gone' };
      const peers = members.filter((id) => id !== socket.id);
      if (peers.length >= this.size) return { ok: false, reason: 'full' };
      socket.data.joinedAt = Date.now();
      await socket.join(adapterRoom(room));
      if (this.recheck && !(await this.recheck(socket, room, this.size))) {
        await socket.leave(adapterRoom(room));
        return { ok: false, reason: 'full' };
      }
      // Evicted by another node while we re-checked: it is gone, not a member.
      if (!socket.connected) return { ok: false, reason: 'gone' };
      this.local.set(room, (this.local.get(room) ?? 0) + 1);
      return { ok: true, peers };
    });
  }

  /** Bookkeeping when a joined socket disconnects (Socket.IO itself removes it from the room). */
  left(room: string): void {
    const n = (this.local.get(room) ?? 1) - 1;
    if (n > 0) this.local.set(room, n);
    else this.local.delete(room);
  }

  /** Rooms with at least one member on this node. */
  get localRoomCount(): number {
    return this.local.size;
  }

  private serialise<T>(room: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(room, fn);
  }
}
