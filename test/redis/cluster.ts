/**
 * Test support for several relay nodes behind one real redis-server: nodes in this
 * process (buildRelay on port 0) or in a child process that can be SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { BuildRelayOptions } from '../../server/index.js';
import { startRelay, type Relay } from '../server/support.js';
import { waitFor } from '../support/wait.js';
import { startRedis, type RedisServer } from './support.js';

/** Heartbeat used in tests: a dead node is noticed within ~4 × this. */
export const HEARTBEAT_MS = 200;

/** A redis-server for this test, stopped when it ends. */
export async function redisFor(t: TestContext): Promise<RedisServer> {
  const redis = await startRedis();
  t.after(() => redis.stop());
  return redis;
}

/** A relay node in this process sharing `redis`; closed when the test ends. */
export function node(t: TestContext, redis: RedisServer, options: BuildRelayOptions = {}): Promise<Relay> {
  return startRelay(t, { redisUrl: redis.url, redisHeartbeatMs: HEARTBEAT_MS, ...options });
}

/** A redis-server and two relay nodes on it (A and B), all stopped when the test ends. */
export async function twoNodes(t: TestContext, options: BuildRelayOptions = {}): Promise<{ redis: RedisServer; A: Relay; B: Relay }> {
  const redis = await redisFor(t);
  const [A, B] = await Promise.all([node(t, redis, options), node(t, redis, options)]);
  return { redis, A, B };
}

export interface NodeProcess {
  url: string;
  kill(): Promise<void>;
}

/** A relay node in a child process (test/redis/relay-node.ts), for SIGKILL; `options` must be JSON. */
export async function nodeProcess(t: TestContext, redis: RedisServer, options: BuildRelayOptions = {}): Promise<NodeProcess> {
  const script = fileURLToPath(new URL('./relay-node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, redis.url, String(HEARTBEAT_MS), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor('the relay node process to listen', () => out.includes('\n') || child.exitCode !== null, { timeoutMs: 20_000 });
  const port = (JSON.parse(out.split('\n')[0] ?? '{}') as { port?: number }).port;
  if (!port) throw new Error(`relay node process did not start: ${out}`);
  return {
    url: `http://127.0.0.1:${port}`,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
