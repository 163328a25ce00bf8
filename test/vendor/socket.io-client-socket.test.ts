// The slim Socket of the script-tag bundle (src/vendor/socket.io-client-4.8.4-socket.ts) against the
// socket.io-client Socket it was derived from: every scenario runs once with each, on a real socket.io-client
// Manager against a real socket.io Server on 127.0.0.1, and both must observe the same thing (client events with
// their payloads and the socket's state at each, what the server received). Server ids are renamed id1, id2...
// in the order the server hands them out. Each scenario also pins what upstream does, so a test that compares
// two equally wrong runs still fails. What the vendored Socket leaves out on purpose is checked last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Manager, Socket as UpstreamSocket } from 'socket.io-client';
import { Socket as VendoredSocket, type SocketManager, type SocketOptions } from '../../src/vendor/socket.io-client-4.8.4-socket.js';

/** Upstream's and the vendored text of the connect_error for a CONNECT without a sid. */
const V2_TEXTS = [
  'It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)',
  'Socket.IO server v2.x is not compatible',
];
import { sleep, waitFor } from '../support/wait.js';

const VENDORED = '4.8.4';
const root = new URL('../../', import.meta.url).pathname;

type Impl = 'upstream' | 'vendored';
/** What the scenarios use of a client Socket; both classes have it. */
interface ClientSocket {
  readonly id?: string;
  readonly connected: boolean;
  readonly disconnected: boolean;
  readonly active: boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
  removeAllListeners(): unknown;
}

/** The widget's transports (src/browser/socket-link.ts), and long-polling alone as behind a proxy that blocks WebSocket. */
const TRANSPORTS = { websocket: ['websocket', 'polling'], polling: ['polling'] } as const;
type TransportName = keyof typeof TRANSPORTS;

/** Gives server ids stable names (id1, id2...) so that two runs compare. */
class Ids {
  #names = new Map<string, string>();
  name(id: string): string {
    if (!this.#names.has(id)) this.#names.set(id, `id${this.#names.size + 1}`);
    return this.#names.get(id)!;
  }
  /** A plain, comparable copy of whatever a listener got: errors as message and data, class instances by name. */
  norm = (v: unknown): unknown => {
    // The one intended difference in what is kept: a shorter text for a CONNECT without a sid (a v2.x server).
    if (v instanceof Error) return { error: V2_TEXTS.includes(v.message) ? 'v2.x server' : v.message, data: this.norm((v as { data?: unknown }).data) };
    if (typeof v === 'function') return 'a function';
    if (typeof v === 'string') return this.#names.get(v) ?? v;
    if (Array.isArray(v)) return v.map(this.norm);
    if (v && typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return `a ${v.constructor.name}`;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.norm(x)]));
    }
    return v;
  };
}

/** A real socket.io Server on 127.0.0.1 that keeps what it is told, and can restart on the same port. */
class Relay {
  readonly ids = new Ids();
  /** What the server saw, in order: handshakes, events (with their server session), disconnects. */
  readonly seen: unknown[] = [];
  io!: Server;
  port = 0;
  constructor(readonly setup: (io: Server, relay: Relay) => void) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get connections(): number {
    return this.seen.filter((e) => Array.isArray(e) && e[0] === 'connection').length;
  }

  async start(): Promise<void> {
    const http = createServer();
    this.io = new Server(http);
    this.io.use((s, next) => {
      this.seen.push(['handshake', this.ids.name(s.id), s.handshake.auth]);
      next();
    });
    this.io.on('connection', (s) => {
      this.seen.push(['connection', this.ids.name(s.id)]);
      s.onAny((ev: string, ...args: unknown[]) => this.seen.push([ev, this.ids.name(s.id), ...args]));
      s.on('disconnect', (reason) => this.seen.push(['server disconnect', this.ids.name(s.id), reason]));
    });
    this.setup(this.io, this);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject); // e.g. the port of a restart taken meanwhile
      http.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (http.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return this.io.close();
  }

  /** The events with this name the server received, without their session. */
  received(ev: string): unknown[] {
    return this.seen.filter((e) => Array.isArray(e) && e[0] === ev).map((e) => (e as unknown[]).slice(2));
  }
}

/** One client: a Socket of `impl` on its own real Manager, and the log of what it observed. */
class Client {
  readonly manager: Manager;
  readonly socket: ClientSocket;
  readonly log: unknown[] = [];

