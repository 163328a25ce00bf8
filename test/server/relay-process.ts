/**
 * A relay in a process of its own, for load tests: the clients' work does not stall its event
 * loop, and its memory is its own. Run as a script (argv: options as JSON) it is the relay;
 * imported, `startRelayProcess` spawns it and asks it for samples over IPC (after a full GC,
 * so `heapUsed` is what it keeps, not garbage it has not collected yet).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../../src/protocol/index.js';
import type { BuildRelayOptions } from '../../server/index.js';
import { waitFor } from '../support/wait.js';

export interface Sample {
  rss: number;
  heapUsed: number;
  /** Socket.IO sockets (joined the namespace). */
  sockets: number;
  /** Engine.IO connections (sockets, and the ones only being told too-many). */
  engine: number;
  refused: Record<ErrorCode, number>;
}

export interface RelayProcess {
  url: string;
  port: number;
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

const self = fileURLToPath(import.meta.url);

if (process.argv[1] === self) {
  const { buildRelay } = await import('../../server/index.js');
  const app = await buildRelay({ logLevel: 'silent', staticDirs: false, ...(JSON.parse(process.argv[2] ?? '{}') as BuildRelayOptions) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: { id: number }) => {
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const sample: Sample = { rss, heapUsed, sockets: app.io.of('/').sockets.size, engine: app.io.engine.clientsCount, refused: app.relay.stats.refused };
    process.send?.({ id: m.id, sample });
  });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
  process.send?.({ port: (app.server.address() as AddressInfo).port });
}

/** Starts a relay process (options as for buildRelay, JSON-able); stopped when the test ends. */
export async function startRelayProcess(t: TestContext, options: BuildRelayOptions = {}): Promise<RelayProcess> {
  const child: ChildProcess = fork(self, [JSON.stringify(options)], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  t.after(stop);
  let port = 0;
  let next = 0;
  const pending = new Map<number, (s: Sample) => void>();
  child.on('message', (m: { port?: number; id?: number; sample?: Sample }) => {
    if (m.port) port = m.port;
    if (m.id !== undefined && m.sample) pending.get(m.id)?.(m.sample);
  });
  await waitFor('the relay process to listen', () => port !== 0 || child.exitCode !== null, { timeoutMs: 20_000 });
  if (!port) throw new Error(`the relay process exited (${child.exitCode})`);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sample: () =>
      new Promise((resolve, reject) => {
        const id = next++;
        const timer = setTimeout(() => reject(new Error('no sample from the relay process in 10 s')), 10_000);
        pending.set(id, (s) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(s);
        });
        child.send({ id });
      }),
    stop,
  };
}
