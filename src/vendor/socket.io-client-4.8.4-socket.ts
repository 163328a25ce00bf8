/**
 * socket.io-client 4.8.4's `Socket` (one namespace on a Manager), without the features the widget never uses:
 * a drop-in for the `./socket.js` that socket.io-client's manager.js and index.js import, used by the
 * script-tag bundle (rollup.config.mjs aliases the import for dist/rtc-call.js; the ESM build keeps the real
 * package, and the TypeScript types stay upstream's).
 *
 * Derived from: npm `socket.io-client` 4.8.4, build/esm/socket.js (MIT License, Copyright (c) 2014-present
 * Guillermo Rauch and Socket.IO contributors; https://github.com/socketio/socket.io, packages/socket.io-client).
 * Kept, as TypeScript, with upstream's semantics: the constructor (io, nsp, opts.auth, autoConnect), `io`,
 * `nsp`, `id`, `auth` (an object, or a function handed a callback), `connected`, `disconnected`, `active`,
 * `connect()`, `disconnect()`, `emit()` with its reserved names, the CONNECT packet, `connect`,
 * `connect_error` (from the Manager's errors while not connected, and from CONNECT_ERROR with `data`),
 * `disconnect` with its reasons ('io server disconnect' ends the socket, a transport close leaves it to the
 * Manager's reconnection), the receive buffer (events that arrive before CONNECT are delivered after it) and
 * the send buffer (emits while disconnected, or while the engine's ping has expired, go out in order on the
 * next connect, before `connect` fires). The Emitter base (on/once/off/removeAllListeners...) is upstream's
 * @socket.io/component-emitter. The Manager (manager.js) stays upstream; it uses `active` and `connect()`.
 *
 * Left out: acknowledgements (an emit's trailing callback, emitWithAck, timeout(), ackTimeout; a server
 * event that asks for an ack is delivered without the ack callback), the retries queue (`retries`),
 * `volatile`, `compress()` (the engine compresses by default anyway), connection state recovery (`recovered`,
 * the pid/offset sent back on reconnect: a server with connectionStateRecovery sees a new session each time),
 * catch-all listeners (onAny, prependAny, offAny, listenersAny and the Outgoing variants), binary packets
 * (the script-tag bundle's parser refuses them: src/vendor/socket.io-parser-4.2.7-json.ts), the aliases
 * `open()`, `close()` and `send()`, and the public `receiveBuffer`/`sendBuffer` arrays (private here).
 * One intended difference in what is kept: the connect_error of a CONNECT without a sid (a v2.x server) has a
 * short message instead of upstream's paragraph (~115 bytes; the widget shows its own words for every error).
 * Why: the widget uses none of it (src/browser/socket-link.ts: io(), on(), emit('message'), connected,
 * connect(), disconnect(), removeAllListeners()), and leaving it out takes ~1.2 KB off the bundle's min+gzip.
 *
 * Tested by test/vendor/socket.io-client-socket.test.ts: the same scenarios with upstream's Socket and this
 * one, each on a real socket.io-client Manager against a real socket.io Server, must observe the same
 * events, payloads and state. When socket.io-client moves on: diff its build/esm/socket.js against 4.8.4's,
 * port what touches the kept parts, rename this file (and the alias) and run that test.
 */
import { Emitter } from '@socket.io/component-emitter';

/** socket.io-parser's PacketType numbers that a socket without acks or binary needs. */
const CONNECT = 0;
const DISCONNECT = 1;
const EVENT = 2;
const CONNECT_ERROR = 4;

/** Events the socket emits itself, so user code may not (upstream's list, Node's EventEmitter ones included). */
const RESERVED_EVENTS = Object.freeze({
  connect: 1,
  connect_error: 1,
  disconnect: 1,
  disconnecting: 1,
  newListener: 1,
  removeListener: 1,
});

/** A Socket.IO packet as the Manager's decoder hands it over and its encoder takes it. */
export interface Packet {
  type: number;
  nsp?: string;
  data?: unknown;
  id?: number;
}

type Listener = (...args: never[]) => void;

/** What this Socket uses of socket.io-client's Manager (the real Manager is one). */
export interface SocketManager {
  _autoConnect: boolean;
  _reconnecting: boolean;
  _readyState: string;
  engine?: { _hasPingExpired(): boolean };
  on(event: string, fn: Listener): unknown;
  off(event: string, fn: Listener): unknown;
  open(): unknown;
  _packet(packet: Packet): void;
  _destroy(socket: object): void;
}

export type AuthData = Record<string, unknown>;
export interface SocketOptions {
  auth?: AuthData | ((cb: (data: object) => void) => void);
}

/** An Error from a CONNECT_ERROR packet (a middleware refusal), with the server's `data`. */
export interface ConnectError extends Error {
  data?: unknown;
}

