// The script-tag bundle's Socket.IO stack, built by its slim Manager (src/vendor/socket.io-client-4.8.4-manager.ts
// with the vendored engine socket, Socket and JSON parser), against socket.io-client's own Manager, Socket and
// engine: every scenario runs once with each against a real socket.io Server on 127.0.0.1, with the widget's
// options (src/browser/socket-link.ts: WebSocket then long-polling, tryAllTransports, an auth function) and fast
// reconnection, and both must observe the same (the socket's events with their payloads and state, what the
// server received). Each scenario also pins what upstream does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket as TcpSocket } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import { Manager as UpstreamManager } from 'socket.io-client';
import { Manager as VendoredManager } from '../../src/vendor/socket.io-client-4.8.4-manager.js';
import { sleep, waitFor } from '../support/wait.js';

const VENDORED = '4.8.4';
const root = new URL('../../', import.meta.url).pathname;
type Impl = 'upstream' | 'vendored';

interface ClientSocket {
  readonly id?: string;
  readonly connected: boolean;
  readonly active: boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

/** A real socket.io Server that records handshakes (with auth), events and disconnects; restartable on its port. */
class Relay {
  readonly seen: unknown[] = [];
  #ids = new Map<string, string>();
  io!: Server;
  port = 0;
  constructor(
    readonly options: Partial<ServerOptions>,
    readonly setup: (io: Server) => void = () => {},
  ) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  name = (id: string | undefined): string | undefined => {
    if (id === undefined) return id;
    if (!this.#ids.has(id)) this.#ids.set(id, `id${this.#ids.size + 1}`);
    return this.#ids.get(id);
  };
  async start(): Promise<void> {
    const http = createServer();
    this.io = new Server(http, this.options);
    this.io.use((s, next) => {
      this.seen.push(['handshake', s.handshake.auth, s.conn.transport.name]);
      next();
    });
    this.setup(this.io);
    this.io.on('connection', (s) => {
      s.onAny((ev: string, ...args: unknown[]) => void this.seen.push([ev, this.name(s.id), ...args]));
      s.on('disconnect', (reason) => void this.seen.push(['server disconnect', this.name(s.id), reason]));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (http.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return this.io.close();
  }
  count(kind: string): number {
    return this.seen.filter((e) => (e as unknown[])[0] === kind).length;
  }
}

/** The widget's options (socket-link.ts), with reconnection made fast and deterministic. */
const OPTIONS = { transports: ['websocket', 'polling'], tryAllTransports: true, reconnectionDelay: 50, reconnectionDelayMax: 200, randomizationFactor: 0 };

class Client {
  readonly manager: { socket(nsp: string, opts: object): unknown; _close(): void };
  readonly socket: ClientSocket;
  readonly log: unknown[] = [];
  readonly times: Record<string, number[]> = {};
  /** How often the auth function was called. */
  auths = 0;
  constructor(impl: Impl, relay: Relay, extra: object = {}, url = relay.url) {
    const opts = { ...OPTIONS, ...extra };
    this.manager = (impl === 'upstream' ? new UpstreamManager(url, opts as never) : new VendoredManager(url, opts)) as unknown as Client['manager'];
    // As socket-link.ts: auth read at every (re)connect.
    const auth = (cb: (data: object) => void) => cb({ room: 'r', n: ++this.auths });
    this.socket = this.manager.socket('/', { auth }) as ClientSocket;
    for (const ev of ['connect', 'connect_error', 'disconnect', 'echo'])
      this.socket.on(ev, (...args: never[]) => {
        (this.times[ev] ||= []).push(Date.now());
        const shown = (args as unknown[]).map((a) => (a instanceof Error ? { error: a.message, data: (a as { data?: unknown }).data } : a));
        if (ev === 'disconnect') shown.splice(1); // the description is the transport's own detail
        this.log.push([ev, ...shown, { connected: this.socket.connected, active: this.socket.active, id: relay.name(this.socket.id) }]);
      });
  }
  count(ev: string): number {
    return this.log.filter((e) => (e as unknown[])[0] === ev).length;
  }
  /** The log, runs of identical connect_errors as one (how many depends on timing). */
  observed(): unknown[] {
    return this.log.filter((e, i) => !(i > 0 && (e as unknown[])[0] === 'connect_error' && JSON.stringify(e) === JSON.stringify(this.log[i - 1])));
  }
  close(): void {
    this.socket.disconnect();
    this.manager._close();
  }
}

async function compare(scenario: (impl: Impl) => Promise<unknown>): Promise<unknown> {
  const upstream = await scenario('upstream');
  const vendored = await scenario('vendored');
  assert.deepStrictEqual(vendored, upstream, "the vendored Manager's stack observes what upstream's does");
  return upstream;
}

async function withRelay<T>(options: Partial<ServerOptions>, setup: (io: Server) => void, body: (relay: Relay, clients: Client[]) => Promise<T>): Promise<T> {
  const relay = new Relay(options, setup);
  await relay.start();
  const clients: Client[] = [];
  try {
    return await body(relay, clients);
  } finally {
    for (const c of clients) c.close();
    await relay.stop();
  }
}

const UP = (id: string) => ({ connected: true, active: true, id });
const DOWN = { connected: false, active: true, id: undefined };
const ENDED = { connected: false, active: false, id: undefined };
const echo = (io: Server) => io.on('connection', (s) => s.on('message', (...args: unknown[]) => void s.emit('echo', ...args)));

/** A server that allows WebSocket, and one that refuses it (as a proxy that blocks it would): long-polling then. */
const SERVERS = { websocket: {}, 'websocket refused': { transports: ['polling'] } } as const satisfies Record<string, Partial<ServerOptions>>;

for (const [server, options] of Object.entries(SERVERS)) {
  const transport = server === 'websocket' ? 'websocket' : 'polling';

  test(`${server}: connects with the auth function, events both ways; a relay restart reconnects with fresh auth and buffered emits`, async () => {
    const seen = (await compare((impl) =>
      withRelay(options, echo, async (relay, clients) => {
        const c = new Client(impl, relay);
        clients.push(c);
        c.socket.emit('message', { before: 'connect' });
        await waitFor('echo', () => c.count('echo') === 1, { timeoutMs: 10_000 });
        await relay.stop();
        await waitFor('disconnect', () => c.count('disconnect') === 1);
        c.socket.emit('message', 'while down');
        await waitFor('a failed reconnection', () => c.count('connect_error') > 0, { timeoutMs: 10_000 });
        await relay.start();
        await waitFor('the buffered emit echoed', () => c.count('echo') === 2, { timeoutMs: 10_000 });
        return { client: c.observed(), server: relay.seen.filter((e) => (e as unknown[])[0] !== 'server disconnect') };
      }),
    )) as { client: unknown[][]; server: unknown[] };
    assert.deepStrictEqual(
      seen.client.map((e) => e[0]),
      ['connect', 'echo', 'disconnect', 'connect_error', 'connect', 'echo'],
    );
    assert.deepStrictEqual(seen.client[2], ['disconnect', 'transport close', DOWN]);
    assert.deepStrictEqual(seen.client[4], ['connect', UP('id2')]);
    assert.deepStrictEqual(seen.server, [
      ['handshake', { room: 'r', n: 1 }, transport],
      ['message', 'id1', { before: 'connect' }],
      ['handshake', { room: 'r', n: 2 }, transport],
      ['message', 'id2', 'while down'],
    ]);
  });

  test(`${server}: a middleware refusal is connect_error with message and data, and no reconnection`, async () => {
    const seen = await compare((impl) =>
      withRelay(
        options,
        (io) => io.use((_s, next) => next(Object.assign(new Error('refused'), { data: { code: 'bad-token' } }))),
        async (relay, clients) => {
          const c = new Client(impl, relay);
          clients.push(c);
          await waitFor('connect_error', () => c.count('connect_error') === 1, { timeoutMs: 10_000 });
          await sleep(400);
          return { client: c.observed(), handshakes: relay.count('handshake') };
        },
      ),
    );
    assert.deepStrictEqual(seen, { client: [['connect_error', { error: 'refused', data: { code: 'bad-token' } }, ENDED]], handshakes: 1 });
  });

  test(`${server}: 'io server disconnect' (no reconnection), 'io client disconnect', 'ping timeout' (reconnects), 'parse error' (reconnects)`, async () => {
    const seen = await compare((impl) =>
      withRelay(
        { ...options, pingInterval: 100, pingTimeout: 200 },
        (io) =>
          io.on('connection', (s) => {
            s.on('kick-me', () => s.disconnect(true));
            s.on('garble', () => (s.conn as unknown as { send(d: string): void }).send('9 not a packet'));
            s.on('go-silent', () => {
              const conn = s.conn as unknown as { pingIntervalTimer?: ReturnType<typeof setTimeout>; pingTimeoutTimer?: ReturnType<typeof setTimeout>; schedulePing(): void };
              clearTimeout(conn.pingIntervalTimer);
              clearTimeout(conn.pingTimeoutTimer);
              conn.schedulePing = () => {};
            });
          }),
        async (relay, clients) => {
          const c = new Client(impl, relay);
          clients.push(c);
          await waitFor('connect', () => c.count('connect') === 1, { timeoutMs: 10_000 });
          c.socket.emit('go-silent');
          await waitFor('reconnected after the ping timeout', () => c.count('connect') === 2, { timeoutMs: 10_000 });
          c.socket.emit('garble');
          await waitFor('reconnected after the parse error', () => c.count('connect') === 3, { timeoutMs: 10_000 });
          c.socket.emit('kick-me');
          await waitFor('kicked', () => c.count('disconnect') === 3);
          await sleep(300);
          const handshakes = relay.count('handshake');
          c.socket.connect();
          await waitFor('connect', () => c.count('connect') === 4, { timeoutMs: 10_000 });
          c.socket.disconnect();
          await waitFor('the server sees it', () => relay.seen.filter((e) => (e as unknown[])[2] === 'client namespace disconnect').length === 1);
          return { client: c.observed(), handshakes, auths: c.auths };
        },
      ),
    );
    assert.deepStrictEqual(seen, {
      client: [
        ['connect', UP('id1')],
        ['disconnect', 'ping timeout', DOWN],
        ['connect', UP('id2')],
        ['disconnect', 'parse error', DOWN],
        ['connect', UP('id3')],
        ['disconnect', 'io server disconnect', ENDED],
        ['connect', UP('id4')],
        ['disconnect', 'io client disconnect', ENDED],
      ],
      handshakes: 3,
      auths: 4,
    });
  });
}

test('nothing listening: connect_error with the transport error, retried with backoff (50, 100, 200, 200 ms) until disconnect()', async () => {
  const runs = (await compare((impl) =>
    withRelay({}, () => {}, async (relay, clients) => {
      await relay.stop();
      const c = new Client(impl, relay);
      clients.push(c);
      await waitFor('five failed attempts', () => c.count('connect_error') >= 5, { timeoutMs: 10_000 });
      c.socket.disconnect();
      const n = c.count('connect_error');
      await sleep(400);
      const t = c.times.connect_error;
      await relay.start();
      // Each gap is the backoff delay plus one failed attempt (a few ms on loopback; up to 100 ms allowed).
      const gaps = t.slice(1, 5).map((x, i) => x - t[i]);
      return { first: c.log[0], stopped: c.count('connect_error') === n, gaps: [50, 100, 200, 200].map((d, i) => (gaps[i] >= d - 5 && gaps[i] < d + 100 ? d : gaps[i])) };
    }),
  )) as { gaps: number[] };
  assert.deepStrictEqual(runs, { first: ['connect_error', { error: 'xhr poll error', data: undefined }, DOWN], stopped: true, gaps: [50, 100, 200, 200] });
});

test('a server that accepts TCP but never answers: connect_error "timeout" after the timeout option, then retries', async () => {
  const sockets = new Set<TcpSocket>();
  const silent = createTcpServer((s) => void sockets.add(s.on('error', () => {})));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const seen = await compare((impl) =>
      withRelay({}, () => {}, async (relay, clients) => {
        const c = new Client(impl, relay, { timeout: 300 }, url);
        clients.push(c);
        await waitFor('two timeouts', () => c.count('connect_error') >= 2, { timeoutMs: 10_000 });
        return c.observed().slice(0, 1);
      }),
    );
    assert.deepStrictEqual(seen, [['connect_error', { error: 'timeout', data: undefined }, DOWN]]);
  } finally {
    sockets.forEach((s) => s.destroy());
    silent.close();
  }
});

test(`the vendored Manager mirrors the socket.io-client the widget resolves (${VENDORED}) and the bundle uses it`, () => {
  const { version } = JSON.parse(readFileSync(`${root}node_modules/socket.io-client/package.json`, 'utf8')) as { version: string };
  assert.equal(version, VENDORED, `socket.io-client is ${version}: diff its build/esm/manager.js against ${VENDORED}'s, port the change and rename src/vendor/socket.io-client-${VENDORED}-manager.ts`);
  const alias = `'socket.io-client-${VENDORED}-manager.ts')`; // vendor(name, source, from, file) in rollup.config.mjs
  assert.ok(readFileSync(`${root}rollup.config.mjs`, 'utf8').includes(alias), `rollup.config.mjs aliases ./manager.js with ${alias}`);
});
