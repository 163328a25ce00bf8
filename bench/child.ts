/** Child processes of the benchmarks: forked with tsx, killed with the parent, answered within a bound. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Any single child step longer than this is a hung run: fail, never wait forever. */
export const STEP_TIMEOUT_MS = 180_000;

/** Waits for the next IPC message from `child` matching `accept`, bounded by `timeoutMs`. */
export function nextReply<T>(child: ChildProcess, what: string, accept: (m: unknown) => m is T, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer after ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: unknown): void => {
      const e = m as { ev?: string; message?: string };
      if (e.ev === 'error') done(new Error(`${what}: ${e.message}`));
      else if (accept(m)) done(undefined, m);
    };
    const onExit = (code: number | null): void => done(new Error(`${what}: process exited (${code})`));
    const done = (err?: Error, v?: T): void => {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(v as T);
    };
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

/** An accept() for nextReply: the message whose `ev` is `ev`. */
export const isEv =
  <T extends { ev: string }>(ev: T['ev']) =>
  (m: unknown): m is T =>
    (m as { ev?: unknown }).ev === ev;

const children = new Set<ChildProcess>();

/** Forks bench/`file` under tsx; it dies with this process (see killAll). */
export function spawnChild(file: string, args: string[] = [], execArgv: string[] = []): ChildProcess {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export const killAll = (): void => {
  for (const c of children) c.kill('SIGKILL');
};
process.once('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM'] as const)
  process.once(s, () => {
    killAll();
    process.exit(130);
  });
