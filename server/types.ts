/** The relay's typed Socket.IO server and socket, from the one protocol file. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/protocol/index.js';
import type { Role, SocketCall, Version } from './calls/rules.js';

/**
 * What one relay node tells the others (Socket.IO `serverSideEmit`, over the Redis adapter):
 * a change to the call state of a socket that lives on another node, so every node's
 * socket.data stays true (calls/context.ts setCall).
 */
export interface InterServerEvents {
  /** Socket `sid` is now in `call` (null: out of call `id`, if it is still in it). */
  'rtc:call': (sid: string, id: string, call: SocketCall | null) => void;
  /** The bound peer of socket `sid` in call `id` left: `sid` waits REJOIN_MS for it to come back as someone else than `gone`. */
  'rtc:peer-gone': (sid: string, id: string, gone: string) => void;
  /** Socket `gone` of `room` died with its node (found by reaping): whoever is bound to it waits REJOIN_MS for it. */
  'rtc:reaped': (room: string, gone: string) => void;
  /** The line of `room` moved (calls/line.ts): each node tells its own waiting callers their new place. */
  'rtc:line': (room: string) => void;
}

/** Per-socket state that must survive `fetchSockets()` across nodes (it is serialised by the Redis adapter). */
export interface SocketData {
  /** The room chosen at the handshake; a socket never changes room. */
  room: string;
  /** When the socket joined its room (ms); orders members for the cross-node room-size check (server/cluster/redis.ts). */
  joinedAt?: number;
  /** Protocol version: 2 when the handshake said `protocol: 2`, else 1 (the tutorial's client). */
  v: Version;
  /** Takes incoming calls (v1 always; v2 unless the handshake said `incoming: false`). */
  incoming: boolean;
  /** Display name stamped on its call requests. */
  name: string;
  /** Its token's role when tokens are required (calls/members.ts: what it may do about calls). */
  role?: Role;
  /** A desk that stepped away (`away`): not rung, not counted in presence. */
  away?: boolean;
  /** Its token's `exp` (ms since the epoch); undefined without a token. Past it, only its bound call serves it (handshake.ts) and no TURN credential is minted outside that call (signaling.ts). */
  tokenExp?: number;
  /** The call it is in or ringing out (calls/members.ts); absent while idle. */
  call?: SocketCall;
  /** Its token's `sub` claim (absent without one): its TURN credentials are named after it (turn.ts) and webhooks report it. */
  sub?: string;
  /** The call and key the handshake asked to rejoin; consumed by the join. */
  rejoin?: { call: string; key: string };
}

export type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