  constructor(impl: Impl, relay: Relay, transport: TransportName, opts: SocketOptions = {}, url = relay.url) {
    // Fast, deterministic reconnection; otherwise the widget's transport options.
    this.manager = new Manager(url, {
      transports: [...TRANSPORTS[transport]],
      tryAllTransports: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
    });
    this.socket = socketOn(impl, this.manager, '/', opts);
    this.record(relay.ids, 'connect', 'connect_error', 'disconnect');
  }

  /** The socket's state as a listener sees it. */
  state(ids: Ids): unknown {
    const s = this.socket;
    return { connected: s.connected, disconnected: s.disconnected, active: s.active, id: s.id === undefined ? undefined : ids.name(s.id) };
  }

  /** Logs each of these events with its arguments and the socket's state when it fired. */
  record(ids: Ids, ...events: string[]): void {
    for (const ev of events)
      this.socket.on(ev, (...args: never[]) => {
        // A disconnect's description is the transport's own detail (an error, a close event): its kind is enough.
        const shown = ev === 'disconnect' ? [args[0], typeof args[1]] : (args as unknown[]).map(ids.norm);
        this.log.push([ev, ...shown, this.state(ids)]);
      });
  }

  /** The log, each run of failed (re)connection attempts as one entry (how many depends on timing). */
  observed(): unknown[] {
    const out: unknown[] = [];
    for (const e of this.log) {
      const last = out.at(-1) as unknown[] | undefined;
      if (Array.isArray(e) && e[0] === 'connect_error' && last?.[0] === 'connect_error' && JSON.stringify(last) === JSON.stringify(e)) continue;
      out.push(e);
    }
    return out;
  }

  count(ev: string): number {
    return this.log.filter((e) => Array.isArray(e) && e[0] === ev).length;
  }

  close(): void {
    this.socket.disconnect();
    (this.manager as unknown as { _close(): void })._close();
  }
}

/** What Manager#socket does for a namespace it does not hold yet (index.js's io() calls it), with either Socket class. */
function socketOn(impl: Impl, manager: Manager, nsp: string, opts: SocketOptions = {}): ClientSocket {
  const socket = impl === 'upstream' ? new UpstreamSocket(manager, nsp, opts) : new VendoredSocket(manager as unknown as SocketManager, nsp, opts);
  (manager as unknown as { nsps: Record<string, unknown> }).nsps[nsp] = socket;
  return socket as unknown as ClientSocket;
}

interface Run {
  impl: Impl;
  transport: TransportName;
}
type Scenario = (run: Run) => Promise<unknown>;

/** Runs a scenario with upstream's Socket and with ours, asserts they saw the same, returns upstream's observation. */
async function compare(transport: TransportName, scenario: Scenario): Promise<unknown> {
  const upstream = await scenario({ impl: 'upstream', transport });
  const vendored = await scenario({ impl: 'vendored', transport });
  assert.deepStrictEqual(vendored, upstream, 'the vendored Socket observes what upstream does');
  return upstream;
}

/** Starts a relay, runs `body`, then closes the client and the relay whatever happened. */
async function withRelay<T>(setup: (io: Server, relay: Relay) => void, body: (relay: Relay, clients: Client[]) => Promise<T>): Promise<T> {
  const relay = new Relay(setup);
  await relay.start();
  const clients: Client[] = [];
  try {
    return await body(relay, clients);
  } finally {
    for (const c of clients) c.close();
    await relay.stop();
  }
}

const entries = (log: unknown[], ev: string): unknown[][] => log.filter((e): e is unknown[] => Array.isArray(e) && e[0] === ev);
const CONNECTED_AS = (id: string) => ({ connected: true, disconnected: false, active: true, id });
const DOWN = { connected: false, disconnected: true, active: true, id: undefined };
const ENDED = { connected: false, disconnected: true, active: false, id: undefined };

