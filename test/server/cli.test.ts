/** The real built CLI (build/server/cli.js) as a child process: env config, logs, graceful shutdown. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { packageRoot } from '../../server/static.js';
import { waitFor } from '../support/wait.js';
import { connectClient } from './support.js';

const root = packageRoot();
const CLI = join(root, 'build/server/cli.js');

/** The CLI under test is the built one (npm test builds first); say so when sources changed since. */
function assertBuilt(t?: TestContext): void {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build:server\` first (npm test does)`);
  const built = statSync(CLI).mtimeMs;
  const stale = readdirSync(join(root, 'server')).filter((f) => f.endsWith('.ts') && statSync(join(root, 'server', f)).mtimeMs > built);
  if (stale.length) t?.diagnostic(`build/server is older than server/${stale.join(', server/')}: this tests the last build (npm run build:server)`);
}

interface Cli {
  child: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startCli(t: TestContext, env: Record<string, string> = {}): Promise<Cli> {
  assertBuilt(t);
  const child = spawn(process.execPath, [CLI], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const logs: Array<Record<string, unknown>> = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) logs.push(JSON.parse(l) as Record<string, unknown>);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let url = '';
  await waitFor(() => `the CLI to listen (stderr: ${err})`, () => {
    const m = logs.map((l) => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(l.msg))).find(Boolean);
    if (m) url = m[1]!;
    return url !== '' || child.exitCode !== null;
  }, { timeoutMs: 15000 });
  assert.ok(url, `the CLI exited early: ${err}`);
  return { child, url, logs, stderr: () => err, exit };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: clients are told shutting-down and disconnected, the process exits 0`, async (t) => {
    const cli = await startCli(t);
    const a = await connectClient(t, cli.url, { auth: { room: 'r' } }, 'a');
    const b = await connectClient(t, cli.url, { auth: { room: 'r' } }, 'b');
    const p = await connectClient(t, cli.url, { transports: ['polling'] }, 'polling');
    cli.child.kill(signal);
    const { code } = await cli.exit;
    assert.equal(code, 0, `exit code (stderr: ${cli.stderr()})`);
    for (const c of [a, b, p]) {
      await c.waitFor('disconnect', (x) => x.disconnectReason !== undefined);
      assert.deepEqual(c.errors.map((e) => e.code), ['shutting-down'], c.name);
    }
    const msgs = cli.logs.map((l) => String(l.msg));
    assert.ok(msgs.some((m) => m.startsWith(`${signal}: shutting down`)), 'the signal is logged');
    assert.ok(msgs.includes('closed'));
  });
}

test('startup logs say what ICE browsers get; /ice-servers and /healthz answer', async (t) => {
  const plain = await startCli(t);
  assert.ok(plain.logs.some((l) => /no TURN/.test(String(l.msg))), 'no TURN is logged');
  assert.deepEqual(await (await fetch(`${plain.url}/ice-servers`)).json(), { iceServers: [], iceTransportPolicy: 'all' });
  plain.child.kill('SIGTERM');
  assert.equal((await plain.exit).code, 0);

  const withTurn = await startCli(t, { TURN_URLS: 'turn:127.0.0.1:3478', TURN_SECRET: 'cli-secret', TURN_TTL: '120', NODE_ENV: 'production' });
  assert.ok(withTurn.logs.some((l) => /TURN turn:127\.0\.0\.1:3478 with ephemeral credentials \(ttl 120s\)/.test(String(l.msg))));
  assert.ok(withTurn.logs.some((l) => l.level === 40 && /ALLOWED_ORIGINS is unset/.test(String(l.msg))), 'production warns about any-origin');
  assert.ok(!withTurn.logs.some((l) => JSON.stringify(l).includes('cli-secret')), 'the secret is never logged');
  const ice = (await (await fetch(`${withTurn.url}/ice-servers`)).json()) as { ttl: number };
  assert.equal(ice.ttl, 120);
  assert.equal((await fetch(`${withTurn.url}/healthz`)).status, 200);
  withTurn.child.kill('SIGTERM');
  assert.equal((await withTurn.exit).code, 0);
});

test('a bad environment exits 2 with one line naming the variable', async (t) => {
  assertBuilt(t);
  const child = spawn(process.execPath, [CLI], { env: { PATH: process.env.PATH ?? '', ROOM_MEMBERS: 'lots' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 2);
  assert.equal(err.trim(), 'rtc-call-relay: ROOM_MEMBERS="lots" is not valid: expected an integer 2..1000');
});
