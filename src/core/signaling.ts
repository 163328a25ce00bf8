/**
 * The Socket.IO link to the relay: typed with the protocol's event maps, every
 * inbound `message` checked with `checkMessage` before anyone sees it.
 */
import { io, type Socket } from 'socket.io-client';
import {
  LIMITS,
  checkMessage,
  type ClientIdPayload,
  type ClientToServerEvents,
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
  /** The handshake failed: the code when it is one of FATAL_CODES, else null (unreachable, or worth retrying). */
  onConnectError(code: FatalCode | null): void;
  onDisconnect(): void;
}

export interface SignalingLink {
  send(message: SignalMessage): void;
  close(): void;
}

export type ConnectSignaling = (url: string, auth: HandshakeAuth, handlers: SignalingHandlers) => SignalingLink;

/** Codes after which reconnecting with the same room/token cannot help. */
export const FATAL_CODES = ['room-full', 'unauthorized', 'bad-room'] as const;
export type FatalCode = (typeof FATAL_CODES)[number];

const fatalCode = (s: unknown): FatalCode | null => (FATAL_CODES.includes(s as FatalCode) ? (s as FatalCode) : null);

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
    const m = checkMessage(raw);
    const from = (raw as { from?: unknown } | null)?.from;
    if (Array.isArray(m) || typeof from !== 'string' || from.length > LIMITS.maxIdLength) {
      console.warn('[rtc-call] dropped message:', Array.isArray(m) ? m : 'bad from');
      return;
    }
    h.onMessage(m as SignalMessage, from);
  });
  socket.on('peer-joined', (p) => typeof p?.id === 'string' && h.onPeerJoined(p.id));
  socket.on('peer-left', (p) => typeof p?.id === 'string' && h.onPeerLeft(p.id));
  socket.on('error', (p) => {
    if (fatalCode(p?.code)) fatal = true;
    h.onRelayError(p);
  });
  socket.on('connect_error', (err) => {
    // Middleware refusals arrive as connect_error with the code as message (or in data).
    const code = fatalCode(err.message) ?? fatalCode((err as { data?: { code?: unknown } }).data?.code);
    if (code) fatal = true;
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