/** Events the server sends, before CONNECT (from its middleware) and after; what the client emits before and after connecting. */
const conversation =
  (opts: SocketOptions): Scenario =>
  ({ impl, transport }) =>
    withRelay(
      (io, relay) => {
        io.use((s, next) => {
          s.emit('early', 1, 'two', { three: [3] });
          next();
        });
        io.on('connection', (s: ServerSocket) => {
          s.emit('client-id', { id: s.id, peers: [] });
          s.emit('message', { type: 'offer', sdp: 'v=0\r\n', from: 'x' });
          s.emit('no-args');
          s.emit('multi', null, 0, false, '', [], { a: { b: [1, 'é'] } });
          s.on('done', () => s.emit('done', relay.ids.name(s.id)));
        });
      },
      async (relay, clients) => {
        const c = new Client(impl, relay, transport, opts);
        clients.push(c);
        c.record(relay.ids, 'early', 'client-id', 'message', 'no-args', 'multi', 'done');
        // Before CONNECT: buffered, sent in order once connected.
        c.socket.emit('message', { n: 1 });
        c.socket.emit('message', 'two', 3);
        // Sent straight away: after the buffered ones, which go out before `connect` fires.
        c.socket.on('connect', () => c.socket.emit('message', 'on connect'));
        c.socket.on('client-id', () => {
          c.socket.emit('message', { type: 'answer', sdp: 'v=0\r\n' });
          c.socket.emit('done');
        });
        await waitFor('the done event', () => c.count('done') === 1, { timeoutMs: 10_000 });
        return { client: c.observed(), server: relay.seen.slice() };
      },
    );

