// The slim Engine.IO socket of the script-tag bundle (src/vendor/engine.io-client-6.6.8-socket.ts) against the
// engine.io-client Socket it was derived from: every scenario runs once with each against a real socket.io
// Server on 127.0.0.1 (both with engine.io-client's own transports), and both must observe the same thing (the
// socket's events with their payloads and its state at each, what the server received). Session ids are
// renamed sid1, sid2... in the order they appear. Each scenario also pins what upstream does. The upgrade probe,
// left out on purpose, is checked behind a proxy that blocks WebSocket: upstream does not run it either there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Socket as TcpSocket } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import { sleep, waitFor } from '../support/wait.js';

// engine.io-client installs its `offline` listener when first loaded, where there is a global addEventListener:
// give Node.js one (an EventTarget) before loading either Socket, so that the listener is tested too.
const windowLike = new EventTarget();
Object.assign(globalThis, { addEventListener: windowLike.addEventListener.bind(windowLike), removeEventListener: windowLike.removeEventListener.bind(windowLike) });
const { Socket: UpstreamEngine } = await import('engine.io-client');
const { Socket: VendoredEngine } = await import('../../src/vendor/engine.io-client-6.6.8-socket.js');

const VENDORED = '6.6.8';
const root = new URL('../../', import.meta.url).pathname;

type Impl = 'upstream' | 'vendored';
/** What the scenarios use of an engine socket; both classes have it. */
interface Engine {
  readonly id?: string | null;
  readonly readyState?: string;
  readonly transport: { name: string };
  _pingTimeoutTime: number;
  _hasPingExpired(): boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  write(msg: string): unknown;
  close(): unknown;
}

/** The widget's transports (src/browser/socket-link.ts), and long-polling alone. */
const TRANSPORTS = { websocket: ['websocket', 'polling'], polling: ['polling'] } as const;
type TransportName = keyof typeof TRANSPORTS;

