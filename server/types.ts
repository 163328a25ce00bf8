/** The relay's typed Socket.IO server and socket, from the one protocol file. */
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/protocol.js';

/** No server-to-server events: nodes talk only through the adapter's broadcasts. */
export type InterServerEvents = Record<string, never>;

/** Per-socket state that must survive `fetchSockets()` across nodes (it is serialised by the Redis adapter). */
export interface SocketData {
  /** The room chosen at the handshake; a socket never changes room. */
  room: string;
  /** When the socket joined its room (ms); orders members for the cross-node room-size check (server/redis.ts). */
  joinedAt?: number;
}

export type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
