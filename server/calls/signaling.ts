/**
 * The relay's work for a connected socket: the room join, then the per-message path
 * (rate limit → validate → route → deliver), `peer-left` on disconnect, and the shutdown.
 * Also each socket's limits (limits.ts): its ICE servers (in `client-id` for v2, then on request
 * with the `ice` event; every TURN credential counted per socket and per address, none after its
 * token's expiry outside a bound call), events other than `message`
 * and `ice` refused and counted against its rate limit, and `slow-consumer` for a socket whose
 * outgoing buffer overflows or that keeps sending past its rate limit.
 * That path runs for every candidate of every call, so for a bound pair it stays synchronous
 * and allocation-light: the sender's own `data.call` names the one peer it may reach. Call
 * control (requests, accept, decline, cancel) and v1 messages outside calls go to calls.ts.
 * (What a socket must pass before it connects: handshake.ts.)
 */
import type { FastifyBaseLogger } from 'fastify';
import { PROTOCOL_VERSION, checkCallSummary, validateMessage, type ErrorCode, type ErrorPayload, type IceConfig, type SignalMessage } from '../../src/protocol.js';
import { adapterRoom } from '../adapter-rooms.js';
import type { Role, SocketCall, Version } from './rules.js';
import type { CallService } from './service.js';
import { dropSocket, refusal, roomFull } from './refusals.js';
import type { JoinResult, Rooms } from './rooms.js';
import { Strikes, TokenBucket } from '../limits/limits.js';
import { dropSlowReader, type ConnectionGuard } from '../limits/guard.js';
import type { RelayOptions } from '../config/options.js';
import type { SignalingStats } from '../http/stats.js';
import type { RelayServer, RelaySocket } from '../types.js';

export interface Signaling {
  /** Tells every socket of this node `shutting-down`, then drops their transports (clients reconnect). */
  shutdown(graceMs: number): Promise<void>;
}

const typeOf = (raw: unknown): string | undefined => {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' && t.length <= 32 ? t : undefined;
};

/**
 * One socket's relay state (and the sender as call-rules' route() reads it). Its fields are all
 * it costs per socket: no closures are made per socket (see the listeners in attachSignaling).
 */
class Peer {
  readonly id: string;
  /** In its room (set once the join succeeds; cleared on disconnect). */
  joined = false;
  /** Token bucket, refilled lazily on each message. */
  tokens: number;
  last = Date.now();
  /** While non-null, deliveries wait on it (see enqueue). */
  queue: Promise<void> | null = null;
  /** Its rate-limit refusals lately (made at the first). */
  strikes: Strikes | undefined;
  /**
   * Its budget of TURN credentials, made at its first `ice` request; until then `firstMint` says
   * when client-id's credentials were minted (the bucket is made as if that token was taken then:
   * a v2 socket that never asks again costs no bucket).
   */
  mints: TokenBucket | undefined;
  firstMint = 0;
  /** Dropped `slow-consumer`: nothing more is done for it. */
  dropped = false;

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
  /** The call service over this node's sockets (service.ts, socket-port.ts). */
  calls: CallService;
  stats: SignalingStats;
  log: FastifyBaseLogger;
  rateLimit: { perSecond: number; burst: number };
  /** The connection limits: each address's TURN budget, each socket's outgoing buffer. */
  guard: Pick<ConnectionGuard, 'mintFor' | 'watch'>;
  /** A socket's ICE servers with a TURN credential (turn.ts callerIceConfig), or without one (`turn` false: turn.ts withoutTurn). */
  iceFor: (socket: RelaySocket, turn: boolean) => IceConfig;
  limits: Pick<RelayOptions, 'iceMintsPerMinute' | 'rateLimitStrikes'>;
}