for (const transport of Object.keys(TRANSPORTS) as TransportName[]) {
  test(`${transport}: connect with auth, events in order, the receive buffer before CONNECT, the send buffer before it`, async () => {
    for (const auth of [{ token: 't', n: 1 }, undefined]) {
      const seen = (await compare(transport, conversation(auth ? { auth } : {}))) as { client: unknown[]; server: unknown[] };
      assert.deepStrictEqual(seen.server[0], ['handshake', 'id1', auth ?? {}], 'the CONNECT packet carries auth');
      assert.deepStrictEqual(
        seen.client.map((e) => (e as unknown[])[0]),
        ['early', 'connect', 'client-id', 'message', 'no-args', 'multi', 'done'],
        'the event that came before CONNECT is delivered first, then connect',
      );
      assert.deepStrictEqual(entries(seen.client, 'early')[0], ['early', 1, 'two', { three: [3] }, CONNECTED_AS('id1')]);
      assert.deepStrictEqual(entries(seen.client, 'multi')[0], ['multi', null, 0, false, '', [], { a: { b: [1, 'é'] } }, CONNECTED_AS('id1')]);
      assert.deepStrictEqual(
        seen.server.filter((e) => (e as unknown[])[0] === 'message'),
        [
          ['message', 'id1', { n: 1 }],
          ['message', 'id1', 'two', 3],
          ['message', 'id1', 'on connect'],
          ['message', 'id1', { type: 'answer', sdp: 'v=0\r\n' }],
        ],
      );
    }
  });

  test(`${transport}: auth as a function, answering later`, async () => {
    const auth = (cb: (data: object) => void) => void setTimeout(() => cb({ token: 'from-fn' }), 20);
    const seen = (await compare(transport, conversation({ auth }))) as { server: unknown[] };
    assert.deepStrictEqual(seen.server[0], ['handshake', 'id1', { token: 'from-fn' }]);
  });

  test(`${transport}: a middleware refusal is connect_error with message and data, and ends the socket`, async () => {
    const refusals: Array<() => Error> = [
      () => new Error('room-full'),
      () => Object.assign(new Error('refused'), { data: { code: 'bad-token', detail: [1, { x: null }] } }),
    ];
    for (const refusal of refusals) {
      const seen = (await compare(transport, ({ impl, transport }) =>
        withRelay(
          (io) => io.use((_s, next) => next(refusal())),
          async (relay, clients) => {
            const c = new Client(impl, relay, transport, { auth: { room: 'r' } });
            clients.push(c);
            await waitFor('connect_error', () => c.count('connect_error') === 1, { timeoutMs: 10_000 });
            await sleep(400); // reconnectionDelay is 50 ms: a reconnection would have come
            return { client: c.observed(), handshakes: relay.seen.length, state: c.state(relay.ids) };
          },
        ),
      )) as { client: unknown[]; handshakes: number; state: unknown };
      const err = refusal();
      assert.deepStrictEqual(seen.client, [['connect_error', { error: err.message, data: (err as { data?: unknown }).data }, ENDED]]);
      assert.equal(seen.handshakes, 1, 'no reconnection after a refusal');
    }
  });

  test(`${transport}: a server-side disconnect is 'io server disconnect', no reconnection; connect() and the send buffer bring it back`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        (io) => io.on('connection', (s) => s.on('kick-me', () => s.disconnect(true))),
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          await waitFor('connect', () => c.socket.connected);
          c.socket.emit('kick-me');
          await waitFor('disconnect', () => c.count('disconnect') === 1);
          c.socket.emit('message', 'while kicked');
          await sleep(400);
          const connections = relay.connections;
          c.socket.connect(); // what the widget does after 'io server disconnect'
          await waitFor('the buffered message', () => relay.received('message').length === 1);
          return { client: c.observed(), connectionsWhileKicked: connections, server: relay.seen.slice() };
        },
      ),
    )) as { client: unknown[]; connectionsWhileKicked: number; server: unknown[] };
    assert.equal(seen.connectionsWhileKicked, 1, 'no reconnection after the server disconnected us');
    assert.deepStrictEqual(seen.client, [
      ['connect', CONNECTED_AS('id1')],
      ['disconnect', 'io server disconnect', 'undefined', ENDED],
      ['connect', CONNECTED_AS('id2')],
    ]);
    assert.deepStrictEqual(seen.server.at(-1), ['message', 'id2', 'while kicked']);
  });

  test(`${transport}: a relay restart on the same port: reconnection with a new id, emits while down delivered after it`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        (io) => io.on('connection', (s) => s.emit('client-id', { id: s.id })),
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          c.record(relay.ids, 'client-id');
          await waitFor('client-id', () => c.count('client-id') === 1);
          await relay.stop();
          await waitFor('disconnect', () => c.count('disconnect') === 1);
          c.socket.emit('message', 'down 1');
          c.socket.emit('message', { down: 2 });
          // At least one failed attempt, so that the log does not depend on how fast the relay comes back.
          await waitFor('a failed reconnection', () => c.count('connect_error') > 0, { timeoutMs: 10_000 });
          await relay.start();
          await waitFor('the buffered messages', () => relay.received('message').length === 2, { timeoutMs: 10_000 });
          return { client: c.observed(), messages: relay.seen.filter((e) => (e as unknown[])[0] === 'message') };
        },
      ),
    )) as { client: unknown[]; messages: unknown[] };
    const kinds = seen.client.map((e) => (e as unknown[])[0]);
    assert.deepStrictEqual(kinds, ['connect', 'client-id', 'disconnect', 'connect_error', 'connect', 'client-id']);
    assert.deepStrictEqual((seen.client[2] as unknown[]).at(-1), DOWN, 'still active: the Manager reconnects it');
    assert.deepStrictEqual(seen.client[4], ['connect', CONNECTED_AS('id2')]);
    assert.deepStrictEqual(seen.messages, [
      ['message', 'id2', 'down 1'],
      ['message', 'id2', { down: 2 }],
    ]);
  });

  test(`${transport}: disconnect() from the client, once; emits after it wait for connect()`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        () => {},
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          await waitFor('connect', () => c.socket.connected);
          c.socket.disconnect();
          c.socket.disconnect();
          const after = c.state(relay.ids);
          c.socket.emit('message', 'after disconnect');
          await waitFor('the server sees it', () => relay.received('server disconnect').length === 1);
          await sleep(300);
          const connections = relay.connections;
          c.socket.connect();
          await waitFor('the buffered message', () => relay.received('message').length === 1);
          // Once more: what the buffer held went out once.
          c.socket.disconnect();
          c.socket.connect();
          await waitFor('the third session', () => relay.connections === 3);
          await sleep(100);
          return { client: c.observed(), after, connections, server: relay.seen.slice() };
        },
      ),
    )) as { client: unknown[]; after: unknown; connections: number; server: unknown[] };
    assert.deepStrictEqual(seen.after, ENDED);
    assert.equal(seen.connections, 1);
    assert.deepStrictEqual(seen.client, [
      ['connect', CONNECTED_AS('id1')],
      ['disconnect', 'io client disconnect', 'undefined', ENDED],
      ['connect', CONNECTED_AS('id2')],
      ['disconnect', 'io client disconnect', 'undefined', ENDED],
      ['connect', CONNECTED_AS('id3')],
    ]);
    assert.deepStrictEqual(
      seen.server.filter((e) => ['server disconnect', 'message'].includes((e as unknown[])[0] as string)),
      [
        ['server disconnect', 'id1', 'client namespace disconnect'],
        ['message', 'id2', 'after disconnect'],
        ['server disconnect', 'id2', 'client namespace disconnect'],
      ],
    );
  });

  test(`${transport}: an emit after the ping deadline passed (a device waking from sleep) waits for the reconnection`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        () => {},
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          await waitFor('connect', () => c.socket.connected);
          // What a throttled ping timer leaves behind: the deadline passed, the timeout has not fired yet.
          (c.manager as unknown as { engine: { _pingTimeoutTime: number } }).engine._pingTimeoutTime = Date.now() - 1;
          c.socket.emit('message', 'after sleep');
          await waitFor('the message', () => relay.received('message').length === 1, { timeoutMs: 10_000 });
          return { client: c.observed(), messages: relay.seen.filter((e) => (e as unknown[])[0] === 'message') };
        },
      ),
    )) as { client: unknown[]; messages: unknown[] };
    assert.deepStrictEqual(seen.client, [
      ['connect', CONNECTED_AS('id1')],
      ['disconnect', 'ping timeout', 'undefined', DOWN],
      ['connect', CONNECTED_AS('id2')],
    ]);
    assert.deepStrictEqual(seen.messages, [['message', 'id2', 'after sleep']]);
  });

  test(`${transport}: a second namespace on an open Manager connects at once; each hears its own namespace`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        (io) => {
          io.on('connection', (s) => s.emit('hello', '/'));
          io.of('/admin').on('connection', (s) => s.emit('hello', '/admin', s.handshake.auth));
        },
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          c.record(relay.ids, 'hello');
          await waitFor('hello on /', () => c.count('hello') === 1);
          const admin = socketOn(impl, c.manager, '/admin', { auth: { role: 'admin' } });
          const heard: unknown[] = [];
          admin.on('hello', (...args: never[]) => void heard.push(args));
          admin.on('connect', () => void heard.push(['connect', admin.connected, admin.active]));
          await waitFor('hello on /admin', () => heard.length === 2);
          admin.disconnect();
          await sleep(100);
          return { client: c.observed(), heard, stillConnected: c.socket.connected };
        },
      ),
    )) as { client: unknown[]; heard: unknown[]; stillConnected: boolean };
    assert.deepStrictEqual(seen.client, [
      ['connect', CONNECTED_AS('id1')],
      ['hello', '/', CONNECTED_AS('id1')],
    ]);
    assert.deepStrictEqual(seen.heard, [['connect', true, true], ['/admin', { role: 'admin' }]]);
    assert.equal(seen.stillConnected, true, "one namespace's disconnect() leaves the Manager open for the other");
  });

  test(`${transport}: removeAllListeners silences every event, listeners added after it hear`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        (io) =>
          io.on('connection', (s) =>
            s.on('go', () => {
              s.emit('message', 'unheard');
              s.emit('after', 'heard');
              s.disconnect(true);
            }),
          ),
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          c.record(relay.ids, 'message');
          await waitFor('connect', () => c.socket.connected);
          c.socket.removeAllListeners();
          c.record(relay.ids, 'after');
          c.socket.emit('go');
          await waitFor('after', () => c.count('after') === 1);
          await waitFor('ended', () => !c.socket.active);
          return { client: c.observed(), state: c.state(relay.ids) };
        },
      ),
    )) as { client: unknown[]; state: unknown };
    assert.deepStrictEqual(seen.client, [
      ['connect', CONNECTED_AS('id1')],
      ['after', 'heard', CONNECTED_AS('id1')],
    ]);
    assert.deepStrictEqual(seen.state, ENDED);
  });

  test(`${transport}: reserved event names throw on emit; others, even Object.prototype's, are sent`, async () => {
    const names = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'hasOwnProperty', 'toString', 'constructor'];
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        () => {},
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          await waitFor('connect', () => c.socket.connected);
          const thrown = names.map((name) => {
            try {
              c.socket.emit(name, 1);
              return 'sent';
            } catch (e) {
              return (e as Error).message;
            }
          });
          await waitFor('the sent ones', () => relay.received('constructor').length === 1);
          return { thrown, server: relay.seen.slice(2) };
        },
      ),
    )) as { thrown: string[]; server: unknown[] };
    assert.deepStrictEqual(seen.thrown, [...names.slice(0, 6).map((n) => `"${n}" is a reserved event name`), 'sent', 'sent', 'sent']);
    assert.deepStrictEqual(seen.server, names.slice(6).map((n) => [n, 'id1', 1]));
  });

  test(`${transport}: nothing listening: the Manager's error is connect_error while the socket keeps trying`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        () => {},
        async (relay, clients) => {
          await relay.stop();
          const c = new Client(impl, relay, transport);
          clients.push(c);
          await waitFor('two failed attempts', () => c.count('connect_error') >= 2, { timeoutMs: 10_000 });
          c.socket.disconnect();
          const stopped = c.count('connect_error');
          await sleep(300);
          await relay.start(); // so that withRelay's stop has a server to close
          return { first: c.log[0], stillTrying: c.log[1], stoppedAfterDisconnect: c.count('connect_error') === stopped, state: c.state(relay.ids) };
        },
      ),
    )) as { first: unknown[]; stoppedAfterDisconnect: boolean; state: unknown };
    assert.equal(seen.first[0], 'connect_error');
    assert.deepStrictEqual(seen.first.at(-1), DOWN);
    assert.equal(seen.stoppedAfterDisconnect, true, 'disconnect() stops the attempts');
    assert.deepStrictEqual(seen.state, ENDED);
  });

  test(`${transport}: packets for another namespace are ignored; CONNECT without a session id and CONNECT_ERROR without data`, async () => {
    const seen = (await compare(transport, ({ impl, transport }) =>
      withRelay(
        () => {},
        async (relay, clients) => {
          const c = new Client(impl, relay, transport);
          clients.push(c);
          c.record(relay.ids, 'x');
          await waitFor('connect', () => c.socket.connected);
          // As the Manager's decoder hands them over (the server does not send these).
          const decoded = (packet: object) => (c.manager as unknown as { emit(ev: string, p: object): void }).emit('packet', packet);
          decoded({ type: 2, nsp: '/other', data: ['x', 1] });
          decoded({ type: 0, nsp: '/other', data: { sid: 'other' } });
          decoded({ type: 2, nsp: '/', data: ['x', 2] });
          decoded({ type: 0, nsp: '/' });
          // The Manager's own errors while connected (a transport error mid-session) are not connect_error.
          (c.manager as unknown as { emit(ev: string, e: Error): void }).emit('error', new Error('mid-session'));
          decoded({ type: 4, nsp: '/', data: 'no object' });
          return { client: c.observed() };
        },
      ),
    )) as { client: unknown[] };
    const kinds = seen.client.map((e) => (e as unknown[])[0]);
    assert.deepStrictEqual(kinds, ['connect', 'x', 'connect_error', 'connect_error']);
    assert.deepStrictEqual(seen.client[3], ['connect_error', { error: '', data: undefined }, { ...CONNECTED_AS('id1'), active: false }]);
  });
}

