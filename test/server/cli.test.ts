/**
 * The real built CLI (build/server/cli.js) as a child process: env config, logs, graceful
 * shutdown (the listener closes before clients are told to reconnect), the `token` command,
 * and no secret in any log line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/wait.js';
import { freePort } from '../redis/support.js';
import { connectClient, openClient, type TestClient } from './support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
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

/** Runs the CLI to its end (a command, not the relay): exit code, stdout, stderr. */
async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code, out, err };
}

/** Whether a new TCP connection to `port` is accepted right now. */
const tcpAccepts = (port: number): Promise<'accepted' | string> =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

/**
 * A long-polling client at shutdown: the listener closes first, so a client whose next poll
 * needs a new connection at that moment misses the notice and sees a transport error instead.
 * Either way it was never disconnected by the server (it reconnects by itself).
 */
function assertPollingShutdown(c: TestClient): void {
  assert.ok(['[]', '["shutting-down"]'].includes(JSON.stringify(c.errors.map((e) => e.code))), `${c.name}: ${JSON.stringify(c.errors)}`);
  assert.ok(['transport close', 'transport error'].includes(c.disconnectReason ?? ''), `${c.name}: ${c.disconnectReason}`);
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
      if (c !== p) assert.deepEqual(c.errors.map((e) => e.code), ['shutting-down'], c.name);
      else assertPollingShutdown(c);
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

test('SIGTERM: the listener closes before clients hear shutting-down, so a reconnect goes elsewhere instead of being refused', async (t) => {
  const cli = await startCli(t);
  const port = Number(new URL(cli.url).port);
  const a = await connectClient(t, cli.url, { auth: { room: 'r' } }, 'a');
  const b = await connectClient(t, cli.url, { transports: ['polling'], auth: { room: 'r' } }, 'b (polling)');
  // What a client finds the moment it is told to reconnect.
  const found: Array<Promise<string>> = [];
  for (const c of [a, b]) c.socket.on('error', (e) => void (e.code === 'shutting-down' && found.push(tcpAccepts(port))));
  cli.child.kill('SIGTERM');
  // Somebody new, right after the signal: refused at the handshake or at the port, never admitted.
  const late = openClient(t, cli.url, { auth: { room: 'r' } }, 'late');
  assert.equal((await cli.exit).code, 0, cli.stderr());
  await a.waitFor('shutting-down', (x) => x.errors.some((e) => e.code === 'shutting-down'));
  await b.waitFor('disconnect', (x) => x.disconnectReason !== undefined);
  assertPollingShutdown(b);
  assert.ok(found.length >= 1);
  assert.deepEqual(new Set(await Promise.all(found)), new Set(['ECONNREFUSED']), 'the port was closed before anyone was told');
  await late.waitFor('connect_error', (x) => x.connectError !== undefined || x.info !== undefined);
  assert.equal(late.info, undefined, 'the late client was not admitted');
});

test('rtc-call-relay token prints a token that a relay with the same TOKEN_SECRET accepts', async (t) => {
  assertBuilt(t);
  const secret = randomBytes(32).toString('hex');
  const r = await runCli(['token', '--room', 'desk-*', '--role', 'answerer', '--name', 'Ann', '--ttl', '8h'], { TOKEN_SECRET: secret });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const token = r.out.trim();
  assert.match(r.out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'one compact JWT on one line');
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
  assert.equal(payload!.room, 'desk-*');
  assert.equal(payload!.role, 'answerer');
  assert.equal(payload!.name, 'Ann');
  assert.ok(Math.abs((payload!.exp as number) - (Date.now() / 1000 + 8 * 3600)) < 60, 'exp is 8 h from now');

  const relay = await startCli(t, { TOKEN_SECRET: secret });
  const desk = await connectClient(t, relay.url, { auth: { room: 'desk-7', protocol: 2, token } }, 'desk');
  assert.equal(desk.info?.room, 'desk-7');
  const other = await runCli(['token', '--room', 'desk-7', '--role', 'both'], { TOKEN_SECRET: randomBytes(32).toString('hex') });
  const refused = openClient(t, relay.url, { auth: { room: 'desk-7', token: other.out.trim() } }, 'another secret');
  await refused.waitFor('connect_error', (x) => x.connectError !== undefined);
  assert.equal(refused.connectError?.data?.code, 'unauthorized');
  relay.child.kill('SIGTERM');
  assert.equal((await relay.exit).code, 0);
});

test('rtc-call-relay token: what is missing or wrong exits 2 with one line saying so, and the usage', async () => {
  assertBuilt();
  const secret = { TOKEN_SECRET: randomBytes(32).toString('hex') };
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['token', '--room', 'r', '--role', 'both'], {}, /TOKEN_SECRET is not set/],
    [['token', '--room', 'r', '--role', 'both'], { TOKEN_SECRET: 'short' }, /TOKEN_SECRET is too short/],
    [['token', '--role', 'both'], secret, /--room is required/],
    [['token', '--room', 'a b', '--role', 'both'], secret, /--room "a b" is not a room name/],
    [['token', '--room', 'r'], secret, /--role is required/],
    [['token', '--room', 'r', '--role', 'admin'], secret, /--role must be one of caller, answerer, both/],
    [['token', '--room', 'r', '--role', 'both', '--ttl', 'forever'], secret, /--ttl "forever" is not valid/],
    // MAX_TOKEN_TTL (a day unless set) bounds it: the relay would refuse a token valid longer.
    [['token', '--room', 'r', '--role', 'both', '--ttl', '400d'], secret, /--ttl "400d" is more than MAX_TOKEN_TTL \(24 h\)/],
    [['token', '--room', 'r', '--role', 'both', '--ttl', '25h'], secret, /--ttl "25h" is more than MAX_TOKEN_TTL \(24 h\)/],
    [['token', '--room', 'r', '--role', 'both', '--ttl', '3h'], { ...secret, MAX_TOKEN_TTL: '7200' }, /--ttl "3h" is more than MAX_TOKEN_TTL \(2 h\)/],
    [['token', '--room', 'r', '--role', 'both'], { ...secret, MAX_TOKEN_TTL: '30d' }, /MAX_TOKEN_TTL="30d" is not valid/],
    [['token', '--room', 'r', '--role', 'both', '--rooms', 'x'], secret, /Unknown option '--rooms'/],
  ];
  for (const [args, env, message] of cases) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '', 'no token printed');
    assert.match(r.err.split('\n')[0]!, new RegExp(`^rtc-call-relay token: .*${message.source}`), args.join(' '));
    assert.match(r.err, /usage: rtc-call-relay token --room ROOM/);
  }
  const week = await runCli(['token', '--room', 'r', '--role', 'both', '--ttl', '7d'], { ...secret, MAX_TOKEN_TTL: '604800' });
  assert.equal(week.code, 0, `MAX_TOKEN_TTL raised to a week allows --ttl 7d: ${week.err}`);
  const help = await runCli(['token', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: rtc-call-relay token/);
  const unknown = await runCli(['tokens']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "tokens"/);
});

