/**
 * The relay's work for a connected socket: the room join, then the per-message path
 * (rate limit → validate → route → deliver), `peer-left` on disconnect, and the shutdown.
 * That path runs for every candidate of every call, so for a bound pair it stays synchronous
 * and allocation-light: the sender's own `data.call` names the one peer it may reach. Call
 * control (requests, accept, decline, cancel) and v1 messages outside calls go to calls.ts.
 * (What a socket must pass before it connects: handshake.ts.)
 */
import type { FastifyBaseLogger } from 'fastify';
import { PROTOCOL_VERSION, validateMessage, type ErrorCode, type ErrorPayload, type RelayedMessage, type SignalMessage } from '../src/protocol.js';
import { errorPayload, route, type Role, type SocketCall, type Version } from './call-rules.js';
import type { Calls } from './calls.js';
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

/** One socket's relay state (and the sender as call-rules' route() reads it). */
class Peer {
  readonly id: string;
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
    this.id = socket.id;
  }

  get v(): Version {
    return this.socket.data.v;
  }

  get call(): SocketCall | undefined {
    return this.socket.data.call;
  }

  get role(): Role | undefined {
    return this.socket.data.role;
  }
}

export interface SignalingParts {
  rooms: Rooms;
  /** Built by attachSignaling with its refusal counter (see calls.ts). */
  calls: (refuse: (socket: RelaySocket, e: ErrorPayload) => void) => Calls;
  stats: SignalingStats;
  log: FastifyBaseLogger;
  rateLimit: { perSecond: number; burst: number };
}

export function attachSignaling(io: RelayServer, { rooms, stats, log, rateLimit, calls: makeCalls }: SignalingParts): Signaling {
  let closing = false;
  /** This node's socket ids when shutdown began (they hear `shutting-down`, not `peer-left`). */
  let localAtShutdown: string[] = [];

  const send = (socket: RelaySocket, refused: ErrorPayload): void => {
    stats.refused[refused.code]++;
    socket.emit('error', refused);
  };
  const calls = makeCalls(send);
  const refuse = (socket: RelaySocket, code: ErrorCode, message: string, type?: string): void => send(socket, refusal(code, message, type));

  const perMs = rateLimit.perSecond / 1000;
  const burst = rateLimit.burst;
  const rateLimited = `more than ${rateLimit.perSecond} messages/s; dropped`;

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

  /** Delivers now, or returns the work still to do (later messages of the socket wait for it). */
  const deliver = (peer: Peer, m: SignalMessage): Promise<void> | undefined => {
    if (!peer.joined) return; // refused at join: the socket is being disconnected
    const { socket } = peer;
    const r = route(peer, m);
    switch (r.do) {
      case 'refuse':
        return void send(socket, errorPayload(r.refusal, m.type, r.call));
      case 'peer': {
        // A bound socket: to its peer only, wherever it is (the adapter forwards to another node).
        const out = m as RelayedMessage;
        out.from = socket.id;
        out.clientId = socket.id;
        const local = io.of('/').sockets.get(r.peer);
        if (local) local.emit('message', out);
        else if (r.peer !== '') io.to(r.peer).emit('message', out);
        stats.relayed[m.type]++;
        if (r.unbind && socket.data.call?.state === 'bound') return calls.unbind(socket, socket.data.call);
        return;
      }
      case 'v1-relay':
        return calls.v1Relay(socket, m);
      default:
        return calls.handle(socket, m, r);
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
    if (peer.queue === null) {
      const p = deliver(peer, v.message);
      if (p) enqueue(peer, p);
      return;
    }
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
    void calls.left(socket, undefined, closing);
  };

  const onJoined = async (peer: Peer, res: JoinResult): Promise<void> => {
    const { socket, room } = peer;
    const id = socket.id;
    if (res.ok) {
      peer.joined = true;
      log.debug({ id, room, peers: res.peers.length }, 'joined');
      const calling = await calls.joined(socket);
      if (!socket.connected) return;
      socket.emit('client-id', { id, room, peers: res.peers, protocol: PROTOCOL_VERSION, presence: calling.presence, ...(calling.bound ? { bound: calling.bound } : {}) });
      socket.to(room).emit('peer-joined', { id });
      await calls.afterJoin(socket, calling);
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
      // What the disconnects started (a rejoin window opened in Redis for each bound side) finishes first.
      await calls.close();
    },
  };
}
