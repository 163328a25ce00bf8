import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './deps.js';
import { freeTcpUdpPort } from './ports.js';
import { waitFor } from '../../support/wait.js';

export interface Coturn {
  port: number;
  /** `turn:` URLs for the relay's TURN_URLS (UDP and TCP). */
  urls: string[];
  secret: string;
  realm: string;
  /** turnserver's process id (turn-allocations.ts reads the relay sockets it holds). */
  pid: number;
  /** Everything coturn printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

const tcpOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/** Stops a child: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

/**
 * Starts Debian's coturn in the foreground on a free 127.0.0.1 port with the TURN REST
 * API (`use-auth-secret`), the same mode the relay mints credentials for. Loopback
 * peers must be allowed explicitly or coturn refuses to relay to 127.x.
 */
export async function startCoturn({ secret = 'e2e-turn-secret', realm = 'rtc-call.test', args = [] as string[], port: fixed = 0 } = {}): Promise<Coturn> {
  const bin = requireBinary('/usr/bin/turnserver', 'coturn');
  // A fixed port: a restart (fault tests) comes back where clients look for it.
  const port = fixed || (await freeTcpUdpPort());
  const dir = mkdtempSync(join(tmpdir(), 'rtc-e2e-coturn-'));
  // A narrow relay port range keyed to the listening port keeps parallel coturns apart.
  const child = spawn(
    bin,
    [
      '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      '--no-tls', '--no-dtls', '--fingerprint', `--realm=${realm}`,
      '--use-auth-secret', `--static-auth-secret=${secret}`, '--allow-loopback-peers', '--no-cli',
      `--db=${join(dir, 'turndb')}`, `--pidfile=${join(dir, 'turnserver.pid')}`,
      '--log-file=stdout', '--simple-log', '--no-software-attribute',
      // More flags, e.g. --user-quota=2 --total-quota=20.
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, sig) => reject(new Error(`turnserver exited early (${code ?? sig}):\n${out.slice(-2000)}`))),
  );
  exited.catch(() => {});
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([exited, waitFor(`turnserver listening on 127.0.0.1:${port}`, () => tcpOpen(port), { timeoutMs: 15_000, intervalMs: 100 })]);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    secret,
    realm,
    pid: child.pid ?? 0,
    log: () => out,
    stop,
  };
}
