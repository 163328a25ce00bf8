/**
 * Test and benchmark support: a real Debian `redis-server` on a free 127.0.0.1 port.
 *
 * No persistence (`--save ''`, `--appendonly no`): a restart is a clean, empty Redis,
 * which is exactly what a crashed-and-restarted Redis looks like to the relay.
 * A missing binary is a failure with the install command, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freeTcpPort as freePort } from '../e2e/support/ports.js';
import { sleep } from '../support/wait.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_INSTALL_HINT =
  'redis-server is not installed. Install it with:\n  apt-get update && apt-get install -y --no-install-recommends redis-server\n' +
  '(`npm test` does this by itself when run as root.)';

// A port the OS says is free right now (there is a small window before redis binds it; startRedis retries).
export { freePort };

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** True while the process is running and accepted connections. */
  readonly running: boolean;
  /** Kills the server (SIGKILL: an outage, not a polite shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>;
}

const READY = /Ready to accept connections/;

/** Spawns redis-server on `port`; resolves once it logs it is ready, rejects with its output otherwise. */
function spawnRedis(port: number, timeoutMs: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`redis-server on port ${port} not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (!settled && READY.test(out)) {
        settled = true;
        clearTimeout(timer);
        // Keep draining its output so a full pipe never blocks it.
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => fail(err));
    child.once('exit', (code, signal) => fail(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${out}`)));
  });
}

const waitExit = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Runs `start` until it does not fail with "Address already in use": another process took a
 * port we were told is free, or a killed server's socket still lingers for a moment.
 */
async function retryWhileAddressInUse<T>(attempts: number, pauseMs: number, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !/Address already in use/i.test(String(err))) throw err;
      await sleep(pauseMs);
    }
  }
}

/** Every server started here, so a crashed test run still leaves none behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * Starts redis-server on a free port. Call `stop()` in `t.after` / `finally`.
 * Throws with the apt command when the binary is missing.
 */
export async function startRedis({ timeoutMs = 10_000 } = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(REDIS_INSTALL_HINT);
  let port = 0;
  // A fresh port per attempt: another process may take one between freePort() and bind.
  let child = await retryWhileAddressInUse(5, 0, async () => spawnRedis((port = await freePort()), timeoutMs));
  live.add(child);

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      const c = child;
      c.kill('SIGKILL');
      await waitExit(c);
      live.delete(c);
    },
    async restart() {
      await server.stop();
      // The same port: clients reconnect to it.
      child = await retryWhileAddressInUse(20, 100, () => spawnRedis(port, timeoutMs));
      live.add(child);
    },
  };
  return server;
}
