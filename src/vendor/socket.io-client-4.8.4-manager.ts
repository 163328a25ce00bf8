/**
 * socket.io-client 4.8.4's `Manager` (the connection a page's Socket.IO sockets share, and its reconnection),
 * without the options and events the widget never uses: a drop-in for the `./manager.js` that
 * socket.io-client's index.js imports, used by the script-tag bundle (rollup.config.mjs aliases the import for
 * dist/rtc-call.js; the ESM build keeps the real package, and the TypeScript types stay upstream's).
 *
 * Derived from: npm `socket.io-client` 4.8.4, build/esm/manager.js, on.js and contrib/backo2.js (MIT License,
 * Copyright (c) 2014-present Guillermo Rauch and Socket.IO contributors; backo2 by Matt Mueller, MIT;
 * https://github.com/socketio/socket.io, packages/socket.io-client).
 * It builds the script-tag bundle's own stack: the slim Engine.IO socket (engine.io-client-6.6.8-socket.ts),
 * the slim Socket (socket.io-client-4.8.4-socket.ts) and the JSON-only parser (socket.io-parser-4.2.7-json.ts),
 * the modules the bundle's aliases put in place of upstream's anyway.
 *
 * Kept, as TypeScript, with upstream's semantics: `path` (default /socket.io), `autoConnect`, `timeout`
 * (20 s for a connection to open, `false` for none), reconnection with exponential backoff from
 * `reconnectionDelay` (1 s) to `reconnectionDelayMax` (5 s) with `randomizationFactor` (0.5) jitter, reset
 * after a successful reconnection; `open(fn)`, `socket(nsp, opts)` (one Socket per namespace, reconnected by
 * socket() when autoConnect), a socket's CONNECT on every (re)open (so a Socket's auth function is called
 * again each time), decoding (a packet that fails to decode closes the connection: 'parse error'; decoded
 * packets are handed over on the next microtask), `_packet`, `_destroy` (the connection closes when no
 * socket is left active), `_close`, and the events the Socket listens to: `open`, `packet`, `error`
 * (a failed open, 'timeout', a transport error) and `close` with the engine's reason.
 *
 * Left out, and why: the `ping`, `reconnect_attempt`, `reconnect`, `reconnect_error` and `reconnect_failed`
 * events (nothing in the widget listens to the Manager: src/browser/socket-link.ts listens to its Socket),
 * the options `reconnection` (always on, the widget's choice) and `reconnectionAttempts` (unlimited, the
 * default the widget keeps; socket-link.ts gives up on its own terms), `parser` (a custom parser),
 * `autoUnref` (Node.js), the getter/setter methods reconnection(), reconnectionAttempts(),
 * reconnectionDelay(), reconnectionDelayMax(), randomizationFactor() and timeout(), and the `connect()`/
 * `disconnect()` aliases of open()/_close(). 665 bytes of the bundle's min+gzip (measured: see
 * rollup.config.mjs).
 *
 * Tested by test/vendor/socket.io-client-manager.test.ts: the widget's whole Socket.IO stack, upstream's and
 * this one, against a real socket.io Server (WebSocket, a WebSocket-blocked fallback to long-polling, a relay
 * restart with fresh auth on each reconnection, the backoff's delays, connect_error with data, disconnect
 * reasons, close) must observe the same. When socket.io-client moves on: diff its build/esm/manager.js
 * against 4.8.4's, port what touches the kept parts, rename this file (and the alias) and run that test.
 */
import { Emitter } from '@socket.io/component-emitter';
import { Socket as Engine, type EngineOptions } from './engine.io-client-6.6.8-socket.js';
import { Socket, type Packet, type SocketManager, type SocketOptions } from './socket.io-client-4.8.4-socket.js';
import { Decoder, Encoder, type Packet as ParserPacket } from './socket.io-parser-4.2.7-json.js';

export interface ManagerOptions extends EngineOptions {
  path?: string;
  autoConnect?: boolean;
  timeout?: number | false;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  randomizationFactor?: number;
}

/** The events this Manager emits: those the Socket listens to. */
export interface ManagerEvents {
  open: () => void;
  packet: (packet: Packet) => void;
  error: (err: Error) => void;
  close: (reason: string, description?: unknown) => void;
}

type Listener = (...args: never[]) => void;
interface Subscribable {
  on(ev: string, fn: Listener): unknown;
  off(ev: string, fn: Listener): unknown;
}

export class Manager extends Emitter<ManagerEvents, ManagerEvents, ManagerEvents> {
  nsps: Record<string, Socket> = {};
  engine!: Engine;
  opts: ManagerOptions;
  uri: string;
  _autoConnect: boolean;
  _readyState = 'closed';
  _reconnecting = false;
  skipReconnect?: boolean;
  #subs: Array<() => void> = [];
  #encoder = new Encoder();
  #decoder = new Decoder();
  #timeout: number | false;
  // backo2's state: attempts since the last successful (re)connection, and its settings.
  #attempts = 0;
  #min: number;
  #max: number;
  #jitter: number;

