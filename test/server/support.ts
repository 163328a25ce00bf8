/**
 * Test support for the relay: a real relay on 127.0.0.1:0 and real socket.io-client
 * sockets over TCP that record everything the relay sends them; for HTTP alone, the relay
 * app without a port (`app.inject()`).
 */
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { buildRelay, type BuildRelayOptions } from '../../server/index.js';
import type {
  BoundPayload,
  ClientIdPayload,
  ClientToServerEvents,
  ErrorPayload,
  HandshakeAuth,
  PresencePayload,
  QueuedPayload,
  RelayedMessage,
  RingingPayload,
  ServerToClientEvents,
  SignalMessage,
} from '../../src/protocol/index.js';
import { waitFor, type WaitOptions } from '../support/wait.js';

export interface Relay {
  app: FastifyInstance;
  url: string;
  port: number;
}

/**
 * A relay app (silent, no static files unless asked), not listening, closed when the test ends: for `app.inject()`.
 * Tests read `/metrics` through inject, so it is on the app's own listener here (a deployment asks for it: METRICS_PORT or METRICS_TOKEN).
 */
export async function relayApp(t: TestContext, options: BuildRelayOptions = {}): Promise<FastifyInstance> {
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false, publicMetrics: true, ...options });
  t.after(() => app.close());
  return app;
}

