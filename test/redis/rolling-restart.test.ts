/**
 * A rolling restart loses nobody: two relay nodes (the CLI, each its own process, one real
 * redis-server) behind a small TCP proxy that sends each new connection to a node that is up;
 * 50 clients (Socket.IO's own reconnection, as a page has) from five loopback addresses. Each
 * node in turn gets SIGTERM and comes back on its port: every client that loses its link gets
 * `client-id` again within 10 s, and none is ever refused.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket as TcpSocket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/protocol/index.js';
import { freeTcpPort } from '../e2e/support/ports.js';
import { waitFor } from '../support/wait.js';
import { redisFor } from './cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENTS = 50;
const ADDRESSES = ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4', '127.0.1.5'];
const BACK_WITHIN_MS = 10_000;

interface Node {
  port: number;
  child: ChildProcess;
  log(): string;
}

/** The relay CLI on `port` (what `npm start` runs, through tsx), up once /healthz answers. */
async function startNode(t: TestContext, port: number, redisUrl: string): Promise<Node> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redisUrl, LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-10_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-10_000)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitFor(`node :${port} up`, async () => {
    if (child.exitCode !== null) throw new Error(`node :${port} exited (${child.exitCode}):\n${out}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  }, { timeoutMs: 20_000, intervalMs: 100 });
  return { port, child, log: () => out };
}

/** SIGTERM, as an orchestrator stops a node; resolves with its exit code. */
async function stopNode(node: Node): Promise<number | null> {
  const exited = once(node.child, 'exit');
  node.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

/**
 * A TCP proxy: each new connection goes to the next node in turn, or to the other one when that
 * refuses it, from the client's own source address (any 127.x address is local), so the
 * relay's per-address limits see the clients, not the proxy.
 */
async function startProxy(t: TestContext, ports: number[]): Promise<{ port: number; routed: number[] }> {
  const routed = ports.map(() => 0);
  let turn = 0;
  const open = new Set<TcpSocket>();
  const server: Server = createServer((client: TcpSocket) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.pause();
    const first = turn++ % ports.length;
    const tryNode = (k: number): void => {
      if (k === ports.length) return void client.destroy();
      const i = (first + k) % ports.length;
      const upstream = connect({ port: ports[i]!, host: '127.0.0.1', localAddress: client.remoteAddress });
      upstream.once('error', () => (upstream.destroy(), tryNode(k + 1)));
      upstream.once('connect', () => {
        routed[i]!++;
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryNode(0);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => (server.close(() => r()), open.forEach((c) => c.destroy()))));
  return { port: (server.address() as { port: number }).port, routed };
}

interface Tracked {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  clientIds: number;
  /** ms from each lost link to the next client-id. */
  gaps: number[];
  lostAt: number | undefined;
  connectErrors: string[];
  errors: string[];
}

test(`a rolling restart of two nodes behind a proxy: ${CLIENTS} clients all get client-id again within ${BACK_WITHIN_MS / 1000} s, none refused`, { timeout: 120_000 }, async (t) => {
  const redis = await redisFor(t);
  const ports = [await freeTcpPort(), await freeTcpPort()];
  const nodes = [await startNode(t, ports[0]!, redis.url), await startNode(t, ports[1]!, redis.url)];
  const proxy = await startProxy(t, ports);

  const clients: Tracked[] = Array.from({ length: CLIENTS }, (_, i) => {
    const socket: Tracked['socket'] = io(`http://127.0.0.1:${proxy.port}`, {
      transports: ['websocket'],
      forceNew: true,
      localAddress: ADDRESSES[i % ADDRESSES.length],
      auth: { room: `rolling-${i % 10}`, protocol: 2, name: `client ${i}` },
    } as Parameters<typeof io>[1]);
    const c: Tracked = { socket, clientIds: 0, gaps: [], lostAt: undefined, connectErrors: [], errors: [] };
    socket.on('client-id', () => {
      c.clientIds++;
      if (c.lostAt !== undefined) c.gaps.push(Date.now() - c.lostAt);
      c.lostAt = undefined;
    });
    socket.on('disconnect', () => (c.lostAt = Date.now()));
    socket.on('connect_error', (e) => c.connectErrors.push(`${e.message} ${JSON.stringify((e as Error & { data?: unknown }).data ?? '')}`));
    socket.on('error', (e) => c.errors.push(e.code));
    return c;
  });
  t.after(() => clients.forEach((c) => c.socket.close()));
  await waitFor('every client joined', () => clients.every((c) => c.clientIds === 1), { timeoutMs: 20_000 });
  const before = [...proxy.routed];

  for (const k of [0, 1]) {
    const stopped = Date.now();
    assert.equal(await stopNode(nodes[k]!), 0, `node ${k} exits 0 on SIGTERM:\n${nodes[k]!.log()}`);
    nodes[k] = await startNode(t, ports[k]!, redis.url);
    await waitFor(`node ${k}'s clients back`, () => clients.every((c) => c.lostAt === undefined && c.socket.connected), { timeoutMs: BACK_WITHIN_MS + 5000 });
    t.diagnostic(`node ${k}: stopped, back after ${Date.now() - stopped} ms; connections routed so far ${proxy.routed.join(' / ')}`);
  }

  const gaps = clients.flatMap((c) => c.gaps);
  t.diagnostic(`${gaps.length} links lost and found again; longest gap ${Math.max(...gaps)} ms; initial split ${before.join(' / ')}`);
  assert.ok(clients.every((c) => c.gaps.length >= 1), 'every client was on a node that restarted at least once');
  assert.ok(gaps.every((g) => g <= BACK_WITHIN_MS), `client-id again within ${BACK_WITHIN_MS} ms: ${gaps.filter((g) => g > BACK_WITHIN_MS).join(', ')}`);
  assert.deepEqual(clients.flatMap((c) => c.connectErrors), [], 'no handshake was refused');
  assert.deepEqual([...new Set(clients.flatMap((c) => c.errors))].filter((e) => e !== 'shutting-down'), [], 'no refusal but shutting-down');
});