/** Gives session ids stable names so that two runs compare, and makes what listeners got comparable. */
class Ids {
  #names = new Map<string, string>();
  name(id: string | null | undefined): string | null | undefined {
    if (typeof id !== 'string') return id;
    if (!this.#names.has(id)) this.#names.set(id, `sid${this.#names.size + 1}`);
    return this.#names.get(id)!;
  }
  /** Replaces known ids inside strings (a CONNECT reply carries the Socket.IO id, which differs from the sid). */
  text = (s: string): string => s.replace(/"sid":"[^"]+"/g, (m) => `"sid":"${this.name(m.slice(7, -1))}"`);
  norm = (v: unknown): unknown => {
    if (v instanceof Error) return { error: v.message, type: (v as { type?: unknown }).type, code: (v as { code?: unknown }).code, description: typeof (v as { description?: unknown }).description };
    if (typeof v === 'string') return this.text(v);
    if (v && typeof v === 'object' && 'description' in v) return { description: typeof (v as { description: unknown }).description === 'string' ? (v as { description: string }).description : 'an object' };
    return v === undefined ? 'undefined' : typeof v === 'object' ? 'an object' : v;
  };
}

/** A real socket.io Server on 127.0.0.1 that records what its engine receives; restartable on its port. */
class Relay {
  readonly ids = new Ids();
  readonly seen: unknown[] = [];
  io!: Server;
  port = 0;
  constructor(readonly options: Partial<ServerOptions> = {}) {}
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const http = createHttpServer();
    this.io = new Server(http, this.options);
    this.io.engine.on('connection', (conn: { id: string; transport: { name: string }; on(ev: string, fn: (...a: never[]) => void): void }) => {
      this.seen.push(['connection', this.ids.name(conn.id), conn.transport.name]);
      conn.on('message', (data: string) => void this.seen.push(['message', this.ids.name(conn.id), this.ids.text(String(data))]));
      conn.on('close', (reason: string) => void this.seen.push(['server close', this.ids.name(conn.id), reason]));
    });
    this.io.on('connection', (s) => s.onAny((ev: string, ...args: unknown[]) => s.emit('echo', ev, ...args)));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (http.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return this.io.close();
  }
  /** The server side of the one engine connection. */
  conn(): { close(): void; pingIntervalTimer?: ReturnType<typeof setTimeout>; pingTimeoutTimer?: ReturnType<typeof setTimeout>; handshake?: unknown; request: { url: string } } {
    const clients = (this.io.engine as unknown as { clients: Record<string, never> }).clients;
    return Object.values(clients)[0];
  }
  received(): unknown[] {
    return this.seen.filter((e) => (e as unknown[])[0] === 'message').map((e) => (e as unknown[])[2]);
  }
}

/** One engine socket of `impl` and the log of what it observed. */
class Client {
  readonly engine: Engine;
  readonly log: unknown[] = [];
  constructor(
    impl: Impl,
    readonly ids: Ids,
    url: string,
    transport: TransportName,
    extra: object = {},
  ) {
    // What socket.io-client's Manager passes: its options (path /socket.io), the widget's transports.
    const opts = { path: '/socket.io', transports: [...TRANSPORTS[transport]], tryAllTransports: true, ...extra };
    this.engine = (impl === 'upstream' ? new UpstreamEngine(url, opts as never) : new VendoredEngine(url, opts)) as unknown as Engine;
    for (const ev of ['open', 'data', 'error', 'close'])
      this.engine.on(ev, (...args: never[]) => void this.log.push([ev, ...(args as unknown[]).map(ids.norm), this.state()]));
    this.engine.on('ping', () => void this.log.push(['ping']));
  }
  state(): unknown {
    const e = this.engine;
    return { readyState: e.readyState, id: this.ids.name(e.id), transport: e.transport?.name };
  }
  count(ev: string): number {
    return this.log.filter((e) => (e as unknown[])[0] === ev).length;
  }
  /** The log without pings (how many depends on timing) unless asked. */
  observed(withPings = false): unknown[] {
    return withPings ? this.log : this.log.filter((e) => (e as unknown[])[0] !== 'ping');
  }
}

/** Runs a scenario with upstream's Socket and with ours, asserts they saw the same, returns upstream's observation. */
async function compare(scenario: (impl: Impl) => Promise<unknown>): Promise<unknown> {
  const upstream = await scenario('upstream');
  const vendored = await scenario('vendored');
  assert.deepStrictEqual(vendored, upstream, 'the vendored engine socket observes what upstream does');
  return upstream;
}

async function withRelay<T>(options: Partial<ServerOptions>, body: (relay: Relay, clients: Client[]) => Promise<T>): Promise<T> {
  const relay = new Relay(options);
  await relay.start();
  const clients: Client[] = [];
  try {
    return await body(relay, clients);
  } finally {
    for (const c of clients) c.engine.close();
    await relay.stop();
  }
}

/** Socket.IO packets as the Manager writes them: CONNECT to '/', an event. */
const CONNECT = '0';
const EVENT = (...args: unknown[]) => '2' + JSON.stringify(args);
const OPEN = (transport: string, id = 'sid1') => ({ readyState: 'open', id, transport });

for (const transport of Object.keys(TRANSPORTS) as TransportName[]) {
  const first = TRANSPORTS[transport][0];

  test(`${transport}: opens, buffers writes until open, sends and receives in order, query from the URI`, async () => {
    const seen = (await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url + '/?room=a%20b&x=1', transport);
        clients.push(c);
        // Before open: buffered, sent in order once open (a CONNECT to '/' and one to a namespace the server lacks).
        c.engine.write(CONNECT);
        c.engine.write('0/nowhere,');
        await waitFor('both CONNECT replies', () => c.count('data') === 2);
        // Socket.IO's own socket holds events until its CONNECT is answered, as here.
        c.engine.write(EVENT('message', { n: 1, s: 'é\u2028' }));
        c.engine.write(EVENT('message', 'two'));
        await waitFor('two echoes', () => c.count('data') === 4);
        const query = new URL(relay.conn().request.url, 'http://x').searchParams;
        return { client: c.observed(), server: relay.received(), query: [query.get('room'), query.get('x'), query.get('EIO'), query.get('transport')] };
      }),
    )) as { client: unknown[][]; server: unknown[]; query: unknown[] };
    assert.deepStrictEqual(seen.query, ['a b', '1', '4', first]);
    assert.deepStrictEqual(seen.client[0], ['open', OPEN(first)]);
    assert.deepStrictEqual(seen.server, [CONNECT, '0/nowhere,', EVENT('message', { n: 1, s: 'é\u2028' }), EVENT('message', 'two')]);
    // The refusal of the unknown namespace comes first: '/' runs the server's (async) middleware chain.
    assert.deepStrictEqual(seen.client[1][1], '4/nowhere,{"message":"Invalid namespace"}');
    assert.match(String(seen.client[2][1]), /^0\{"sid":"[^"]+"\}$/);
    assert.deepStrictEqual(seen.client.slice(3).map((e) => e[1]), [EVENT('echo', 'message', { n: 1, s: 'é\u2028' }), EVENT('echo', 'message', 'two')]);
  });

  test(`${transport}: heartbeats answered (no close), then a ping timeout when the server stops pinging`, async () => {
    const seen = (await compare((impl) =>
      withRelay({ pingInterval: 80, pingTimeout: 200 }, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        await waitFor('three pings', () => c.count('ping') >= 3, { timeoutMs: 5_000 });
        const pinged = c.count('close') === 0 && c.engine.readyState === 'open';
        // The server goes silent: no more pings, and it does not time us out itself.
        const conn = relay.conn();
        clearTimeout(conn.pingIntervalTimer);
        clearTimeout(conn.pingTimeoutTimer);
        (conn as unknown as { schedulePing(): void }).schedulePing = () => {};
        const t0 = Date.now();
        await waitFor('the ping timeout', () => c.count('close') === 1, { timeoutMs: 5_000 });
        const waited = Date.now() - t0;
        return { pinged, client: c.observed(), quick: waited < 280 + 200 };
      }),
    )) as { pinged: boolean; client: unknown[]; quick: boolean };
    assert.equal(seen.pinged, true);
    assert.equal(seen.quick, true, 'closed within pingInterval + pingTimeout');
    assert.deepStrictEqual(seen.client, [
      ['open', OPEN(first)],
      ['close', 'ping timeout', 'undefined', { readyState: 'closed', id: null, transport: first }],
    ]);
  });

  test(`${transport}: a ping deadline passed unnoticed (a sleeping device): _hasPingExpired, then 'ping timeout'`, async () => {
    const seen = await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        await waitFor('open', () => c.count('open') === 1);
        const fresh = c.engine._hasPingExpired();
        c.engine._pingTimeoutTime = Date.now() - 1;
        const expired = [c.engine._hasPingExpired(), c.engine._hasPingExpired(), c.count('close')];
        await waitFor('close', () => c.count('close') === 1);
        c.engine.write('dropped after close');
        await sleep(100);
        return { fresh, expired, client: c.observed(), server: relay.received() };
      }),
    );
    assert.deepStrictEqual(seen, {
      fresh: false,
      expired: [true, true, 0],
      client: [
        ['open', OPEN(first)],
        ['close', 'ping timeout', 'undefined', { readyState: 'closed', id: null, transport: first }],
      ],
      server: [],
    });
  });

  test(`${transport}: the server closes the connection: 'transport close' with the transport's description`, async () => {
    const seen = (await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        await waitFor('open', () => c.count('open') === 1);
        relay.conn().close();
        await waitFor('close', () => c.count('close') === 1);
        return c.observed();
      }),
    )) as unknown[];
    assert.deepStrictEqual(seen[1], [
      'close',
      'transport close',
      { description: transport === 'polling' ? 'transport closed by the server' : 'websocket connection closed' },
      { readyState: 'closed', id: null, transport: first },
    ]);
  });

  test(`${transport}: nothing listening: every transport tried, then error and 'transport error'`, async () => {
    const seen = await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        await relay.stop();
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        await waitFor('close', () => c.count('close') === 1, { timeoutMs: 10_000 });
        await relay.start();
        return c.observed();
      }),
    );
    const [error, close] = seen as unknown[][];
    // Over long-polling at last (WebSocket first failed and handed over); its error is the event and the close's detail.
    assert.deepStrictEqual([error[0], (error[1] as { error: string }).error, (error[1] as { type: string }).type, error[2]], ['error', 'xhr poll error', 'TransportError', { readyState: 'opening', id: undefined, transport: 'polling' }]);
    assert.deepStrictEqual(close, ['close', 'transport error', error[1], { readyState: 'closed', id: null, transport: 'polling' }]);
  });

  test(`${transport}: close() sends what is buffered first, then 'forced close'; writes after it are dropped`, async () => {
    const seen = await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        c.engine.write(CONNECT);
        await waitFor('open', () => c.count('open') === 1);
        c.engine.write(EVENT('message', 'last words'));
        c.engine.close();
        c.engine.write(EVENT('message', 'too late'));
        await waitFor('the server sees the close', () => relay.seen.some((e) => (e as unknown[])[0] === 'server close'));
        await sleep(50);
        return { client: c.observed().filter((e) => (e as unknown[])[0] !== 'data'), server: relay.received(), closes: relay.seen.filter((e) => (e as unknown[])[0] === 'server close') };
      }),
    );
    assert.deepStrictEqual(seen, {
      client: [
        ['open', OPEN(first)],
        ['close', 'forced close', 'undefined', { readyState: 'closed', id: null, transport: first }],
      ],
      server: [CONNECT, EVENT('message', 'last words')],
      // How the server sees the end depends on the transport (a close packet; the WebSocket going away).
      closes: [['server close', 'sid1', transport === 'polling' ? 'transport close' : 'transport error']],
    });
  });

  test(`${transport}: the browser goes offline: 'transport close', network connection lost`, async () => {
    const seen = await compare((impl) =>
      withRelay({}, async (relay, clients) => {
        const c = new Client(impl, relay.ids, relay.url, transport);
        clients.push(c);
        await waitFor('open', () => c.count('open') === 1);
        windowLike.dispatchEvent(new Event('offline'));
        await waitFor('close', () => c.count('close') === 1);
        // Closed sockets no longer listen.
        windowLike.dispatchEvent(new Event('offline'));
        return c.observed();
      }),
    );
    assert.deepStrictEqual(seen, [
      ['open', OPEN(first)],
      ['close', 'transport close', { description: 'network connection lost' }, { readyState: 'closed', id: null, transport: first }],
    ]);
  });
}

