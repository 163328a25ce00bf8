/**
 * engine.io-client 6.6.8's `Socket` (one Engine.IO connection over one transport), without the transport
 * upgrade and the options the widget never sets: a drop-in for the `./socket.js` that engine.io-client's
 * index.js imports (socket.io-client's Manager gets it from there), used by the script-tag bundle
 * (rollup.config.mjs aliases the import for dist/rtc-call.js; the ESM build keeps the real package).
 *
 * Derived from: npm `engine.io-client` 6.6.8, build/esm/socket.js (MIT License, Copyright (c) 2014-present
 * Guillermo Rauch and Socket.IO contributors; https://github.com/socketio/socket.io, packages/engine.io-client).
 * Kept, as TypeScript, with upstream's semantics: the constructor's URI handling (host, port, secure, query
 * from the URI, the protocol's default port, `location` when the URI lacks them, the path with its trailing
 * slash), the transports by name in the order given (engine.io-client's own transport classes: WebSocket and
 * fetch() long-polling in the bundle), `tryAllTransports` (a transport that fails while opening hands over to
 * the next one in the list), the handshake (sid, pingInterval, pingTimeout, maxPayload), heartbeats (pong to
 * every ping, a 'ping timeout' close when none comes within pingInterval + pingTimeout, `_hasPingExpired()` for
 * a timer a sleeping device throttled), the write buffer with its drain and the maxPayload split for
 * long-polling, `write()`, `close()` (after the buffer drains), the `offline` listener (a browser that goes
 * offline closes the connection at once as 'transport close' instead of waiting ~45 s for the ping timeout;
 * nothing else in the widget watches `offline`), and the events socket.io-client's Manager listens to:
 * `open`, `data`, `ping`, `error` and `close` with upstream's reasons ('transport close', 'transport error',
 * 'ping timeout', 'forced close') and descriptions.
 *
 * Left out, and why:
 * - The upgrade probe (after a long-polling handshake, probing WebSocket and switching over): it never runs
 *   with the widget's options. The widget lists WebSocket first, and a WebSocket handshake offers no upgrade;
 *   when WebSocket fails, `tryAllTransports` removes 'websocket' from the socket's list before long-polling
 *   takes over, and upstream only probes the upgrades still in that list (its _filterUpgrades). Such a page is
 *   behind something that blocks WebSocket anyway, and stays on long-polling, which carries the same events.
 *   With it go `upgrade`, `rememberUpgrade`, `priorWebsocketSuccess`, the `upgrading`/`upgrade`/`upgradeError`
 *   events and close() waiting for an upgrade.
 * - WebTransport preference (the bundle has no WebTransport transport: rollup.config.mjs).
 * - `transports` given as classes and `transportImplementations`, `transportOptions`, the `host` option,
 *   `useNativeTimers`, `autoUnref`, an empty transport list's 'No transports available' error: the widget
 *   passes `transports: ['websocket', 'polling']` and a URL (src/browser/socket-link.ts).
 * - Node-only code: the cookie jar (`withCredentials` in Node.js; a no-op in browsers) and `unref()`.
 * - `closeOnBeforeunload` and its `beforeunload` listener: off by default and the widget leaves it off (its
 *   own `pagehide` hang-up, src/browser/instance.ts, ends the call).
 * - Events nothing listens to (`packet`, `heartbeat`, `handshake`, `pong`, `message` besides `data`, `flush`,
 *   `packetCreate`, `drain`'s public use), `send()` (alias of write()), write()'s per-packet options and
 *   callback (socket.io-client passes none that matter: compress is the default), `Socket.protocol`.
 * Why: 1,173 bytes of the bundle's min+gzip for code the widget never runs (measured: rollup.config.mjs).
 *
 * Tested by test/vendor/engine.io-client-socket.test.ts: the same scenarios with upstream's Socket and this
 * one against a real socket.io Server, over WebSocket and long-polling, a WebSocket-blocked server (fallback to
 * polling, and behind a proxy that drops WebSocket handshakes), heartbeats, a ping timeout, a server close, close(),
 * `offline`, maxPayload, must observe the same events and state.
 * When engine.io-client moves on: diff its build/esm/socket.js against 6.6.8's, port what touches the kept
 * parts, rename this file (and the alias) and run that test.
 */
import { Emitter } from '@socket.io/component-emitter';
// In the bundle, rollup.config.mjs resolves this import to the bundle's own transport list
// ({ websocket, polling: fetch }); in Node.js (the tests) it is engine.io-client's, as upstream's Socket uses.
import { transports as TRANSPORTS } from 'engine.io-client';
import { parse } from './engine.io-client-6.6.8-parseuri.js';

/** engine.io-parser 5's protocol revision, sent as EIO= (upstream reads it from engine.io-parser). */
const PROTOCOL = 4;

/** An Engine.IO packet as engine.io-client's transports hand it over and take it. */
interface EnginePacket {
  type: string;
  data?: string;
}

