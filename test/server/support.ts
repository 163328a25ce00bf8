/**
 * Test support for the relay: a real relay on 127.0.0.1:0 and real socket.io-client
 * sockets over TCP that record everything the relay sends them.
 */
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { buildRelay, type BuildRelayOptions } from '../../server/relay.js';
import type {
  ClientIdPayload,
  ClientToServerEvents,
  ErrorPayload,
  RelayedMessage,
  ServerToClientEvents,
  SignalMessage,
} from '../../src/protocol.js';

export interface Relay {
  app: FastifyInstance;
  url: string;
  port: number;
}

/** Starts a relay (silent, no static files unless asked) and closes it when the test ends. */
export async function startRelay(t: TestContext, options: BuildRelayOptions = {}): Promise<Relay> {
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false, ...options });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('relay has no TCP address');
  return { app, url: `http://127.0.0.1:${addr.port}`, port: addr.port };
}

export async function waitUntil(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A socket.io-client socket plus a log of everything it received. */
export class TestClient {
  readonly messages: RelayedMessage[] = [];
  readonly errors: ErrorPayload[] = [];
  readonly joined: string[] = [];
  readonly left: string[] = [];
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

  waitFor(pred: (c: this) => boolean, what: string, timeoutMs?: number): Promise<void> {
    return waitUntil(() => pred(this), `${this.name}: ${what}`, timeoutMs);
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
  await c.waitFor((x) => x.info !== undefined || x.connectError !== undefined || x.errors.length > 0, 'client-id');
  if (!c.info) throw new Error(`${name} was refused: ${c.connectError?.message ?? JSON.stringify(c.errors)}`);
  return c;
}

/** Two clients in one room, each having seen the other (so neither misses the other's first message). */
export async function pair(t: TestContext, url: string, room?: string): Promise<[TestClient, TestClient]> {
  const auth = room === undefined ? {} : { room };
  const a = await connectClient(t, url, { auth }, `a@${room ?? 'default'}`);
  const b = await connectClient(t, url, { auth }, `b@${room ?? 'default'}`);
  await a.waitFor((x) => x.joined.includes(b.id), 'peer-joined of b');
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
  await peer.waitFor((p) => p.messages.some((m) => m.candidate === sentinel), 'the sentinel message');
  const after = peer.messages.slice(seenBefore);
  if (after.length !== 1 || after[0]?.candidate !== sentinel)
    throw new Error(`${peer.name} received something besides the sentinel: ${JSON.stringify(after)}`);
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
