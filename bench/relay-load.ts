/**
 * `npm run bench:relay`: the signaling load benchmark (issue 5). Not part of `npm test`.
 *
 * Servers under test, each in its own process (bench/relay-host.ts):
 *   relay         the real relay, in-memory (one node)
 *   bare          a bare Socket.IO relay of a few lines (bench/bare-relay.ts): the floor
 *   relay-2node   two relay nodes sharing one real redis-server; caller on A, callee on B
 * The load comes from another process (bench/load-client.ts): N rooms of two real
 * socket.io-client sockets (websocket transport, as the widget connects first), closed-loop
 * ping-pong of candidate-sized messages for a bounded time. Configurations alternate
 * within each round so drift (thermal, other work on the machine) hits all of them alike.
 * Then memory per idle connection: RSS before/after 5,000 idle sockets, after full GCs.
 *
 * Prints a table and one JSON line, and writes the figures with the date into
 * bench/RESULTS.md, section "Signaling load". All on 127.0.0.1; every wait is bounded.
 * Env knobs for quick runs: BENCH_PAIRS=50,500 BENCH_ROUNDS=5 BENCH_DURATION_MS=3000
 * BENCH_IDLE_SOCKETS=5000 BENCH_NO_WRITE=1 (do not touch RESULTS.md).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '../test/redis/support.js';
import { sleep } from '../test/support/wait.js';
import type { HostReply, HostRequest, IdleResult, LoadReply, LoadRequest, PingPongResult, ServerKind, WindowMark } from './ipc.js';
import { median, round } from './stats.js';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const env = (k: string, d: string): string => process.env[k] || d;
const PAIRS = env('BENCH_PAIRS', '50,500').split(',').map(Number).filter((n) => n > 0);
const ROUNDS = Number(env('BENCH_ROUNDS', '5'));
const DURATION_MS = Number(env('BENCH_DURATION_MS', '3000'));
const WARMUP_MS = Math.min(2000, Math.max(500, DURATION_MS / 2));
const IDLE_SOCKETS = Number(env('BENCH_IDLE_SOCKETS', '5000'));
/** Extra Node flags for the server processes (both relay and bare), e.g. V8 heap tuning experiments. */
const HOST_FLAGS = (process.env.BENCH_HOST_FLAGS ?? '').split(' ').filter(Boolean);
/** Any single child step longer than this is a hung run: fail, never wait forever. */
const STEP_TIMEOUT_MS = 120_000;

const TARGETS = { throughputVsBare: 1.0, p99VsBare: 1.2, idleKBPerSocket: 12, twoNodeP99VsSingle: 2.0 } as const;

type Config = 'relay' | 'bare' | 'relay-2node';

// ---------------------------------------------------------------- child processes