test('left out on purpose: a server event that asks for an ack reaches the listener without the ack callback', async () => {
  const args: Record<Impl, unknown[]> = { upstream: [], vendored: [] };
  for (const impl of ['upstream', 'vendored'] as const)
    await withRelay(
      (io) => io.on('connection', (s) => s.emit('ask', 'q', () => {})),
      async (relay, clients) => {
        const c = new Client(impl, relay, 'websocket');
        clients.push(c);
        c.socket.on('ask', (...got: never[]) => void (args[impl] = (got as unknown[]).map(relay.ids.norm)));
        await waitFor('ask', () => args[impl].length > 0);
      },
    );
  assert.deepStrictEqual(args.upstream, ['q', 'a function']);
  assert.deepStrictEqual(args.vendored, ['q']);
});

test(`the vendored Socket mirrors the socket.io-client the widget resolves (${VENDORED}), keeps only upstream members, and the bundle uses it`, () => {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('socket.io-client');
  const version = JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')).version;
  assert.equal(version, VENDORED, 'when socket.io-client moves, port the change and rename the vendored file');
  const alias = `'socket.io-client-${VENDORED}-socket.ts')`; // vendor(name, source, from, file) in rollup.config.mjs
  assert.ok(readFileSync(join(root, 'rollup.config.mjs'), 'utf8').includes(alias), `rollup.config.mjs aliases ./socket.js with ${alias}`);
  const members = (proto: object) => Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');
  const upstreamMembers = new Set(members(UpstreamSocket.prototype));
  assert.deepStrictEqual(members(VendoredSocket.prototype).sort(), ['active', 'connect', 'disconnect', 'disconnected', 'emit']);
  for (const m of members(VendoredSocket.prototype)) assert.ok(upstreamMembers.has(m), `${m} is upstream's`);
});
