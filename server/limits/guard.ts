/**
 * The connection limits at the Socket.IO engine, where a refusal costs least: before a socket
 * exists (`allowRequest`), the client address (limits/address.ts) is admitted or refused
 * `too-many` by the book of addresses (limits.ts): sockets per address, handshakes per second
 * per address, sockets on this node. The first few refusals of an address in a while are told
 * as a Socket.IO `connect_error` carrying `{ code: "too-many" }`; past that a flood gets a bare
 * HTTP refusal of its handshake. Also here: each socket's outgoing buffer (a socket that does
 * not read is dropped) and the per-address budget of TURN credentials.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { AddressBook, Outbox, type AddressLimits } from './limits.js';
import { addressKey, clientAddress, normaliseAddress, parseTrustProxy, TRUST_NOBODY, type Trust } from './address.js';
import { refusal } from '../calls/refusals.js';
import type { SignalingStats } from '../http/stats.js';
import type { RelayServer } from '../types.js';

export interface GuardOptions extends AddressLimits {
  /** TRUST_PROXY entries (limits/address.ts). */
  trustProxy: readonly string[];
  /** A socket with more than this many bytes waiting to go out is dropped `slow-consumer`. */
  maxBufferedBytes: number;
}

/** What the guard needs of an engine.io socket (the `socket.conn` of a Socket.IO socket). */
export interface EngineConn {
  request: IncomingMessage | null;
  remoteAddress: string;
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  write(data: string): unknown;
  close(discard?: boolean): unknown;
  on(ev: 'packetCreate', fn: (packet: { data?: unknown }) => void): unknown;
  on(ev: 'flush', fn: () => void): unknown;
  on(ev: 'close', fn: () => void): unknown;
}

const SWEEP_MS = 10_000;

/** What the guard keeps per engine socket. */
interface ConnState {
  /** Its address key (limits/address.ts), counted in the book while it is open. */
  key: string;
  /** Its outgoing bytes, once watched. */
  box: Outbox | null;
  /** Told (once) when box overflows, with owner; null once told. */
  overflow: ((owner: object | null) => void) | null;
  owner: object | null;
}

const sizeOf = (data: unknown): number => (typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 0);

/** Bytes the transport still holds (a WebSocket's send buffer; long-polling holds none of its own). */
const inTransport = (conn: EngineConn): number => conn.transport.socket?.bufferedAmount ?? 0;

export class ConnectionGuard {
  readonly book: AddressBook;
  private readonly trust: Trust;
  /** A request's address key, until its engine socket exists. */
  private readonly keys = new WeakMap<object, string>();
  /** Each engine socket's address key and, once watched, its outgoing bytes: one entry per socket. */
  private readonly conns = new WeakMap<object, ConnState>();
  /** Requests let through only to be told `too-many`, with the sentence. */
  private readonly toTell = new WeakMap<object, string>();
  // Listeners shared by every engine socket (an emitter calls them with `this` = the socket):
  // no closures per socket, which idle sockets would pay for.
  private readonly onPacketCreate: (this: EngineConn, packet: { data?: unknown }) => void;
  private readonly onFlush: (this: EngineConn) => void;
  private readonly onConnClose: (this: EngineConn) => void;
  private readonly sweeper: NodeJS.Timeout;
  private warnedForwarded = false;

  constructor(
    private readonly opts: GuardOptions,
    private readonly stats: SignalingStats,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.book = new AddressBook(opts);
    this.trust = parseTrustProxy(opts.trustProxy);
    this.sweeper = setInterval(() => this.book.sweep(this.now()), SWEEP_MS);
    this.sweeper.unref();
    const { book, conns } = this;
    this.onPacketCreate = function (packet) {
      const c = conns.get(this);
      if (!c?.overflow || !c.box!.add(sizeOf(packet.data), inTransport(this))) return;
      const { overflow, owner } = c;
      c.overflow = null; // once
      overflow(owner);
    };
    this.onFlush = function () {
      conns.get(this)?.box?.flushed();
    };
    this.onConnClose = function () {
      const c = conns.get(this);
      if (c) book.closed(c.key, now());
    };
  }

