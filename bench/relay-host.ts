/**
 * One server under test for `npm run bench:relay`, in its own process so its RSS is
 * its own and it never shares an event loop with the load generator or another node.
 * argv: `relay [redisUrl]` or `bare`. Talks to bench/relay-load.ts over IPC (bench/ipc.ts).
 * Run with --expose-gc: memory is measured after full collections.
 */
import type { AddressInfo } from 'node:net';
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
  return { ev: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external, sockets };
}

start().then(
  (srv) => {
    reply({ ev: 'listening', port: srv.port });
    process.on('message', (raw) => {
      const req = raw as HostRequest;
      if (req.cmd === 'memory') void memory(srv.sockets()).then(reply);
      else if (req.cmd === 'cpu') reply({ ev: 'cpu', ...process.cpuUsage() });
      else void srv.close().finally(() => process.exit(0));
    });
  },
  (err: unknown) => {
    reply({ ev: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exit(1);
  },
);
process.on('disconnect', () => process.exit(0));
