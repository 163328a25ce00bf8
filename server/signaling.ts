/**
 * The Socket.IO side of the relay: handshake checks, room join, and the per-message
 * path (rate limit → validate → stamp → emit). That path runs for every candidate of
 * every call, so it stays synchronous and allocation-light in the common cases; only a
 * `to` naming a socket on another node needs an adapter round trip.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ExtendedError } from 'socket.io';
import {
  ERROR_CODES,
  LIMITS,
  MESSAGE_TYPES,
  PROTOCOL_VERSION,
  parseRoom,
  validateMessage,
  type ErrorCode,
  type ErrorPayload,
  type MessageType,
  type RelayedMessage,
  type SignalMessage,
} from '../src/protocol.js';
import type { RelayOptions } from './options.js';
import type { JoinResult, Rooms } from './rooms.js';
import type { RelayServer, RelaySocket } from './types.js';

/** Counters the metrics endpoint (issue 5) reads on scrape; plain integers so counting costs nothing. */
export interface SignalingStats {
  relayed: Record<MessageType, number>;
  refused: Record<ErrorCode, number>;
}

export const newStats = (): SignalingStats => ({
  relayed: Object.fromEntries(MESSAGE_TYPES.map((t) => [t, 0])) as Record<MessageType, number>,
  refused: Object.fromEntries(ERROR_CODES.map((c) => [c, 0])) as Record<ErrorCode, number>,
});

export interface Signaling {
  /** Tells every socket of this node `shutting-down`, then drops their transports (clients reconnect). */
  shutdown(graceMs: number): Promise<void>;
}

type Raw = { request: IncomingMessage | null };

/** Socket.IO's handshake `connect_error` carries `data`; we put the protocol's ErrorPayload there. */
const handshakeError = (code: ErrorCode, message: string): ExtendedError => {
  const err: ExtendedError = new Error(message);
  err.data = { code, message } satisfies ErrorPayload;
  return err;
};

const typeOf = (raw: unknown): string | undefined => {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' && t.length <= 32 ? t : undefined;
};

/** One socket's relay state. */
class Peer {
  /** In its room (set once the join succeeds; cleared on disconnect). */
  joined = false;
  /** Token bucket, refilled lazily on each message. */
  tokens: number;
  last = Date.now();
  /** While non-null, deliveries wait on it (see enqueue). */
  queue: Promise<void> | null = null;

  constructor(
    readonly socket: RelaySocket,
    readonly room: string,
    burst: number,
  ) {
    this.tokens = burst;
  }
}