/** redis-server with a password, on a free port; stopped when the test ends. */
async function redisWithPassword(t: TestContext, password: string): Promise<number> {
  assert.ok(existsSync('/usr/bin/redis-server'), 'redis-server is not installed: apt-get install -y --no-install-recommends redis-server');
  const port = await freePort();
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => `redis-server to start: ${out}`, () => /Ready to accept connections/.test(out) || child.exitCode !== null, { timeoutMs: 10_000 });
  assert.equal(child.exitCode, null, out);
  return port;
}

test('no secret reaches a log line: token secret, TURN secret, METRICS_TOKEN and the password in REDIS_URL, through startup, refusals and shutdown', async (t) => {
  const secrets = {
    TOKEN_SECRET: `tok-${randomBytes(24).toString('hex')}`,
    TURN_SECRET: `turn-${randomBytes(12).toString('hex')}`,
    METRICS_TOKEN: `met-${randomBytes(12).toString('hex')}`,
    REDIS_PASSWORD: `pw-${randomBytes(12).toString('hex')}`,
  };
  const redisPort = await redisWithPassword(t, secrets.REDIS_PASSWORD);
  const env = {
    LOG_LEVEL: 'trace',
    NODE_ENV: 'production',
    TOKEN_SECRET: secrets.TOKEN_SECRET,
    TURN_URLS: 'turn:127.0.0.1:3478',
    TURN_SECRET: secrets.TURN_SECRET,
    METRICS_TOKEN: secrets.METRICS_TOKEN,
    REDIS_URL: `redis://:${secrets.REDIS_PASSWORD}@127.0.0.1:${redisPort}`,
  };
  const cli = await startCli(t, env);
  // Refusals: a bad token, a token signed with the TURN secret, /metrics without and with a wrong bearer.
  for (const token of ['garbage', `${secrets.TURN_SECRET}.x.y`]) {
    const c = openClient(t, cli.url, { auth: { room: 'r', token } }, 'refused');
    await c.waitFor('connect_error', (x) => x.connectError !== undefined);
    assert.equal(c.connectError?.data?.code, 'unauthorized');
  }
  assert.equal((await fetch(`${cli.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${cli.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-xxxxxxxx' } })).status, 401);
  const scrape = await fetch(`${cli.url}/metrics`, { headers: { authorization: `Bearer ${secrets.METRICS_TOKEN}` } });
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /rtc_relay_refusals_total\{[^}]*code="unauthorized"[^}]*\} 2/);
  cli.child.kill('SIGTERM');
  assert.equal((await cli.exit).code, 0, cli.stderr());

  // Redis unreachable: the line that names it must not carry its password.
  const gone = await startCli(t, { ...env, REDIS_URL: `redis://user:${secrets.REDIS_PASSWORD}@127.0.0.1:${await freePort()}` });
  await waitFor('the unreachable-Redis line', () => gone.logs.some((l) => /Redis at .* is not reachable yet/.test(String(l.msg))), { timeoutMs: 15_000 });
  assert.ok(gone.logs.some((l) => String(l.msg).includes('redis://***:***@127.0.0.1:')), 'the URL is logged redacted');
  gone.child.kill('SIGTERM');
  await gone.exit;

  const everything = [JSON.stringify(cli.logs), cli.stderr(), JSON.stringify(gone.logs), gone.stderr()].join('\n');
  for (const logs of [cli.logs, gone.logs]) {
    const msgs = logs.map((l) => String(l.msg));
    assert.ok(msgs.some((m) => m.startsWith('Server listening at')) && msgs.includes('closed'), `startup and shutdown were logged: ${msgs.join(' | ')}`);
  }
  for (const [name, secret] of Object.entries(secrets)) assert.ok(!everything.includes(secret), `${name} appears in the logs`);
  assert.ok(cli.logs.some((l) => /tokens required/.test(String(l.msg))), 'the log says tokens are required (not with what)');
});

test('NODE_ENV=production without TOKEN_SECRET: a warning that the relay is open, no demo page, no /metrics', async (t) => {
  const cli = await startCli(t, { NODE_ENV: 'production', ALLOWED_ORIGINS: 'https://shop.example' });
  assert.ok(cli.logs.some((l) => l.level === 40 && /TOKEN_SECRET is unset: anyone who knows a room name may join it/.test(String(l.msg))), 'warned');
  const page = await fetch(`${cli.url}/`);
  assert.equal(page.status, 404);
  assert.match(((await page.json()) as { message: string }).message, /DEMO=on/);
  assert.equal((await fetch(`${cli.url}/metrics`)).status, 404);
  cli.child.kill('SIGTERM');
  assert.equal((await cli.exit).code, 0);

  const withDemo = await startCli(t, { NODE_ENV: 'production', DEMO: 'on', TOKEN_SECRET: randomBytes(32).toString('hex') });
  assert.ok(!withDemo.logs.some((l) => /TOKEN_SECRET is unset/.test(String(l.msg))));
  const demo = await fetch(`${withDemo.url}/`);
  assert.equal(demo.status, 200);
  assert.match(demo.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  withDemo.child.kill('SIGTERM');
  assert.equal((await withDemo.exit).code, 0);
});