/** What this Socket uses of engine.io-client's Transport (its WebSocket and polling classes are ones). */
interface Transport {
  name: string;
  writable: boolean;
  query: Record<string, string>;
  open(): unknown;
  close(): unknown;
  send(packets: EnginePacket[]): void;
  on(event: string, fn: (...args: never[]) => void): Transport;
  removeAllListeners(event?: string): unknown;
}
type TransportClass = new (opts: object) => Transport;

/** The options socket.io-client's Manager passes through (its own are ignored here, as upstream does). */
export interface EngineOptions {
  transports?: string[];
  tryAllTransports?: boolean;
  path?: string;
  addTrailingSlash?: boolean;
  query?: string | Record<string, string>;
  hostname?: string;
  secure?: boolean;
  port?: string;
  [option: string]: unknown;
}

const withEventListeners = typeof addEventListener === 'function' && typeof removeEventListener === 'function';
const OFFLINE_EVENT_LISTENERS: Array<() => void> = [];
// As upstream: a ServiceWorker must add its `offline` handler while the script first runs, so there is one,
// forwarding to the open sockets.
if (withEventListeners) addEventListener('offline', () => OFFLINE_EVENT_LISTENERS.forEach((listener) => listener()), false);

/** engine.io-client's contrib/parseqs decode: a query string to an object. */
const decode = (qs: string): Record<string, string> => {
  const qry: Record<string, string> = {};
  for (const pair of qs.split('&')) {
    const [k, ...v] = pair.split('=');
    qry[decodeURIComponent(k)] = decodeURIComponent(v.join('='));
  }
  return qry;
};

/** UTF-8 length of a string, as engine.io-client's util.js counts it for maxPayload. */
const byteLength = (str: string): number => {
  let length = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c < 0xd800 || c >= 0xe000) length += 3;
    else i++, (length += 4);
  }
  return length;
};

/** The events this Socket emits: those socket.io-client's Manager listens to, and `drain` for close(). */
export interface EngineEvents {
  open: () => void;
  data: (data: string) => void;
  ping: () => void;
  drain: () => void;
  error: (err: Error) => void;
  close: (reason: string, description?: unknown) => void;
}

export class Socket extends Emitter<EngineEvents, EngineEvents, EngineEvents> {
  /** What engine.io-client's transports hand binary frames over as, in a browser. */
  binaryType = 'arraybuffer';
  /** The session id from the handshake; null once closed. */
  id?: string | null;
  transport!: Transport;
  readyState?: 'opening' | 'open' | 'closing' | 'closed';
  transports: string[];
  secure: boolean;
  hostname: string;
  port: string;
  opts: Omit<EngineOptions, 'query'> & { path: string; query?: Record<string, string> };
  writeBuffer: EnginePacket[] = [];
  /** When the ping deadline passes (ms since the epoch): a throttled timer may fire late. */
  _pingTimeoutTime = Infinity;
  #prevBufferLen = 0;
  #pingInterval = -1;
  #pingTimeout = -1;
  #maxPayload = -1;
  #pingTimeoutTimer?: ReturnType<typeof setTimeout>;
  #offlineEventListener?: () => void;

