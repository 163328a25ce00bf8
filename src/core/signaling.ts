/**
 * The Socket.IO link to the relay: typed with the protocol's event maps, every
 * inbound `message` validated with `validateMessage` before anyone sees it.
 */
import { io, type Socket } from 'socket.io-client';
import {
  ERROR_CODES,
  LIMITS,
  validateMessage,
  type ClientIdPayload,
  type ClientToServerEvents,
  type ErrorCode,
  type ErrorPayload,
  type HandshakeAuth,
  type ServerToClientEvents,
  type SignalMessage,
} from '../protocol.js';

export interface SignalingHandlers {
  /** The relay placed us in a room (first connect and every reconnect: the id changes). */
  onClientId(payload: ClientIdPayload): void;
  /** A validated message and its server-stamped sender id. */
  onMessage(message: SignalMessage, from: string): void;
  onPeerJoined(id: string): void;
  onPeerLeft(id: string): void;
  onRelayError(payload: ErrorPayload): void;
  /** The handshake failed: a protocol error code when the relay sent one, else null (unreachable). */
  onConnectError(code: ErrorCode | null): void;
  onDisconnect(): void;
}

export interface SignalingLink {
  send(message: SignalMessage): void;
  close(): void;
}

export type ConnectSignaling = (url: string, auth: HandshakeAuth, handlers: SignalingHandlers) => SignalingLink;

/** Codes after which reconnecting with the same room/token cannot help. */
const FATAL: readonly string[] = ['room-full', 'unauthorized', 'bad-room'];

const asCode = (s: unknown): ErrorCode | null =>
  typeof s === 'string' && (ERROR_CODES as readonly string[]).includes(s) ? (s as ErrorCode) : null;

export const connectSignaling: ConnectSignaling = (url, auth, h) => {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    // WebSocket first (one round trip less), long-polling when a proxy blocks it.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    auth: { ...auth },
    forceNew: true,
    reconnectionDelayMax: 5000,
  });
  let fatal = false;
  let closed = false;

  socket.on('client-id', (p) => {
    if (p && typeof p.id === 'string') h.onClientId({ ...p, peers: Array.isArray(p.peers) ? p.peers : [] });
  });
  socket.on('message', (raw) => {
    const r = validateMessage(raw);
    const from = (raw as { from?: unknown } | null)?.from;
    if (!r.ok || typeof from !== 'string' || from.length > LIMITS.maxIdLength) {
      console.warn('[rtc-call] dropped message:', r.ok ? 'bad from' : r.message);
      return;
    }
    h.onMessage(r.message, from);
  });
  socket.on('peer-joined', (p) => typeof p?.id === 'string' && h.onPeerJoined(p.id));
  socket.on('peer-left', (p) => typeof p?.id === 'string' && h.onPeerLeft(p.id));
  socket.on('error', (p) => {
    if (FATAL.includes(p?.code)) fatal = true;
    h.onRelayError(p);
  });
  socket.on('connect_error', (err) => {
    // Middleware refusals arrive as connect_error with the code as message (or in data).
    const code = asCode(err.message) ?? asCode((err as { data?: { code?: unknown } }).data?.code);
    if (code && FATAL.includes(code)) fatal = true;
    h.onConnectError(code);
  });
  socket.on('disconnect', (reason) => {
    h.onDisconnect();
    // Socket.IO does not reconnect after a server-side disconnect; a relay shutting down
    // (rolling restart) does that, so we come back on our own unless we were refused.
    if (reason === 'io server disconnect' && !fatal && !closed) setTimeout(() => !closed && socket.connect(), 500 + Math.random() * 1000);
  });

  return {
    send: (m) => {
      if (socket.connected) socket.emit('message', m);
    },
    close: () => {
      closed = true;
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
};