/** A relay listening on 127.0.0.1:0, for real clients; closed when the test ends. */
export async function startRelay(t: TestContext, options: BuildRelayOptions = {}): Promise<Relay> {
  const app = await relayApp(t, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('relay has no TCP address');
  return { app, url: `http://127.0.0.1:${addr.port}`, port: addr.port };
}

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A socket.io-client socket plus a log of everything it received. */
export class TestClient {
  readonly messages: RelayedMessage[] = [];
  readonly errors: ErrorPayload[] = [];
  readonly joined: string[] = [];
  readonly left: string[] = [];
  readonly presence: PresencePayload[] = [];
  readonly ringing: RingingPayload[] = [];
  readonly bound: BoundPayload[] = [];
  readonly queued: QueuedPayload[] = [];
  info: ClientIdPayload | undefined;
  disconnectReason: string | undefined;
  connectError: (Error & { data?: ErrorPayload }) | undefined;

  constructor(
    readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>,
    readonly name: string,
  ) {
    socket.on('client-id', (d) => (this.info = d));
    socket.on('message', (m) => this.messages.push(m));
    socket.on('error', (e) => this.errors.push(e));
    socket.on('peer-joined', (p) => this.joined.push(p.id));
    socket.on('peer-left', (p) => this.left.push(p.id));
    socket.on('presence', (p) => this.presence.push(p));
    socket.on('ringing', (p) => this.ringing.push(p));
    socket.on('bound', (p) => this.bound.push(p));
    socket.on('queued', (p) => this.queued.push(p));
    socket.on('disconnect', (reason) => (this.disconnectReason = reason));
    socket.on('connect_error', (err) => (this.connectError = err as Error & { data?: ErrorPayload }));
  }

  get id(): string {
    if (!this.info) throw new Error(`${this.name} has no client-id yet`);
    return this.info.id;
  }

  send(m: SignalMessage): void {
    this.socket.emit('message', m);
  }

  /** Sends anything at all as a `message` (bad-input tests). */
  sendRaw(...args: unknown[]): void {
    (this.socket as unknown as { emit(ev: string, ...a: unknown[]): void }).emit('message', ...args);
  }

  /**
   * The shared waitFor with this client's name in the timeout message. It probes only what
   * the client has recorded, so it probes often (every 5 ms, 15 s at most by default).
   */
  async waitFor(what: string, probe: (c: this) => boolean, opts: WaitOptions = {}): Promise<void> {
    await waitFor(`${this.name}: ${what}`, () => probe(this), { timeoutMs: 15_000, intervalMs: 5, ...opts });
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a client without waiting for anything; closed when the test ends. */
export function openClient(t: TestContext, url: string, opts: ClientOptions = {}, name = 'client'): TestClient {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...opts,
  });
  const c = new TestClient(socket, name);
  t.after(() => c.close());
  return c;
}

/** Opens a client and waits for its `client-id`. */
export async function connectClient(t: TestContext, url: string, opts: ClientOptions = {}, name = 'client'): Promise<TestClient> {
  const c = openClient(t, url, opts, name);
  await c.waitFor('client-id', (x) => x.info !== undefined || x.connectError !== undefined || x.errors.length > 0);
  if (!c.info) throw new Error(`${name} was refused: ${c.connectError?.message ?? JSON.stringify(c.errors)}`);
  return c;
}

/** A protocol-2 client (the widget's handshake) in `room`, placed and with its client-id. */
export function v2Client(t: TestContext, url: string, room: string, name: string, auth: Omit<HandshakeAuth, 'room' | 'protocol'> = {}): Promise<TestClient> {
  return connectClient(t, url, { auth: { room, protocol: 2, name, ...auth } }, name);
}

/** The messages of `type` a client received. */
export const received = (c: TestClient, type: string): RelayedMessage[] => c.messages.filter((m) => m.type === type);

/**
 * Two clients in one room, each having seen the other (so neither misses the other's first
 * message): both on `url`, or b on `urlB` (another node of the same Redis).
 */
export async function pair(t: TestContext, url: string, room?: string, urlB = url): Promise<[TestClient, TestClient]> {
  const auth = room === undefined ? {} : { room };
  const on = (u: string): string => (urlB === url ? '' : ` on :${new URL(u).port}`);
  const a = await connectClient(t, url, { auth }, `a@${room ?? 'default'}${on(url)}`);
  const b = await connectClient(t, urlB, { auth }, `b@${room ?? 'default'}${on(urlB)}`);
  await a.waitFor('peer-joined of b', (x) => x.joined.includes(b.id));
  return [a, b];
}

/** A realistic candidate line. */
export const candidateLine = (n = 1): string =>
  `candidate:${n} 1 udp 2122260223 192.168.1.${n % 250} ${50000 + n} typ host generation 0 ufrag Hx1o network-id 1`;

/**
 * Asserts nothing sent before now reached `peer` from `sender`: sends a sentinel and checks
 * it is the first message the peer sees (a socket's messages are delivered in order).
 */
export async function assertNothingRelayed(sender: TestClient, peer: TestClient, seenBefore = 0): Promise<void> {
  const sentinel = `candidate:sentinel-${Math.random().toString(36).slice(2)} 1 udp 1 10.0.0.1 9 typ host`;
  sender.send({ type: 'candidate', candidate: sentinel });
  await peer.waitFor('the sentinel message', (p) => p.messages.some((m) => m.candidate === sentinel));
  const after = peer.messages.slice(seenBefore);
  if (after.length !== 1 || after[0]?.candidate !== sentinel)
    throw new Error(`${peer.name} received something besides the sentinel: ${JSON.stringify(after)}`);
}

/**
 * The tutorial's way into a call (protocol 1): `caller`'s ready rings `callee`, whose own ready
 * answers it; the caller hears that ready (and offers, in the tutorial). Returns the call id the
 * relay made, with both sides bound.
 */
export async function v1Call(caller: TestClient, callee: TestClient): Promise<string> {
  const seen = [caller.messages.length, callee.messages.length] as const;
  caller.send({ type: 'ready', clientId: caller.id });
  await callee.waitFor('the ring', (x) => x.messages.slice(seen[1]).some((m) => m.type === 'ready' && m.from === caller.id));
  const call = callee.messages.slice(seen[1]).find((m) => m.type === 'ready')!.call!;
  callee.send({ type: 'ready', clientId: callee.id });
  await caller.waitFor('the answer (ready)', (x) => x.messages.slice(seen[0]).some((m) => m.type === 'ready' && m.from === callee.id));
  await callee.waitFor('bound', (x) => x.bound.some((b) => b.call === call));
  return call;
}

/** One of every message type, as a call sends them (SDPs tagged so tests can tell calls apart). */
export const callMessages = (sdpTag: string): SignalMessage[] => [
  { type: 'ready' },
  { type: 'offer', sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=${sdpTag}\r\n` },
  { type: 'answer', sdp: `v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=${sdpTag}\r\n` },
  { type: 'candidate', candidate: candidateLine(7), sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Hx1o' },
  { type: 'candidate', candidate: '' },
  { type: 'bye' },
];

/** Reads one sample `name{labels...}` from a Prometheus text exposition (labels matched as substrings). */
export function sample(text: string, name: string, ...labels: string[]): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
