/**
 * One server under test for `npm run bench:relay`, in its own process so its RSS is
 * its own and it never shares an event loop with the load generator or another node.
 * argv: `relay [redisUrl]` or `bare`. Talks to bench/relay-load.ts over IPC (bench/ipc.ts).
 * Run with --expose-gc: memory is measured after full collections.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { buildRelay } from '../server/index.js';
import { sleep } from '../test/support/wait.js';
import { startBareRelay } from './bare-relay.js';
import type { HostReply, HostRequest, ServerKind } from './ipc.js';

const kind = process.argv[2] as ServerKind;
const redisUrl = process.argv[3] || undefined;
const reply = (m: HostReply): void => {
  process.send?.(m);
};

async function start(): Promise<{ port: number; sockets: () => number; close: () => Promise<void> }> {
  if (kind === 'bare') {
    const bare = await startBareRelay();
    return { port: bare.port, sockets: () => -1, close: bare.close };
  }
  const app = await buildRelay({
    logLevel: 'warn',
    staticDirs: false,
    redisUrl,
    // The token bucket still runs on every message (its cost is measured); the limit is
    // raised only so the closed loop measures the relay, not the 50 msg/s policy.
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    // The load generator opens thousands of sockets from one loopback address: the per-address
    // and per-node connection limits (issue 12) would refuse them; the bench measures the relay.
    maxSocketsPerAddress: 1e6,
    handshakesPerSecond: 1e6,
    maxSockets: 1e6,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    sockets: () => app.io.engine.clientsCount,
    close: () => app.close(),
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

async function memory(sockets: number): Promise<HostReply> {
  // Several full collections with pauses: what is left is what the sockets hold.
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(200);
  }
  const m = process.memoryUsage();
  return { ev: 'memory', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, sockets };
}

async function snapshot(file: string): Promise<HostReply> {
  gc?.();
  await sleep(200);
  return { ev: 'snapshot', file: writeHeapSnapshot(file) };
}

/** This process's soft RLIMIT_NOFILE (Node has no getrlimit): how many sockets it can hold at most. */
export function fdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? 1024);
}

// Event-loop delay in the server process itself (10 ms resolution: what a /healthz or a message waits).
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const ms = (ns: number): number => Math.round(ns / 1e4) / 100;

start().then(
  (srv) => {
    reply({ ev: 'listening', port: srv.port, fdLimit: fdLimit() });
    process.on('message', (raw) => {
      const req = raw as HostRequest;
      if (req.cmd === 'memory') void memory(srv.sockets()).then(reply);
      else if (req.cmd === 'cpu') reply({ ev: 'cpu', ...process.cpuUsage() });
      else if (req.cmd === 'snapshot') void snapshot(req.file).then(reply);
      else if (req.cmd === 'lag-reset') lag.reset();
      else if (req.cmd === 'lag') reply({ ev: 'lag', p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max), mean: ms(lag.mean) });
      else void srv.close().finally(() => process.exit(0));
    });
  },
  (err: unknown) => {
    reply({ ev: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exit(1);
  },
);
process.on('disconnect', () => process.exit(0));
