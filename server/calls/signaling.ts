/**
 * The relay's work for a connected socket: the room join, then the per-message path
 * (rate limit → validate → route → deliver), `peer-left` on disconnect, and the shutdown.
 * Also each socket's limits: its ICE servers (in `client-id` for v2, then on request
 * with the `ice` event; every TURN credential counted per socket and per address, none after its
 * token's expiry outside a bound call), events other than `message`
 * and `ice` refused and counted against its rate limit, and `slow-consumer` for a socket whose
 * outgoing buffer overflows or that keeps sending past its rate limit.
 * That path runs for every candidate of every call, so for a bound pair it stays synchronous
 * and allocation-light: the sender's own `data.call` names the one peer it may reach. Call
 * control (requests, accept, decline, cancel) and v1 messages outside calls go to the call
 * service (service.ts); each socket's budgets are limits/socket-budget.ts.
 * (What a socket must pass before it connects: handshake.ts.)
 */
import type { FastifyBaseLogger } from 'fastify';
import { PROTOCOL_VERSION, checkCallSummary, validateMessage, type ErrorCode, type ErrorPayload, type IceConfig, type SignalMessage } from '../../src/protocol/index.js';
import { adapterRoom } from '../adapter-rooms.js';
import type { CallService } from './service.js';
import { dropSocket, refusal, roomFull } from './refusals.js';
import type { JoinResult, Rooms } from './rooms.js';
import { SocketBudgets } from '../limits/socket-budget.js';
import { SocketState } from './socket-state.js';
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

  const budgets = new SocketBudgets(rateLimit, limits, (conn) => guard.mintFor(conn));
  const { overRate, overMints, strikeCount, strikeWindowMs } = budgets;

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
  const slowConsumer = (state: SocketState, reading: boolean): void => {
    if (state.dropped) return;
    state.dropped = true;
    const { socket } = state;
    log.info({ id: socket.id, room: state.room, why: reading ? 'rate-limited' : 'outgoing buffer' }, 'slow consumer: disconnected');
    if (!reading) {
      stats.refused['slow-consumer']++;
      return dropSlowReader(socket.conn);
    }
    send(socket, refusal('slow-consumer', `more than ${strikeCount} rate-limited messages in ${strikeWindowMs / 1000} s; disconnected`));
    dropSocket(socket, 'slow-consumer');
  };

  /** A refusal for going too fast; too many of them in a row end the socket. */
  const rateLimited = (state: SocketState, message: string, type: string | undefined): void => {
    if (state.dropped) return;
    refuse(state.socket, 'rate-limited', message, type);
    if (budgets.strike(state, Date.now())) slowConsumer(state, true);
  };

  const take = (state: SocketState, now: number): boolean => budgets.take(state, now);
  const mint = (state: SocketState, now: number): boolean => budgets.mint(state, state.socket.conn, now);

  /** `ice`: fresh ICE servers for the socket, as an `ice` event (the bundle's Socket has no acks). */
  const onIce = (state: SocketState): void => {
    if (state.dropped) return;
    const now = Date.now();
    if (expired(state.socket, now)) return refuse(state.socket, 'unauthorized', 'your token has expired: TURN credentials need a valid token (outside a call you are in); reconnect with a fresh one', 'ice');
    if (!mint(state, now)) return rateLimited(state, overMints, 'ice');
    state.socket.emit('ice', iceFor(state.socket, true));
  };

  /** Any event but `message` and `ice`: not the protocol, refused, and counted against the rate limit. */
  const onOther = (state: SocketState, event: unknown): void => {
    if (event === 'message' || event === 'ice' || event === 'away' || event === 'call-summary' || state.dropped) return;
    if (!take(state, Date.now())) return rateLimited(state, overRate, undefined);
    const name = typeof event === 'string' ? event.slice(0, 32) : typeof event;
    refuse(state.socket, 'bad-message', `unknown event ${JSON.stringify(name)}: the relay takes message, ice, away and call-summary`);
  };

  /** Runs `work` after what the socket sent before (its order kept), rate-limited like a message. */
  const control = (state: SocketState, type: string, work: () => Promise<void> | void): void => {
    if (state.dropped) return;
    if (!take(state, Date.now())) return rateLimited(state, overRate, type);
    if (!state.joined && state.queue === null) return;
    const run = async (): Promise<void> => {
      if (state.joined) await work();
    };
    enqueue(state, state.queue === null ? run() : state.queue.then(run));
  };

  /** `away` { away: boolean }: a desk steps away or comes back (service.ts setAway). */
  const onAway = (state: SocketState, raw: unknown): void =>
    control(state, 'away', () => {
      const away = typeof raw === 'object' && raw !== null ? (raw as { away?: unknown }).away : undefined;
      if (typeof away !== 'boolean') return refuse(state.socket, 'bad-message', 'away: expected { away: true | false }', 'away');
      return calls.setAway(state.socket, away);
    });

  /** `call-summary`: a side's measurements of a call that ended, kept once per side for its webhook (webhooks/sink.ts). */
  const onSummary = (state: SocketState, raw: unknown): void =>
    control(state, 'call-summary', async () => {
      const report = checkCallSummary(raw);
      if (typeof report === 'string') return refuse(state.socket, 'bad-message', `call-summary: ${report} is missing or out of bounds; nothing was kept`, 'call-summary');
      const verdict = await calls.events.summary(state.room, state.id, report);
      if (verdict === 'not-yours') refuse(state.socket, 'not-in-call', `call-summary: you were not a side of call ${report.call}; nothing was kept`, 'call-summary');
      else if (verdict === 'repeated') refuse(state.socket, 'bad-message', `call-summary: your side of call ${report.call} was reported already; nothing was kept`, 'call-summary');
    });

  // Per-socket work uses the shared functions below and one small SocketState object, not
  // closures made per socket: thousands of idle sockets should cost as little as possible.
  // The listeners are shared too: an emitter calls them with `this` = the socket, whose SocketState
  // they look up.
  const states = new WeakMap<object, SocketState>();
  const stateOf = (socket: RelaySocket): SocketState | undefined => states.get(socket);

  /** Later deliveries wait for `p` (the join, a cross-node `to` lookup): a socket's messages keep their order. */
  const enqueue = (state: SocketState, p: Promise<void>): void => {
    const q: Promise<void> = p.catch((err: unknown) => {
      log.error({ err, room: state.room }, 'relaying failed');
      refuse(state.socket, 'internal', 'the relay could not deliver this message');
    });
    state.queue = q;
    void q.then(() => {
      if (state.queue === q) state.queue = null;
    });
  };

  /** Delivers now, or returns the work still to do (later messages of the socket wait for it). */
  const deliver = (state: SocketState, m: SignalMessage): Promise<void> | undefined => {
    if (!state.joined) return; // refused at join: the socket is being disconnected
    return calls.message(state.socket, m, state);
  };

  /** The per-message path: rate limit, validate, then deliver (now, or after what is queued). */
  const onMessage = (state: SocketState, raw: unknown): void => {
    if (state.dropped) return;
    if (!take(state, Date.now())) return rateLimited(state, overRate, typeOf(raw));
    const v = validateMessage(raw);
    if (!v.ok) return refuse(state.socket, 'bad-message', v.message, typeOf(raw));
    if (state.queue === null) {
      const p = deliver(state, v.message);
      if (p) enqueue(state, p);
      return;
    }
    const m = v.message;
    enqueue(state, state.queue.then(() => deliver(state, m)));
  };

  /** Why a link can go without its page leaving (Socket.IO's disconnect reasons): a caller in line keeps its place a while. */
  const LOST = new Set(['transport close', 'transport error', 'ping timeout']);

  const onDisconnect = (state: SocketState, reason: unknown): void => {
    if (!state.joined) return;
    state.joined = false;
    const { socket, room } = state;
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
    void calls.left(socket, undefined, closing, typeof reason === 'string' && LOST.has(reason));
  };

  const onJoined = async (state: SocketState, res: JoinResult): Promise<void> => {
    const { socket, room } = state;
    const id = socket.id;
    if (res.ok) {
      state.joined = true;
      log.debug({ id, room, peers: res.peers.length }, 'joined');
      const calling = await calls.joined(socket);
      if (!socket.connected) return;
      // A v2 socket's first ICE servers come with it, with a TURN credential when its address's
      // budget allows (its own is full) and its token is valid or it is back in its bound call;
      // otherwise STUN only, with a short ttl after which the widget asks again.
      const ice = state.v === 2 ? { ice: iceFor(socket, !expired(socket, Date.now()) && mint(state, Date.now())) } : {};
      socket.emit('client-id', { id, room, peers: res.peers, protocol: PROTOCOL_VERSION, presence: calling.presence, ...(calling.bound ? { bound: calling.bound } : {}), ...ice });
      socket.to(adapterRoom(room)).emit('peer-joined', { id });
      await calls.afterJoin(socket, calling);
    } else if (res.reason === 'full') {
      log.debug({ id, room }, 'room full: refused');
      send(socket, roomFull(room));
      dropSocket(socket, 'room-full');
    }
  };

  const onJoinFailed = (state: SocketState, err: unknown): void => {
    // Membership unknown (e.g. Redis unreachable): a socket left outside its room
    // would look connected but never hear anyone. `internal` is not fatal, so the
    // transport closes and the client's automatic reconnection retries the join.
    log.error({ err, room: state.room }, 'join failed');
    refuse(state.socket, 'internal', 'the relay could not join you to the room; reconnecting');
    dropSocket(state.socket, 'internal');
  };

  /** One listener for every socket (made once, not per socket): it finds the socket's SocketState and hands it on. */
  const shared =
    <A extends unknown[]>(handle: (state: SocketState, ...args: A) => void) =>
    function (this: RelaySocket, ...args: A): void {
      const state = stateOf(this);
      if (state) handle(state, ...args);
    };
  const messageListener = shared(onMessage);
  const iceListener = shared(onIce);
  const awayListener = shared(onAway);
  const summaryListener = shared(onSummary);
  const anyListener = shared(onOther);
  const disconnectListener = shared(onDisconnect);
  /** The guard found the socket's outgoing buffer over its bound. */
  const overflow = (state: SocketState): void => slowConsumer(state, false);

  io.on('connection', (socket) => {
    const state = new SocketState(socket, socket.data.room, budgets.burst);
    states.set(socket, state);
    socket.on('message', messageListener);
    socket.on('ice', iceListener);
    socket.on('away', awayListener);
    socket.on('call-summary', summaryListener);
    socket.onAny(anyListener);
    socket.on('disconnect', disconnectListener);
    guard.watch(socket.conn, state, overflow);
    enqueue(
      state,
      rooms.join(socket, state.room).then(
        (res) => onJoined(state, res),
        (err: unknown) => onJoinFailed(state, err),
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
