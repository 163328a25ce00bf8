/**
 * The relay's work for a connected socket: the room join, then the per-message path
 * (rate limit → validate → stamp → emit), `peer-left` on disconnect, and the shutdown.
 * That path runs for every candidate of every call, so it stays synchronous and
 * allocation-light in the common cases; only a `to` naming a socket on another node needs
 * an adapter round trip. (What a socket must pass before it connects: handshake.ts.)
 */
import type { FastifyBaseLogger } from 'fastify';
import { PROTOCOL_VERSION, validateMessage, type ErrorCode, type ErrorPayload, type RelayedMessage, type SignalMessage } from '../src/protocol.js';
import type { RelayOptions } from './options.js';
import { dropSocket, refusal, roomFull } from './refusals.js';
import type { JoinResult, Rooms } from './rooms.js';
import type { SignalingStats } from './stats.js';
import type { RelayServer, RelaySocket } from './types.js';

export interface Signaling {
  /** Tells every socket of this node `shutting-down`, then drops their transports (clients reconnect). */
  shutdown(graceMs: number): Promise<void>;
}

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
  opts: Pick<RelayOptions, 'rateLimit'>,
  rooms: Rooms,
  stats: SignalingStats,
  log: FastifyBaseLogger,
): Signaling {
  let closing = false;
  /** This node's socket ids when shutdown began (they hear `shutting-down`, not `peer-left`). */
  let localAtShutdown: string[] = [];

  const send = (socket: RelaySocket, refused: ErrorPayload): void => {
    stats.refused[refused.code]++;
    socket.emit('error', refused);
  };
  const refuse = (socket: RelaySocket, code: ErrorCode, message: string, type?: string): void => send(socket, refusal(code, message, type));

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
      send(socket, roomFull(room));
      dropSocket(socket, 'room-full');
    }
  };

  const onJoinFailed = (peer: Peer, err: unknown): void => {
    // Membership unknown (e.g. Redis unreachable): a socket left outside its room
    // would look connected but never hear anyone. `internal` is not fatal, so the
    // transport closes and the client's automatic reconnection retries the join.
    log.error({ err, room: peer.room }, 'join failed');
    refuse(peer.socket, 'internal', 'the relay could not join you to the room; reconnecting');
    dropSocket(peer.socket, 'internal');
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
      io.local.emit('error', refusal('shutting-down', 'the relay is shutting down; reconnect in a moment (media keeps flowing peer-to-peer)'));
      await new Promise((r) => setTimeout(r, graceMs));
      // Transport close (not a Socket.IO disconnect): standard clients reconnect by themselves.
      io.engine.close();
      // Let the close frames go out before the process may exit.
      for (let i = 0; i < 50 && io.engine.clientsCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