export function attachSignaling(io: RelayServer, { rooms, stats, log, rateLimit, calls, guard, iceFor, limits }: SignalingParts): Signaling {
  let closing = false;
  /** This node's socket ids when shutdown began (they hear `shutting-down`, not `peer-left`). */
  let localAtShutdown = new Set<string>();

  const send = (socket: RelaySocket, refused: ErrorPayload): void => {
    stats.refused[refused.code]++;
    socket.emit('error', refused);
  };
  const refuse = (socket: RelaySocket, code: ErrorCode, message: string, type?: string): void => send(socket, refusal(code, message, type));

  const perMs = rateLimit.perSecond / 1000;
  const burst = rateLimit.burst;
  const overRate = `more than ${rateLimit.perSecond} messages/s; dropped`;
  const mintsPerMinute = limits.iceMintsPerMinute.socket;
  const overMints = `more than ${mintsPerMinute} ICE configurations a minute for this socket or ${limits.iceMintsPerMinute.address} for your address; ask again later`;
  const { count: strikeCount, windowMs: strikeWindow } = limits.rateLimitStrikes;

  /** Past its token's expiry a socket gets no TURN credential, but inside its bound call (handshake.ts sets tokenExp). */
  const expired = (socket: RelaySocket, now: number): boolean => {
    const exp = socket.data.tokenExp;
    return exp !== undefined && now >= exp && socket.data.call?.state !== 'bound';
  };

  /**
   * Ends a socket `slow-consumer`. `reading`: it reads but kept sending past its rate limit, so
   * it hears why before its link closes (and reconnects); otherwise it stopped reading, and what
   * waits for it is dropped at once.
   */
  const slowConsumer = (peer: Peer, reading: boolean): void => {
    if (peer.dropped) return;
    peer.dropped = true;
    const { socket } = peer;
    log.info({ id: socket.id, room: peer.room, why: reading ? 'rate-limited' : 'outgoing buffer' }, 'slow consumer: disconnected');
    if (!reading) {
      stats.refused['slow-consumer']++;
      return dropSlowReader(socket.conn);
    }
    send(socket, refusal('slow-consumer', `more than ${strikeCount} rate-limited messages in ${strikeWindow / 1000} s; disconnected`));
    dropSocket(socket, 'slow-consumer');
  };

  /** A refusal for going too fast; too many of them in a row end the socket. */
  const rateLimited = (peer: Peer, message: string, type: string | undefined): void => {
    if (peer.dropped) return;
    refuse(peer.socket, 'rate-limited', message, type);
    if ((peer.strikes ??= new Strikes(strikeCount, strikeWindow)).hit(Date.now())) slowConsumer(peer, true);
  };

  /** Takes one of the socket's message tokens (its bucket refilled lazily). */
  const take = (peer: Peer, now: number): boolean => {
    peer.tokens = Math.min(burst, peer.tokens + (now - peer.last) * perMs);
    peer.last = now;
    if (peer.tokens < 1) return false;
    peer.tokens -= 1;
    return true;
  };

  /** One TURN credential for the socket, if its own budget and its address's allow (each takes from both). */
  const mint = (peer: Peer, now: number): boolean => {
    if (!peer.mints) {
      // The first (client-id's) is never refused by its own budget (a full bucket): remember when, make no bucket yet.
      if (peer.firstMint === 0) return (peer.firstMint = now), guard.mintFor(peer.socket.conn);
      peer.mints = new TokenBucket(mintsPerMinute / 60, mintsPerMinute, peer.firstMint);
      peer.mints.take(peer.firstMint);
    }
    // Its own budget first: a socket past it takes nothing from its address's.
    return peer.mints.take(now) && guard.mintFor(peer.socket.conn);
  };

  /** `ice`: fresh ICE servers for the socket, as an `ice` event (the bundle's Socket has no acks). */
  const onIce = (peer: Peer): void => {
    if (peer.dropped) return;
    const now = Date.now();
    if (expired(peer.socket, now)) return refuse(peer.socket, 'unauthorized', 'your token has expired: TURN credentials need a valid token (outside a call you are in); reconnect with a fresh one', 'ice');
    if (!mint(peer, now)) return rateLimited(peer, overMints, 'ice');
    peer.socket.emit('ice', iceFor(peer.socket, true));
  };

  /** Any event but `message` and `ice`: not the protocol, refused, and counted against the rate limit. */
  const onOther = (peer: Peer, event: unknown): void => {
    if (event === 'message' || event === 'ice' || event === 'away' || event === 'call-summary' || peer.dropped) return;
    if (!take(peer, Date.now())) return rateLimited(peer, overRate, undefined);
    const name = typeof event === 'string' ? event.slice(0, 32) : typeof event;
    refuse(peer.socket, 'bad-message', `unknown event ${JSON.stringify(name)}: the relay takes message, ice, away and call-summary`);
  };

  /** Runs `work` after what the socket sent before (its order kept), rate-limited like a message. */
  const control = (peer: Peer, type: string, work: () => Promise<void> | void): void => {
    if (peer.dropped) return;
    if (!take(peer, Date.now())) return rateLimited(peer, overRate, type);
    if (!peer.joined && peer.queue === null) return;
    const run = async (): Promise<void> => {
      if (peer.joined) await work();
    };
    enqueue(peer, peer.queue === null ? run() : peer.queue.then(run));
  };

  /** `away` { away: boolean }: a desk steps away or comes back (calls.ts). */
  const onAway = (peer: Peer, raw: unknown): void =>
    control(peer, 'away', () => {
      const away = typeof raw === 'object' && raw !== null ? (raw as { away?: unknown }).away : undefined;
      if (typeof away !== 'boolean') return refuse(peer.socket, 'bad-message', 'away: expected { away: true | false }', 'away');
      return calls.setAway(peer.socket, away);
    });

  /** `call-summary`: a side's measurements of a call that ended, kept once per side for its webhook (webhooks/sink.ts). */
  const onSummary = (peer: Peer, raw: unknown): void =>
    control(peer, 'call-summary', async () => {
      const report = checkCallSummary(raw);
      if (typeof report === 'string') return refuse(peer.socket, 'bad-message', `call-summary: ${report} is missing or out of bounds; nothing was kept`, 'call-summary');
      const verdict = await calls.events.summary(peer.room, peer.id, report);
      if (verdict === 'not-yours') refuse(peer.socket, 'not-in-call', `call-summary: you were not a side of call ${report.call}; nothing was kept`, 'call-summary');
      else if (verdict === 'repeated') refuse(peer.socket, 'bad-message', `call-summary: your side of call ${report.call} was reported already; nothing was kept`, 'call-summary');
    });

  // Per-socket work uses the shared functions below and one small Peer object, not
  // closures made per socket: thousands of idle sockets should cost as little as possible.
  // The listeners are shared too: an emitter calls them with `this` = the socket, whose Peer
  // they look up.
  const peers = new WeakMap<object, Peer>();
  const peerOf = (socket: RelaySocket): Peer | undefined => peers.get(socket);

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
    return calls.message(peer.socket, m, peer);
  };

  /** The per-message path: rate limit, validate, then deliver (now, or after what is queued). */
  const onMessage = (peer: Peer, raw: unknown): void => {
    if (peer.dropped) return;
    if (!take(peer, Date.now())) return rateLimited(peer, overRate, typeOf(raw));
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
    // `shutting-down`; only peers on other nodes need to hear that this one left. The room's own
    // members on this node are excluded, not every socket of the node: an except list of all of
    // them made each disconnect cost O(sockets), the shutdown O(sockets²) (minutes at 10,000).
    if (!closing) socket.to(adapterRoom(room)).emit('peer-left', { id: socket.id });
    else {
      const here = io.of('/').adapter.rooms.get(adapterRoom(room));
      const told = here ? [...here].filter((id) => localAtShutdown.has(id)) : [];
      socket.to(adapterRoom(room)).except(told).emit('peer-left', { id: socket.id });
    }
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
      // A v2 socket's first ICE servers come with it, with a TURN credential when its address's
      // budget allows (its own is full) and its token is valid or it is back in its bound call;
      // otherwise STUN only, with a short ttl after which the widget asks again.
      const ice = peer.v === 2 ? { ice: iceFor(socket, !expired(socket, Date.now()) && mint(peer, Date.now())) } : {};
      socket.emit('client-id', { id, room, peers: res.peers, protocol: PROTOCOL_VERSION, presence: calling.presence, ...(calling.bound ? { bound: calling.bound } : {}), ...ice });
      socket.to(adapterRoom(room)).emit('peer-joined', { id });
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

  /** One listener for every socket (made once, not per socket): it finds the socket's Peer and hands it on. */
  const shared =
    <A extends unknown[]>(handle: (peer: Peer, ...args: A) => void) =>
    function (this: RelaySocket, ...args: A): void {
      const peer = peerOf(this);
      if (peer) handle(peer, ...args);
    };
  const messageListener = shared(onMessage);
  const iceListener = shared(onIce);
  const awayListener = shared(onAway);
  const summaryListener = shared(onSummary);
  const anyListener = shared(onOther);
  const disconnectListener = shared(onDisconnect);
  /** The guard found the socket's outgoing buffer over its bound. */
  const overflow = (peer: Peer): void => slowConsumer(peer, false);

  io.on('connection', (socket) => {
    const peer = new Peer(socket, socket.data.room, burst);
    peers.set(socket, peer);
    socket.on('message', messageListener);
    socket.on('ice', iceListener);
    socket.on('away', awayListener);
    socket.on('call-summary', summaryListener);
    socket.onAny(anyListener);
    socket.on('disconnect', disconnectListener);
    guard.watch(socket.conn, peer, overflow);
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
      localAtShutdown = new Set(io.of('/').sockets.keys());
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