export function attachSignaling(
  io: RelayServer,
  opts: Pick<RelayOptions, 'defaultRoom' | 'authorize' | 'rateLimit' | 'allowedOrigins'>,
  rooms: Rooms,
  stats: SignalingStats,
  log: FastifyBaseLogger,
): Signaling {
  /** Query-string rooms, captured before the request object is dropped (see below). */
  const queryRooms = new WeakMap<object, unknown>();
  let closing = false;
  /** This node's socket ids when shutdown began (they hear `shutting-down`, not `peer-left`). */
  let localAtShutdown: string[] = [];

  // Socket.IO's memory-usage guide: the engine keeps the handshake IncomingMessage for
  // the connection's lifetime. Keep the one field we need and drop the reference. On a
  // WebSocket handshake engine.io's upgrade response still holds the request (through a
  // 'close' listener on the TCP socket), so also empty its headers: ~0.6 KB per socket.
  io.engine.on('connection', (raw: Raw) => {
    const req = raw.request as (IncomingMessage & { _query?: Record<string, unknown> }) | null;
    raw.request = null;
    if (!req) return;
    if (req._query?.room !== undefined) queryRooms.set(raw, req._query.room);
    req._query = {};
    req.headers = {};
    req.rawHeaders = [];
  });

  const refuse = (socket: RelaySocket, code: ErrorCode, message: string, type?: string): void => {
    stats.refused[code]++;
    const payload: ErrorPayload = type === undefined ? { code, message } : { code, message, type };
    socket.emit('error', payload);
  };

  io.use((socket, next) => {
    if (closing) return next(handshakeError('shutting-down', 'the relay is shutting down; retry in a moment'));
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const requested = auth.room ?? queryRooms.get(socket.conn);
    const room = parseRoom(requested, opts.defaultRoom);
    if (room === null) {
      stats.refused['bad-room']++;
      return next(handshakeError('bad-room', `room must be 1-${LIMITS.maxRoomLength} characters of A-Z a-z 0-9 _ . : @ -`));
    }
    const token = auth.token;
    if (token !== undefined && (typeof token !== 'string' || token.length > LIMITS.maxTokenLength)) {
      stats.refused.unauthorized++;
      return next(handshakeError('unauthorized', `token must be a string of at most ${LIMITS.maxTokenLength} characters`));
    }
    socket.data.room = room;
    if (!opts.authorize) return next();
    const authorize = opts.authorize;
    Promise.resolve()
      .then(() => authorize(token, room))
      .then(
        (ok) => {
          if (ok === true) return next();
          stats.refused.unauthorized++;
          next(handshakeError('unauthorized', `not authorized for room ${room}`));
        },
        (err: unknown) => {
          log.warn({ err, room }, 'authorize() threw; refusing the handshake');
          stats.refused.unauthorized++;
          next(handshakeError('unauthorized', `not authorized for room ${room}`));
        },
      );
  });

  const perMs = opts.rateLimit.perSecond / 1000;
  const burst = opts.rateLimit.burst;
  const rateLimited = `more than ${opts.rateLimit.perSecond} messages/s; dropped`;

  // Per-socket work uses the shared functions below and one small Peer object, not
  // closures made per socket: thousands of idle sockets should cost as little as possible.

  /** Later deliveries wait for `p` (the join, a cross-node `to` lookup): a socket's messages keep their order. */
  const enqueue = (peer: Peer, p: Promise<void>): void => {
    const q: Promise<void> = p.catch((err: unknown) => {
      log.error({ err, room: peer.room }, 'relaying failed');
      refuse(peer.socket, 'internal', 'the relay could not deliver this message');
    });
    peer.queue = q;
    void q.then(() => {
      if (peer.queue === q) peer.queue = null;
    });
  };

  const deliver = (peer: Peer, m: SignalMessage): void => {
    if (!peer.joined) return; // refused at join: the socket is being disconnected
    const { socket, room } = peer;
    const out = m as RelayedMessage;
    out.from = socket.id;
    out.clientId = socket.id;
    const to = m.to;
    if (to === undefined) {
      socket.to(room).emit('message', out);
      stats.relayed[m.type]++;
      return;
    }
    if (to === socket.id) return refuse(socket, 'unknown-peer', 'to must name another peer, not yourself', m.type);
    const local = rooms.localMembership(room, to);
    if (local) {
      local.emit('message', out);
      stats.relayed[m.type]++;
    } else if (local === false) {
      refuse(socket, 'unknown-peer', `peer ${to} is not in room ${room}`, m.type);
    } else {
      // Not on this node: ask the adapter, holding later messages behind the answer.
      enqueue(
        peer,
        rooms.remoteMembership(room, to).then((inRoom) => {
          if (!inRoom) return refuse(socket, 'unknown-peer', `peer ${to} is not in room ${room}`, m.type);
          io.to(to).emit('message', out);
          stats.relayed[m.type]++;
        }),
      );
    }
  };

  /** The per-message path: rate limit, validate, then deliver (now, or after what is queued). */
  const onMessage = (peer: Peer, raw: unknown): void => {
    const now = Date.now();
    peer.tokens = Math.min(burst, peer.tokens + (now - peer.last) * perMs);
    peer.last = now;
    if (peer.tokens < 1) return refuse(peer.socket, 'rate-limited', rateLimited, typeOf(raw));
    peer.tokens -= 1;
    const v = validateMessage(raw);
    if (!v.ok) return refuse(peer.socket, 'bad-message', v.message, typeOf(raw));
    if (peer.queue === null) return deliver(peer, v.message);
    const m = v.message;
    enqueue(peer, peer.queue.then(() => deliver(peer, m)));
  };

  const onDisconnect = (peer: Peer): void => {
    if (!peer.joined) return;
    peer.joined = false;
    const { socket, room } = peer;
    log.debug({ id: socket.id, room }, 'left');
    rooms.left(room);
    // While shutting down, the partners on this node are going too and were told
    // `shutting-down`; only peers on other nodes need to hear that this one left.
    const targets = closing ? socket.to(room).except(localAtShutdown) : socket.to(room);
    targets.emit('peer-left', { id: socket.id });
  };

  const onJoined = (peer: Peer, res: JoinResult): void => {
    const { socket, room } = peer;
    const id = socket.id;
    if (res.ok) {
      peer.joined = true;
      log.debug({ id, room, peers: res.peers.length }, 'joined');
      socket.emit('client-id', { id, room, peers: res.peers, protocol: PROTOCOL_VERSION });
      socket.to(room).emit('peer-joined', { id });
    } else if (res.reason === 'full') {
      log.debug({ id, room }, 'room full: refused');
      refuse(socket, 'room-full', `room ${room} is full`);
      socket.disconnect(true);
    }
  };

  const onJoinFailed = (peer: Peer, err: unknown): void => {
    // Membership unknown (e.g. Redis unreachable): a socket left outside its room
    // would look connected but never hear anyone. Close the transport instead, so
    // the client's automatic reconnection retries the join.
    log.error({ err, room: peer.room }, 'join failed');
    refuse(peer.socket, 'internal', 'the relay could not join you to the room; reconnecting');
    peer.socket.conn.close();
  };

  io.on('connection', (socket) => {
    const peer = new Peer(socket, socket.data.room, burst);
    socket.on('message', (raw: unknown) => onMessage(peer, raw));
    socket.on('disconnect', () => onDisconnect(peer));
    enqueue(
      peer,
      rooms.join(socket, peer.room).then(
        (res) => onJoined(peer, res),
        (err: unknown) => onJoinFailed(peer, err),
      ),
    );
  });

  return {
    async shutdown(graceMs) {
      closing = true;
      localAtShutdown = [...io.of('/').sockets.keys()];
      io.local.emit('error', { code: 'shutting-down', message: 'the relay is shutting down; reconnect in a moment (media keeps flowing peer-to-peer)' });
      await new Promise((r) => setTimeout(r, graceMs));
      // Transport close (not a Socket.IO disconnect): standard clients reconnect by themselves.
      io.engine.close();
      // Let the close frames go out before the process may exit.
      for (let i = 0; i < 50 && io.engine.clientsCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