  /** The address key the limits count a request under (TRUST_PROXY applied). */
  keyOf(req: IncomingMessage): string {
    const forwarded = req.headers['x-forwarded-for'];
    const peer = req.socket.remoteAddress;
    if (forwarded !== undefined && this.trust === TRUST_NOBODY && !this.warnedForwarded) {
      this.warnedForwarded = true;
      this.log.warn(
        `X-Forwarded-For from ${normaliseAddress(peer) || 'an unknown peer'} is ignored: TRUST_PROXY is unset, so per-address limits count the peer itself. Behind a proxy, set TRUST_PROXY to its address (or loopback)`,
      );
    }
    return addressKey(clientAddress(peer, forwarded, this.trust));
  }

  /**
   * Socket.IO's allowRequest after the origin check, for a handshake (a request without a sid):
   * null lets it through (admitted, or to be told `too-many` once connected), a string refuses it
   * with a bare HTTP error carrying that sentence.
   */
  check(req: IncomingMessage, sockets: number): string | null {
    const key = this.keyOf(req);
    const a = this.book.admit(key, sockets, this.now());
    if (a.ok) {
      this.keys.set(req, key);
      return null;
    }
    this.stats.refused['too-many']++;
    if (!a.tell) return `too-many: ${a.message}`;
    this.toTell.set(req, a.message);
    return null;
  }

  /**
   * Counts each engine socket under its address while it is open, and tells the ones let
   * through to hear it `too-many`. Attach right after the Socket.IO server is made: the request
   * must still be there (handshake.ts drops it in a later listener).
   */
  attach(io: RelayServer): void {
    io.engine.on('connection', (conn: EngineConn) => {
      const req = conn.request;
      const told = req ? this.toTell.get(req) : undefined;
      if (told !== undefined) {
        // A Socket.IO CONNECT_ERROR for "/" (packet type 4), as a refusing middleware sends it,
        // ahead of the client's CONNECT: it is told before it could join, then the link closes.
        conn.write(`4${JSON.stringify({ message: told, data: refusal('too-many', told) })}`);
        conn.close();
        return;
      }
      const key = (req && this.keys.get(req)) ?? addressKey(normaliseAddress(conn.remoteAddress));
      this.conns.set(conn, { key, box: null, overflow: null, owner: null });
      this.book.opened(key, this.now());
      // An engine socket closes once.
      conn.on('close', this.onConnClose);
    });
  }

  /** The address key `conn` is counted under ('' for one the guard never saw). */
  keyOfConn(conn: object): string {
    return this.conns.get(conn)?.key ?? '';
  }

  /** May the socket on `conn` have one more TURN credential (its address's budget)? */
  mintFor(conn: object): boolean {
    return this.book.mint(this.conns.get(conn)?.key ?? '', this.now());
  }

  /** May the HTTP request `req` have one more TURN credential (GET /ice-servers)? */
  mintForRequest(req: IncomingMessage): boolean {
    return this.book.mint(this.keyOf(req), this.now());
  }

  /**
   * Calls `overflow(owner)` (once) when more than maxBufferedBytes wait to go out on `conn`
   * (watched once however often asked: the first owner is told).
   */
  watch<T extends object>(conn: EngineConn, owner: T, overflow: (owner: T) => void): void {
    let c = this.conns.get(conn);
    if (c?.box) return;
    if (!c) this.conns.set(conn, (c = { key: '', box: null, overflow: null, owner: null }));
    c.box = new Outbox(this.opts.maxBufferedBytes);
    c.owner = owner;
    c.overflow = overflow as (owner: object | null) => void;
    conn.on('packetCreate', this.onPacketCreate);
    conn.on('flush', this.onFlush);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/**
 * Ends a socket that does not read what it is sent: what waits for it is dropped at once (it
 * would never be read, and holding it is the memory this bound protects), and so is its TCP
 * connection, rather than a WebSocket close that would queue behind that data for 30 s.
 */
export function dropSlowReader(conn: EngineConn): void {
  const ws = conn.transport.socket;
  conn.close(true);
  ws?.terminate?.();
}