test('polling: more buffered than the server takes in one request (maxPayload): split over several, all delivered in order', async () => {
  const big = (i: number) => EVENT('message', String(i).repeat(70));
  const seen = await compare((impl) =>
    withRelay({ maxHttpBufferSize: 300 }, async (relay, clients) => {
      const c = new Client(impl, relay.ids, relay.url, 'polling');
      clients.push(c);
      c.engine.write(CONNECT);
      await waitFor('the CONNECT reply', () => c.count('data') === 1);
      for (let i = 0; i < 8; i++) c.engine.write(big(i));
      await waitFor('all eight echoed', () => c.count('data') === 9, { timeoutMs: 10_000 });
      await sleep(100);
      return { client: c.observed(), server: relay.received() };
    }),
  );
  const { client, server } = seen as { client: unknown[][]; server: unknown[] };
  assert.deepStrictEqual(server, [CONNECT, ...Array.from({ length: 8 }, (_, i) => big(i))]);
  assert.deepStrictEqual(client.slice(2).map((e) => e[1]), Array.from({ length: 8 }, (_, i) => EVENT('echo', 'message', String(i).repeat(70))));
});

test('a server that refuses WebSocket: tryAllTransports falls back to long-polling, one session', async () => {
  const seen = await compare((impl) =>
    withRelay({ transports: ['polling'] }, async (relay, clients) => {
      const c = new Client(impl, relay.ids, relay.url, 'websocket');
      clients.push(c);
      c.engine.write(CONNECT);
      await waitFor('the CONNECT reply', () => c.count('data') === 1, { timeoutMs: 10_000 });
      return { client: c.observed(), server: relay.seen.slice() };
    }),
  );
  assert.deepStrictEqual(seen, {
    client: [
      ['open', OPEN('polling')],
      ['data', (seen as { client: unknown[][] }).client[1][1], OPEN('polling')],
    ],
    server: [['connection', 'sid1', 'polling'], ['message', 'sid1', CONNECT]],
  });
});