interface ReservedEvents {
  connect: () => void;
  connect_error: (err: Error) => void;
  disconnect: (reason: string, description?: unknown) => void;
}
type UserEvents = Record<string, Listener>;
type EmitEvents = Record<string, (...args: unknown[]) => void>;

const subscribe = (io: SocketManager, event: string, fn: Listener) => (io.on(event, fn), () => void io.off(event, fn));

export class Socket extends Emitter<UserEvents, EmitEvents, ReservedEvents> {
  io: SocketManager;
  nsp: string;
  /** The session id the server gave in its CONNECT packet; absent while disconnected. */
  id?: string;
  connected = false;
  auth: SocketOptions['auth'];
  /** While present, the socket follows the Manager (and reconnects with it); gone after a refusal or disconnect. */
  #subs?: Array<() => void>;
  /** Events received before CONNECT, delivered once connected. */
  #receiveBuffer: unknown[][] = [];
  /** Emits while disconnected, sent on the next CONNECT. */
  #sendBuffer: Packet[] = [];

  constructor(io: SocketManager, nsp: string, opts?: SocketOptions) {
    super();
    this.io = io;
    this.nsp = nsp;
    if (opts && opts.auth) this.auth = opts.auth;
    if (io._autoConnect) this.connect();
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket will try to reconnect when its Manager connects or reconnects. */
  get active(): boolean {
    return !!this.#subs;
  }

  connect(): this {
    if (this.connected) return this;
    const io = this.io;
    this.#subs ||= [
      subscribe(io, 'open', () => this.#onopen()),
      subscribe(io, 'packet', (packet: Packet) => this.#onpacket(packet)),
      subscribe(io, 'error', (err: Error) => this.connected || this.emitReserved('connect_error', err)),
      subscribe(io, 'close', (reason: string, description: unknown) => this.#onclose(reason, description)),
    ];
    if (!io._reconnecting) io.open();
    if ('open' === io._readyState) this.#onopen();
    return this;
  }

  /** Sends an event, or buffers it until the next CONNECT while not connected. */
  override emit(ev: string, ...args: unknown[]): this {
    if (RESERVED_EVENTS.hasOwnProperty(ev)) throw new Error('"' + ev.toString() + '" is a reserved event name');
    const packet: Packet = { type: EVENT, data: [ev, ...args] };
    if (this.connected && !this.io.engine?._hasPingExpired()) this.#packet(packet);
    else this.#sendBuffer.push(packet);
    return this;
  }

  /** Ends the socket; it will not reconnect. The Manager closes its connection when no socket is left active. */
  disconnect(): this {
    if (this.connected) this.#packet({ type: DISCONNECT });
    this.#destroy();
    if (this.connected) this.#onclose('io client disconnect');
    return this;
  }

  #packet(packet: Packet): void {
    packet.nsp = this.nsp;
    this.io._packet(packet);
  }

  #onopen(): void {
    const auth = this.auth;
    const send = (data?: object) => this.#packet({ type: CONNECT, data });
    if (typeof auth == 'function') auth(send);
    else send(auth);
  }

  #onclose(reason: string, description?: unknown): void {
    this.connected = false;
    delete this.id;
    this.emitReserved('disconnect', reason, description);
  }

  #onpacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    const data = packet.data as { sid?: string; message: string; data?: unknown } & unknown[];
    switch (packet.type) {
      case CONNECT:
        if (data && data.sid) this.#onconnect(data.sid);
        else
          this.emitReserved(
            'connect_error',
            // Upstream's text explains at length (a v2.x server); the widget never shows it.
            new Error('Socket.IO server v2.x is not compatible'),
          );
        break;
      case EVENT:
        if (this.connected) this.#emitEvent(data || []);
        else this.#receiveBuffer.push(data || []);
        break;
      case DISCONNECT:
        this.#destroy();
        this.#onclose('io server disconnect');
        break;
      case CONNECT_ERROR: {
        this.#destroy();
        const err: ConnectError = new Error(data.message);
        err.data = data.data;
        this.emitReserved('connect_error', err);
      }
    }
  }

  #emitEvent(args: unknown[]): void {
    super.emit(...(args as [string]));
  }

  #onconnect(id: string): void {
    this.id = id;
    this.connected = true;
    this.#receiveBuffer.forEach((args) => this.#emitEvent(args));
    this.#receiveBuffer = [];
    this.#sendBuffer.forEach((packet) => this.#packet(packet));
    this.#sendBuffer = [];
    this.emitReserved('connect');
  }

  /** Stops following the Manager, so no reconnection brings this socket back. */
  #destroy(): void {
    this.#subs?.forEach((unsubscribe) => unsubscribe());
    this.#subs = undefined;
    this.io._destroy(this);
  }
}
