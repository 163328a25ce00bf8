import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopChild } from './coturn.js';
import { freeTcpPort } from './ports.js';
import { waitFor } from '../../support/wait.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RELAY_ENTRY = `${ROOT}build/server/cli.js`;
export const BUNDLE = `${ROOT}dist/rtc-call.js`;

export interface Relay {
  url: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export interface RelayOptions {
  turnUrls?: string[];
  turnSecret?: string;
  icePolicy?: 'all' | 'relay';
  /** Extra env (ROOM_SIZE, DEFAULT_ROOM, ...). */
  env?: Record<string, string>;
  /** Listen on this port (a restart comes back on the same one); default a free one. */
  port?: number;
  /** Script to run instead of the built CLI (only for proving the harness before the relay exists). */
  entry?: string;
}

/**
 * Starts the BUILT relay exactly as users run it (`node build/server/cli.js`, config
 * from env) on a free 127.0.0.1 port and waits for GET /healthz.
 */
export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const entry = opts.entry ?? RELAY_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does).`);
  if (!opts.entry && !existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first (npm test does).`);
  const port = opts.port ?? (await freeTcpPort());
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    ...(opts.turnUrls ? { TURN_URLS: opts.turnUrls.join(',') } : {}),
    ...(opts.turnSecret ? { TURN_SECRET: opts.turnSecret } : {}),
    ...(opts.icePolicy ? { ICE_TRANSPORT_POLICY: opts.icePolicy } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, sig) => reject(new Error(`relay exited early (${code ?? sig}):\n${out.slice(-2000)}`))),
  );
  exited.catch(() => {});
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child, 5000);
  try {
    await Promise.race([
      exited,
      waitFor(`relay /healthz on ${url}`, async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 20_000, intervalMs: 100 }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, log: () => out, stop };
}