  constructor(uri: string, opts: ManagerOptions = {}) {
    super();
    opts.path ||= '/socket.io';
    this.opts = opts;
    this.#min = opts.reconnectionDelay || 1000;
    this.#max = opts.reconnectionDelayMax || 5000;
    const jitter = opts.randomizationFactor ?? 0.5;
    this.#jitter = jitter > 0 && jitter <= 1 ? jitter : 0;
    this.#timeout = opts.timeout == null ? 20000 : opts.timeout;
    this.uri = uri;
    this._autoConnect = opts.autoConnect !== false;
    if (this._autoConnect) this.open();
  }

  /** backo2's duration(): min·2^attempts, ± up to jitter of it, at most max. */
  #duration(): number {
    let ms = this.#min * Math.pow(2, this.#attempts++);
    if (this.#jitter) {
      const rand = Math.random();
      const deviation = Math.floor(rand * this.#jitter * ms);
      ms = (Math.floor(rand * 10) & 1) == 0 ? ms - deviation : ms + deviation;
    }
    return Math.min(ms, this.#max) | 0;
  }

  /** Listens until the next cleanup (socket.io-client's on.js). */
  #on(emitter: object, ev: string, fn: Listener): void {
    const obj = emitter as Subscribable;
    obj.on(ev, fn);
    this.#subs.push(() => void obj.off(ev, fn));
  }

  /** Opens the connection unless open or opening; `fn` hears how it went (and then no reconnection starts). */
  open(fn?: (err?: Error) => void): this {
    if (~this._readyState.indexOf('open')) return this;
    const engine = (this.engine = new Engine(this.uri, this.opts));
    this._readyState = 'opening';
    this.skipReconnect = false;
    const onOpen = () => {
      this.#onopen();
      fn && fn();
    };
    const onError = (err: Error) => {
      this.#cleanup();
      this._readyState = 'closed';
      this.emitReserved('error', err);
      if (fn) fn(err);
      // Only when there is no fn to handle the error: the first connection's failure starts the reconnection.
      else if (!this._reconnecting && this.#attempts === 0) this.#reconnect();
    };
    engine.on('open', onOpen);
    const timeout = this.#timeout;
    if (timeout !== false) {
      const timer = setTimeout(() => {
        engine.off('open', onOpen);
        onError(new Error('timeout'));
        engine.close();
      }, timeout);
      this.#subs.push(() => clearTimeout(timer));
    }
    this.#subs.push(() => void engine.off('open', onOpen));
    this.#on(engine, 'error', onError);
    return this;
  }

  #onopen(): void {
    this.#cleanup();
    this._readyState = 'open';
    this.emitReserved('open');
    const engine = this.engine;
    this.#on(engine, 'data', (data: string) => {
      try {
        this.#decoder.add(data);
      } catch (e) {
        this.#onclose('parse error', e);
      }
    });
    this.#on(engine, 'error', (err: Error) => this.emitReserved('error', err));
    this.#on(engine, 'close', (reason: string, description: unknown) => this.#onclose(reason, description));
    // The microtask keeps an exception in a user's listener from closing the connection as a 'parse error'.
    this.#on(this.#decoder, 'decoded', (packet: Packet) => void Promise.resolve().then(() => this.emitReserved('packet', packet)));
  }

  /** The Socket for a namespace, created on first use. */
  socket(nsp: string, opts?: SocketOptions): Socket {
    let socket = this.nsps[nsp];
    if (!socket) this.nsps[nsp] = socket = new Socket(this as unknown as SocketManager, nsp, opts);
    else if (this._autoConnect && !socket.active) socket.connect();
    return socket;
  }

  /** A socket ended: close the connection when no socket is left active. */
  _destroy(): void {
    for (const nsp in this.nsps) if (this.nsps[nsp].active) return;
    this._close();
  }

  _packet(packet: Packet): void {
    for (const encoded of this.#encoder.encode(packet as ParserPacket)) this.engine.write(encoded);
  }

  #cleanup(): void {
    this.#subs.forEach((unsubscribe) => unsubscribe());
    this.#subs.length = 0;
    this.#decoder.destroy();
  }

  _close(): void {
    this.skipReconnect = true;
    this._reconnecting = false;
    this.#onclose('forced close');
  }

  #onclose(reason: string, description?: unknown): void {
    this.#cleanup();
    this.engine?.close();
    this.#attempts = 0;
    this._readyState = 'closed';
    this.emitReserved('close', reason, description);
    if (!this.skipReconnect) this.#reconnect();
  }

  #reconnect(): void {
    if (this._reconnecting || this.skipReconnect) return;
    this._reconnecting = true;
    const timer = setTimeout(
      () =>
        this.skipReconnect ||
        this.open((err) => {
          if (err) {
            this._reconnecting = false;
            this.#reconnect();
          } else {
            this._reconnecting = false;
            this.#attempts = 0;
          }
        }),
      this.#duration(),
    );
    this.#subs.push(() => clearTimeout(timer));
  }
}