/** A TCP proxy in front of the relay that drops every WebSocket handshake, as some corporate proxies do. */
async function blockingProxy(target: number): Promise<{ url: string; blocked: () => number; close(): Promise<void> }> {
  let blocked = 0;
  const sockets = new Set<TcpSocket>();
  const server = createTcpServer((down) => {
    sockets.add(down);
    down.once('data', (head) => {
      if (/^upgrade:\s*websocket/im.test(head.toString('latin1'))) {
        blocked++;
        down.destroy();
        return;
      }
      const up = connect(target, '127.0.0.1', () => up.write(head));
      sockets.add(up);
      down.pipe(up).pipe(down);
      const end = () => (up.destroy(), down.destroy());
      up.on('error', end).on('close', end);
      down.on('error', end).on('close', end);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    blocked: () => blocked,
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

test('behind a proxy that blocks WebSocket: both fall back to long-polling and stay there, neither probes WebSocket again', async () => {
  const runs: Record<Impl, { observed: unknown; blocked: number }> = {} as never;
  for (const impl of ['upstream', 'vendored'] as const)
    await withRelay({}, async (relay, clients) => {
      const proxy = await blockingProxy(relay.port);
      try {
        const c = new Client(impl, relay.ids, proxy.url, 'websocket');
        clients.push(c);
        c.engine.write(CONNECT);
        await waitFor('the CONNECT reply', () => c.count('data') === 1, { timeoutMs: 10_000 });
        c.engine.write(EVENT('message', 'over polling'));
        await waitFor('the echo', () => c.count('data') === 2, { timeoutMs: 10_000 });
        await sleep(500); // time for upstream's upgrade probe to fail
        const state = c.state();
        c.engine.close();
        runs[impl] = { observed: { client: c.observed().slice(0, 3), state, server: relay.seen.filter((e) => (e as unknown[])[0] !== 'server close') }, blocked: proxy.blocked() };
      } finally {
        await proxy.close();
      }
    });
  assert.deepStrictEqual(runs.vendored.observed, runs.upstream.observed);
  assert.deepStrictEqual((runs.upstream.observed as { state: unknown }).state, OPEN('polling'));
  // Upstream's upgrade probe (left out of the vendored socket) never runs with the widget's options: tryAllTransports
  // dropped 'websocket' from its list when it failed, and upgrades are filtered by that list.
  assert.equal(runs.upstream.blocked, 1, 'upstream: the first WebSocket attempt only, no upgrade probe');
  assert.equal(runs.vendored.blocked, 1, 'vendored: the first WebSocket attempt only');
});

test(`the vendored engine socket mirrors the engine.io-client the widget resolves (${VENDORED}) and the bundle uses it`, () => {
  const { version } = JSON.parse(readFileSync(`${root}node_modules/engine.io-client/package.json`, 'utf8')) as { version: string };
  assert.equal(version, VENDORED, `engine.io-client is ${version}: diff its build/esm/socket.js against ${VENDORED}'s, port the change and rename src/vendor/engine.io-client-${VENDORED}-socket.ts`);
  const alias = `new URL('./src/vendor/engine.io-client-${VENDORED}-socket.ts'`;
  assert.ok(readFileSync(`${root}rollup.config.mjs`, 'utf8').includes(alias), `rollup.config.mjs aliases ./socket.js with ${alias}`);
});