/** Waits for the next IPC message from `child` matching `accept`, bounded by STEP_TIMEOUT_MS. */
function nextReply<T>(child: ChildProcess, what: string, accept: (m: unknown) => m is T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer after ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
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

const children = new Set<ChildProcess>();
function spawnChild(file: string, args: string[], execArgv: string[] = []): ChildProcess {
  const child = fork(here(file), args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
const killAll = (): void => {
  for (const c of children) c.kill('SIGKILL');
};
process.once('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM'] as const)
  process.once(s, () => {
    killAll();
    process.exit(130);
  });

interface Host {
  url: string;
  memory(): Promise<Extract<HostReply, { ev: 'memory' }>>;
  /** CPU time the server process used so far (user + system), microseconds. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function startHost(kind: ServerKind, redisUrl?: string): Promise<Host> {
  const child = spawnChild('./relay-host.ts', redisUrl ? [kind, redisUrl] : [kind], ['--expose-gc', ...HOST_FLAGS]);
  const { port } = await nextReply(child, `${kind} host start`, (m): m is { ev: 'listening'; port: number } => (m as HostReply).ev === 'listening');
  const send = (r: HostRequest): void => void child.send(r);
  return {
    url: `http://127.0.0.1:${port}`,
    memory: () => {
      const p = nextReply(child, `${kind} memory`, (m): m is Extract<HostReply, { ev: 'memory' }> => (m as HostReply).ev === 'memory');
      send({ cmd: 'memory' });
      return p;
    },
    cpu: () => {
      const p = nextReply(child, `${kind} cpu`, (m): m is Extract<HostReply, { ev: 'cpu' }> => (m as HostReply).ev === 'cpu');
      send({ cmd: 'cpu' });
      return p.then((c) => c.user + c.system);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        send({ cmd: 'stop' });
      }),
  };
}

function startLoad(): {
  run<T extends LoadReply>(req: LoadRequest, ev: T['ev']): Promise<T>;
  onWindow(cb: (phase: WindowMark['phase']) => void): void;
  stop(): void;
} {
  const child = spawnChild('./load-client.ts', []);
  return {
    onWindow(cb) {
      child.on('message', (m: unknown) => {
        if ((m as LoadReply).ev === 'window') cb((m as WindowMark).phase);
      });
    },
    run<T extends LoadReply>(req: LoadRequest, ev: T['ev']): Promise<T> {
      const p = nextReply(child, `load ${req.cmd}`, (m): m is T => (m as LoadReply).ev === ev);
      child.send(req);
      return p;
    },
    stop: () => void child.kill('SIGTERM'),
  };
}

// ---------------------------------------------------------------- runs

/** A ping-pong run plus the servers' CPU cost per relayed message (robust to a loaded machine, unlike msgs/s). */
type Run = PingPongResult & { cpuUsPerMsg: number };

let runNo = 0;
async function pingpong(config: Config, pairs: number, redis: RedisServer): Promise<Run> {
  const hosts =
    config === 'relay-2node'
      ? await Promise.all([startHost('relay', redis.url), startHost('relay', redis.url)])
      : [await startHost(config === 'bare' ? 'bare' : 'relay')];
  const load = startLoad();
  // Server CPU (all nodes; not Redis, not the generator) sampled when the window opens and closes.
  const cpuMarks: Array<Promise<number>> = [];
  load.onWindow(() => cpuMarks.push(Promise.all(hosts.map((h) => h.cpu())).then((xs) => xs.reduce((a, b) => a + b, 0))));
  try {
    const res = await load.run<PingPongResult>(
      { cmd: 'pingpong', urls: hosts.map((h) => h.url), pairs, warmupMs: WARMUP_MS, durationMs: DURATION_MS, roomPrefix: `r${runNo++}` },
      'pingpong',
    );
    const [c0, c1] = await Promise.all(cpuMarks);
    return { ...res, cpuUsPerMsg: c0 !== undefined && c1 !== undefined && res.received ? round((c1 - c0) / res.received, 2) : 0 };
  } finally {
    load.stop();
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

interface IdleFigures {
  sockets: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  /** (RSS after − RSS before) / sockets, in KiB. */
  kbPerSocket: number;
  heapKBPerSocket: number;
  connectMs: IdleResult['connectMs'];
}

async function idleMemory(kind: ServerKind): Promise<IdleFigures> {
  const host = await startHost(kind);
  const load = startLoad();
  try {
    const before = await host.memory();
    const idle = await load.run<IdleResult>({ cmd: 'idle', url: host.url, sockets: IDLE_SOCKETS, roomPrefix: `idle${runNo++}` }, 'idle');
    await sleep(1000); // let the last handshakes' garbage become collectable
    const after = await host.memory();
    await load.run({ cmd: 'release' }, 'released');
    const n = idle.connected;
    return {
      sockets: n,
      rssBeforeMB: round(before.rss / 2 ** 20, 1),
      rssAfterMB: round(after.rss / 2 ** 20, 1),
      kbPerSocket: round((after.rss - before.rss) / n / 1024, 2),
      heapKBPerSocket: round((after.heapUsed - before.heapUsed) / n / 1024, 2),
      connectMs: idle.connectMs,
    };
  } finally {
    load.stop();
    await host.stop();
  }
}

// ---------------------------------------------------------------- report

interface Agg {
  config: Config;
  pairs: number;
  rounds: number;
  msgsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  connectP50: number;
  connectP95: number;
  /** Server CPU per relayed message, microseconds (all nodes). */
  cpuUsPerMsg: number;
  refusals: number;
}

const aggregate = (config: Config, pairs: number, rs: Run[]): Agg => ({
  config,
  pairs,
  rounds: rs.length,
  msgsPerSec: round(median(rs.map((r) => r.msgsPerSec)), 0),
  p50: round(median(rs.map((r) => r.rttMs.p50)), 3),
  p95: round(median(rs.map((r) => r.rttMs.p95)), 3),
  p99: round(median(rs.map((r) => r.rttMs.p99)), 3),
  connectP50: round(median(rs.map((r) => r.connectMs.p50)), 2),
  connectP95: round(median(rs.map((r) => r.connectMs.p95)), 2),
  cpuUsPerMsg: round(median(rs.map((r) => r.cpuUsPerMsg)), 2),
  refusals: rs.reduce((a, r) => a + r.refusals, 0),
});

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

async function main(): Promise<void> {
  const started = new Date();
  const t0 = Date.now();
  // Other work on the machine skews every figure: record how busy it was.
  const loadBefore = loadavg()[0];
  const redis = await startRedis();
  const results = new Map<string, Run[]>();
  let idle: { relay: IdleFigures; bare: IdleFigures };
  try {
    for (const pairs of PAIRS) {
      const order: Config[] = ['relay', 'bare', 'relay-2node'];
      for (let r = 0; r < ROUNDS; r++) {
        // Rotate the order each round: relay/bare alternate which goes first.
        for (let i = 0; i < order.length; i++) {
          const config = order[(i + r) % order.length];
          process.stderr.write(`  ${config} pairs=${pairs} round ${r + 1}/${ROUNDS} … `);
          const res = await pingpong(config, pairs, redis);
          // A run where nothing came back measured nothing: fail loudly rather than report 0 as fast.
          if (res.rttMs.samples === 0) throw new Error(`${config} pairs=${pairs}: no round trip completed (is the relay relaying?)`);
          process.stderr.write(`${res.msgsPerSec} msg/s, p99 ${res.rttMs.p99} ms, ${res.cpuUsPerMsg} µs CPU/msg\n`);
          const k = `${config}/${pairs}`;
          results.set(k, [...(results.get(k) ?? []), res]);
        }
      }
    }
    process.stderr.write(`  idle memory: ${IDLE_SOCKETS} sockets, relay then bare … `);
    idle = { relay: await idleMemory('relay'), bare: await idleMemory('bare') };
    process.stderr.write('done\n');
  } finally {
    await redis.stop();
  }

  const aggs: Agg[] = [];
  for (const pairs of PAIRS) for (const c of ['relay', 'bare', 'relay-2node'] as Config[]) aggs.push(aggregate(c, pairs, results.get(`${c}/${pairs}`) ?? []));
  const get = (c: Config, p: number): Agg => aggs.find((a) => a.config === c && a.pairs === p)!;

  const comparisons = PAIRS.map((pairs) => {
    const relay = get('relay', pairs);
    const bare = get('bare', pairs);
    const two = get('relay-2node', pairs);
    const throughputVsBare = round(relay.msgsPerSec / bare.msgsPerSec, 3);
    const p99VsBare = round(relay.p99 / bare.p99, 3);
    const twoNodeP99VsSingle = round(two.p99 / relay.p99, 3);
    return {
      pairs,
      throughputVsBare,
      /** CPU per message, relay over bare: below 1 means the relay's logic costs less than the noise floor. */
      cpuPerMsgVsBare: round(relay.cpuUsPerMsg / bare.cpuUsPerMsg, 3),
      p99VsBare,
      twoNodeP99VsSingle,
      twoNodeThroughputVsSingle: round(two.msgsPerSec / relay.msgsPerSec, 3),
      met: {
        throughput: throughputVsBare >= TARGETS.throughputVsBare,
        p99: p99VsBare <= TARGETS.p99VsBare,
        twoNodeP99: twoNodeP99VsSingle <= TARGETS.twoNodeP99VsSingle,
      },
    };
  });
  const memoryMet = idle.relay.kbPerSocket <= TARGETS.idleKBPerSocket;

  // ---- table
  const lines: string[] = [];
  lines.push('| server | pairs | msgs/s | vs bare | server CPU µs/msg | vs bare | RTT p50 ms | p95 ms | p99 ms | p99 vs bare | connect p50 / p95 ms | refusals |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const a of aggs) {
    const bare = get('bare', a.pairs);
    lines.push(
      `| ${a.config} | ${a.pairs} | ${a.msgsPerSec} | ${round(a.msgsPerSec / bare.msgsPerSec, 2)}x | ${a.cpuUsPerMsg} | ${round(a.cpuUsPerMsg / bare.cpuUsPerMsg, 2)}x | ${a.p50} | ${a.p95} | ${a.p99} | ${round(a.p99 / bare.p99, 2)}x | ${a.connectP50} / ${a.connectP95} | ${a.refusals} |`,
    );
  }
  lines.push('');
  lines.push(`| idle memory (${IDLE_SOCKETS} sockets) | RSS before MB | RSS after MB | KiB per socket (RSS) | KiB per socket (heap) | connect all, ms |`);
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, f] of Object.entries(idle)) lines.push(`| ${name} | ${f.rssBeforeMB} | ${f.rssAfterMB} | ${f.kbPerSocket} | ${f.heapKBPerSocket} | ${f.connectMs.total} |`);
  lines.push('');
  lines.push('| target | measured | target | status |');
  lines.push('| --- | ---: | ---: | --- |');
  for (const c of comparisons) {
    lines.push(`| throughput vs bare, ${c.pairs} pairs | ${c.throughputVsBare}x | ≥ ${TARGETS.throughputVsBare}x | ${verdict(c.met.throughput)} (${round((c.throughputVsBare - TARGETS.throughputVsBare) * 100, 1)} pts) |`);
    lines.push(`| p99 RTT vs bare, ${c.pairs} pairs | ${c.p99VsBare}x | ≤ ${TARGETS.p99VsBare}x | ${verdict(c.met.p99)} (${round((TARGETS.p99VsBare - c.p99VsBare) * 100, 1)} pts margin) |`);
    lines.push(`| 2-node p99 vs single node, ${c.pairs} pairs | ${c.twoNodeP99VsSingle}x | ≤ ${TARGETS.twoNodeP99VsSingle}x | ${verdict(c.met.twoNodeP99)} (${round((TARGETS.twoNodeP99VsSingle - c.twoNodeP99VsSingle) * 100, 1)} pts margin) |`);
  }
  lines.push(`| memory per idle socket | ${idle.relay.kbPerSocket} KiB | ≤ ${TARGETS.idleKBPerSocket} KiB | ${verdict(memoryMet)} (${round(TARGETS.idleKBPerSocket - idle.relay.kbPerSocket, 2)} KiB margin; bare ${idle.bare.kbPerSocket} KiB) |`);
  const table = lines.join('\n');

  const json = {
    bench: 'relay-load',
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version, loadavg1m: { before: round(loadBefore, 2), after: round(loadavg()[0], 2) } },
    params: { pairs: PAIRS, rounds: ROUNDS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, idleSockets: IDLE_SOCKETS, transport: 'websocket', message: 'candidate (~150 B)' },
    runs: aggs,
    idle,
    comparisons,
    memory: { kbPerSocket: idle.relay.kbPerSocket, met: memoryMet },
    targets: TARGETS,
    wallSeconds: round((Date.now() - t0) / 1000, 0),
  };
  console.log(`\nSignaling load, ${started.toISOString()} (${json.wallSeconds} s)\n`);
  console.log(table);
  console.log('');
  console.log(JSON.stringify(json));

  if (!process.env.BENCH_NO_WRITE) writeResults(started, table, JSON.stringify(json), json.machine.loadavg1m);
}

const START = '<!-- relay-load:start -->';
const END = '<!-- relay-load:end -->';

/** Replaces this benchmark's block in bench/RESULTS.md (the placeholder line the first time); other sections untouched. */
function writeResults(date: Date, table: string, json: string, load: { before: number; after: number }): void {
  const file = here('./RESULTS.md');
  const block = [
    START,
    `Measured ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, Node ${process.version}; ` +
      `${ROUNDS} alternating rounds of ${DURATION_MS / 1000} s per configuration (after ${WARMUP_MS / 1000} s warm-up), medians over rounds. ` +
      `Load average (1 min) ${load.before} before, ${load.after} after: other work on the machine skews these figures. ` +
      'Server(s), load generator and redis-server share the same cores, so every figure is bounded by the generator as much as by the server; ' +
      'server CPU µs per relayed message (process.cpuUsage of the server processes over the measured window) is the figure least affected by sharing. ' +
      'The relay runs with its token bucket raised (1e9 msg/s) so the closed loop measures its cost, not its 50 msg/s policy.',
    '',
    table,
    '',
    '```json',
    json,
    '```',
    END,
  ].join('\n');
  const text = readFileSync(file, 'utf8');
  let out: string;
  if (text.includes(START) && text.includes(END)) {
    out = text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length);
  } else {
    const heading = text.indexOf('## Signaling load');
    const placeholder = text.indexOf('_not yet measured_', heading);
    if (heading < 0 || placeholder < 0) throw new Error('bench/RESULTS.md: no "Signaling load" placeholder to replace');
    out = text.slice(0, placeholder) + block + text.slice(placeholder + '_not yet measured_'.length);
  }
  writeFileSync(file, out);
  console.error(`\nwrote bench/RESULTS.md (Signaling load)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