  constructor(uri: string, opts: EngineOptions = {}) {
    super();
    // As upstream, into the caller's options object (socket.io-client's Manager hands its own).
    const parsedUri = parse(uri);
    opts.hostname = parsedUri.host;
    opts.secure = parsedUri.protocol === 'https' || parsedUri.protocol === 'wss';
    opts.port = parsedUri.port;
    if (parsedUri.query) opts.query = parsedUri.query;
    const secure = (this.secure = opts.secure);
    if (opts.hostname && !opts.port) opts.port = secure ? '443' : '80';
    const loc = typeof location !== 'undefined' ? location : undefined;
    this.hostname = opts.hostname || (loc ? loc.hostname : 'localhost');
    this.port = opts.port || (loc && loc.port ? loc.port : secure ? '443' : '80');
    this.transports = opts.transports ? [...opts.transports] : ['polling', 'websocket'];
    const o = { path: '/engine.io', timestampParam: 't', addTrailingSlash: true, ...opts };
    o.path = o.path.replace(/\/$/, '') + (o.addTrailingSlash ? '/' : '');
    if (typeof o.query === 'string') o.query = decode(o.query);
    this.opts = o as Socket['opts'];
    if (withEventListeners && this.hostname !== 'localhost') {
      this.#offlineEventListener = () => this.#onClose('transport close', { description: 'network connection lost' });
      OFFLINE_EVENT_LISTENERS.push(this.#offlineEventListener);
    }
    this.#open();
  }

  #open(): void {
    const name = this.transports[0];
    this.readyState = 'opening';
    const query: Record<string, string | number> = { ...this.opts.query, EIO: PROTOCOL, transport: name };
    if (this.id) query.sid = this.id;
    const Transport = (TRANSPORTS as unknown as Record<string, TransportClass>)[name];
    const transport = new Transport({ ...this.opts, query, socket: this, hostname: this.hostname, secure: this.secure, port: this.port });
    transport.open();
    this.transport?.removeAllListeners();
    this.transport = transport
      .on('drain', () => this.#onDrain())
      .on('packet', (packet: EnginePacket) => this.#onPacket(packet))
      .on('error', (err: Error) => this.#onError(err))
      .on('close', (reason: unknown) => this.#onClose('transport close', reason));
  }

  #onPacket(packet: EnginePacket): void {
    if (this.readyState === 'closed') return;
    switch (packet.type) {
      case 'open':
        this.#onHandshake(JSON.parse(packet.data!));
        break;
      case 'ping':
        this.#sendPacket('pong');
        this.emitReserved('ping');
        this.#resetPingTimeout();
        break;
      case 'error': {
        const err = new Error('server error') as Error & { code?: string };
        err.code = packet.data;
        this.#onError(err);
        break;
      }
      case 'message':
        this.emitReserved('data', packet.data!);
    }
  }

  #onHandshake(data: { sid: string; pingInterval: number; pingTimeout: number; maxPayload: number }): void {
    this.id = this.transport.query.sid = data.sid;
    this.#pingInterval = data.pingInterval;
    this.#pingTimeout = data.pingTimeout;
    this.#maxPayload = data.maxPayload;
    this.readyState = 'open';
    this.emitReserved('open');
    this.#flush();
    // In case an open handler closed the socket.
    if ((this.readyState as string) !== 'closed') this.#resetPingTimeout();
  }

  #resetPingTimeout(): void {
    clearTimeout(this.#pingTimeoutTimer);
    const delay = this.#pingInterval + this.#pingTimeout;
    this._pingTimeoutTime = Date.now() + delay;
    this.#pingTimeoutTimer = setTimeout(() => this.#onClose('ping timeout'), delay);
  }

  #onDrain(): void {
    this.writeBuffer.splice(0, this.#prevBufferLen);
    this.#prevBufferLen = 0;
    if (this.writeBuffer.length) this.#flush();
    else this.emitReserved('drain');
  }

  #flush(): void {
    if (this.readyState !== 'closed' && this.transport.writable && this.writeBuffer.length) {
      const packets = this.#writablePackets();
      this.transport.send(packets);
      this.#prevBufferLen = packets.length;
    }
  }

  /** Over long-polling, as many buffered packets as fit in the server's maxPayload (at least one). */
  #writablePackets(): EnginePacket[] {
    const buffer = this.writeBuffer;
    if (!(this.#maxPayload && this.transport.name === 'polling' && buffer.length > 1)) return buffer;
    let payloadSize = 1; // the first packet's type
    for (let i = 0; i < buffer.length; i++) {
      const data = buffer[i].data;
      if (data) payloadSize += byteLength(data);
      if (i > 0 && payloadSize > this.#maxPayload) return buffer.slice(0, i);
      payloadSize += 2; // separator and packet type
    }
    return buffer;
  }

  /**
   * Whether the heartbeat deadline passed without the timer noticing yet (a suspended laptop, a locked phone);
   * if so the socket closes with 'ping timeout' on the next tick. socket.io-client buffers emits meanwhile.
   */
  _hasPingExpired(): boolean {
    if (!this._pingTimeoutTime) return true;
    const hasExpired = Date.now() > this._pingTimeoutTime;
    if (hasExpired) {
      this._pingTimeoutTime = 0;
      void Promise.resolve().then(() => this.#onClose('ping timeout'));
    }
    return hasExpired;
  }

  /** Sends a message (buffered until the transport is writable; dropped once closing). */
  write(msg: string): this {
    this.#sendPacket('message', msg);
    return this;
  }

  #sendPacket(type: string, data?: string): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    this.writeBuffer.push({ type, data });
    this.#flush();
  }

  /** Closes the connection, once what is buffered has been written. */
  close(): this {
    const close = () => {
      this.#onClose('forced close');
      this.transport.close();
    };
    if (this.readyState === 'opening' || this.readyState === 'open') {
      this.readyState = 'closing';
      if (this.writeBuffer.length) this.once('drain', close);
      else close();
    }
    return this;
  }

  #onError(err: Error): void {
    if (this.opts.tryAllTransports && this.transports.length > 1 && this.readyState === 'opening') {
      this.transports.shift();
      return this.#open();
    }
    this.emitReserved('error', err);
    this.#onClose('transport error', err);
  }

  #onClose(reason: string, description?: unknown): void {
    if (this.readyState === 'closed') return;
    clearTimeout(this.#pingTimeoutTimer);
    const transport = this.transport;
    // Stop the close event from firing again, make sure the transport does not stay open, ignore it from now.
    transport.removeAllListeners('close');
    transport.close();
    transport.removeAllListeners();
    const i = OFFLINE_EVENT_LISTENERS.indexOf(this.#offlineEventListener!);
    if (i >= 0) OFFLINE_EVENT_LISTENERS.splice(i, 1);
    this.readyState = 'closed';
    this.id = null;
    this.emitReserved('close', reason, description);
    // Cleared after, so that close listeners can still read them.
    this.writeBuffer = [];
    this.#prevBufferLen = 0;
  }
}
