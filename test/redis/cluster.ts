/**
 * Test support for several relay nodes behind one real redis-server: nodes in this
 * process (buildRelay on port 0) or in a child process that can be SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { startRelay, waitUntil, type Relay } from '../server/support.js';
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
export function node(t: TestContext, redis: RedisServer): Promise<Relay> {
  return startRelay(t, { redisUrl: redis.url, redisHeartbeatMs: HEARTBEAT_MS });
}

export interface NodeProcess {
  url: string;
  kill(): Promise<void>;
}

/** A relay node in a child process (test/redis/relay-node.ts), for SIGKILL. */
export async function nodeProcess(t: TestContext, redis: RedisServer): Promise<NodeProcess> {
  const script = fileURLToPath(new URL('./relay-node.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, redis.url, String(HEARTBEAT_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await waitUntil(() => out.includes('\n') || child.exitCode !== null, 'the relay node process to listen', 20_000);
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

/** GET a path on a relay; status and parsed body (JSON or text). */
export async function get(url: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url + path);
  return { status: res.status, body: await res.text() };
}

/** Reads one sample `name{labels...}` from a Prometheus text exposition (labels matched as substrings). */
export function sample(text: string, name: string, ...labels: string[]): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels.every((l) => line.includes(l))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
