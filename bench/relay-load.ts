/**
 * `npm run bench:relay`: the signaling load benchmark (issues 5 and 15). Not part of `npm test`.
 *
 * Servers under test, each in its own process (bench/relay-host.ts):
 *   relay         the real relay, in-memory (one node)
 *   bare          a bare Socket.IO relay of a few lines (bench/bare-relay.ts): the floor
 *   relay-2node   two relay nodes sharing one real redis-server; caller on A, callee on B
 *
 * 1. Throughput: N pairs of real socket.io-client sockets (websocket transport, as the widget
 *    connects first; bench/load-client.ts), each pair a real bound call on the relay (protocol 2
 *    `ready` with a call id, `accept`, both `bound`), then closed-loop ping-pong of
 *    candidate-sized messages for a bounded time. Any refusal fails the run. Configurations
 *    alternate within each round so drift hits all of them alike.
 * 2. Idle sockets (bench/idle-pool.ts: raw Engine.IO clients, a few hundred bytes each, from
 *    several loopback source addresses, bounded in count, time and concurrency), relay then bare:
 *    - memory: RSS and JS heap per socket at BENCH_IDLE_SOCKETS (5,000), after full GCs, and
 *      where the heap goes (a V8 heap snapshot per side, counted by object type: heap-census.ts);
 *    - hold: BENCH_HOLD_SOCKETS (100,000, or as many as the file-descriptor limit lets one
 *      process hold: said in the output) held for BENCH_HOLD_MS while a live bound pair exchanges
 *      a message every 20 ms and GET /healthz is polled every 100 ms: memory, connect rate,
 *      the server's event-loop delay (monitorEventLoopDelay), the pair's and /healthz's p99.
 *
 * Prints a table and one JSON line, and writes the figures with the date into
 * bench/RESULTS.md, section "Signaling load" (the previous run stays below it). All on
 * loopback; every wait is bounded. Env knobs for quick runs: BENCH_PAIRS=50,500 BENCH_ROUNDS=5
 * BENCH_DURATION_MS=3000 BENCH_IDLE_SOCKETS=5000 BENCH_HOLD_SOCKETS=100000 (0: no hold)
 * BENCH_HOLD_MS=20000 BENCH_CENSUS=0 (no heap snapshots) BENCH_NO_WRITE=1 (do not touch RESULTS.md).
 * A quick run: BENCH_PAIRS=50 BENCH_ROUNDS=1 BENCH_IDLE_SOCKETS=1000 BENCH_HOLD_SOCKETS=2000 BENCH_HOLD_MS=5000 BENCH_NO_WRITE=1.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '../test/redis/support.js';
import { sleep } from '../test/support/wait.js';
import { isEv, killAll, nextReply, spawnChild } from './child.js';
import { census, perSocket, type CensusDiffRow } from './heap-census.js';
import { IdlePool, type PoolResult } from './idle-pool.js';
import type { HostReply, HostRequest, LiveResult, LoadReply, LoadRequest, PingPongResult, ServerKind, WindowMark } from './ipc.js';
import { median, percentile, round } from './stats.js';

const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
const env = (k: string, d: string): string => process.env[k] || d;
const PAIRS = env('BENCH_PAIRS', '50,500').split(',').map(Number).filter((n) => n > 0);
const ROUNDS = Number(env('BENCH_ROUNDS', '5'));
const DURATION_MS = Number(env('BENCH_DURATION_MS', '3000'));
const WARMUP_MS = Math.min(2000, Math.max(500, DURATION_MS / 2));
const IDLE_SOCKETS = Number(env('BENCH_IDLE_SOCKETS', '5000'));
const HOLD_SOCKETS = Number(process.env.BENCH_HOLD_SOCKETS ?? '100000');
const HOLD_MS = Number(env('BENCH_HOLD_MS', '20000'));
const CENSUS = env('BENCH_CENSUS', '1') !== '0';
/** Extra Node flags for the server processes (both relay and bare), e.g. V8 heap tuning experiments. */
const HOST_FLAGS = (process.env.BENCH_HOST_FLAGS ?? '').split(' ').filter(Boolean);
/** Handshakes in flight from the idle generator (a burst of 100,000 SYNs would overflow the backlog). */
const IDLE_CONCURRENCY = 256;
/**
 * Memory per socket is the slope between two points of one server's life: after the first
 * FIRST_SHARE of the sockets, and after all of them (nothing closed in between). The first burst
 * of handshakes grows V8's young generation and the allocator's arenas once for the process's
 * life (about 12 MB here, whatever the count); the slope leaves that out, and the plain
 * "(after − fresh) / sockets" figure, which keeps it in, is reported beside it as "cold".
 */
const FIRST_SHARE = 0.2;
/** The live pair sends every LIVE_INTERVAL_MS; /healthz is asked every HEALTHZ_INTERVAL_MS (a fresh connection each, as a load balancer does). */
const LIVE_INTERVAL_MS = 20;
const HEALTHZ_INTERVAL_MS = 100;
/** File descriptors a process keeps for itself (IPC, libraries, the listener, the live pair). */
const FD_RESERVE = 200;

const TARGETS = { throughputVsBare: 1.0, p99VsBare: 1.2, idleKBPerSocket: 12, twoNodeP99VsSingle: 2.0, healthzP99Ms: 50 } as const;

type Config = 'relay' | 'bare' | 'relay-2node';

// ---------------------------------------------------------------- child processes

interface Host {
  url: string;
  port: number;
  /** The server process's RLIMIT_NOFILE: it cannot hold more sockets than this. */
  fdLimit: number;
  memory(): Promise<Extract<HostReply, { ev: 'memory' }>>;
  /** CPU time the server process used so far (user + system), microseconds. */
  cpu(): Promise<number>;
  snapshot(file: string): Promise<string>;
  lagReset(): void;
  lag(): Promise<Extract<HostReply, { ev: 'lag' }>>;
  stop(): Promise<void>;
}

async function startHost(kind: ServerKind, redisUrl?: string): Promise<Host> {
  const child = spawnChild('./relay-host.ts', redisUrl ? [kind, redisUrl] : [kind], ['--expose-gc', ...HOST_FLAGS]);
  const { port, fdLimit } = await nextReply(child, `${kind} host start`, isEv<Extract<HostReply, { ev: 'listening' }>>('listening'));
  const send = (r: HostRequest): void => void child.send(r);
  const ask = <E extends HostReply['ev']>(r: HostRequest, ev: E): Promise<Extract<HostReply, { ev: E }>> => {
    const p = nextReply(child, `${kind} ${r.cmd}`, (m): m is Extract<HostReply, { ev: E }> => (m as HostReply).ev === ev);
    send(r);
    return p;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    fdLimit: fdLimit ?? 1024,
    memory: () => ask({ cmd: 'memory' }, 'memory'),
    cpu: () => ask({ cmd: 'cpu' }, 'cpu').then((c) => c.user + c.system),
    snapshot: (file) => ask({ cmd: 'snapshot', file }, 'snapshot').then((r) => r.file),
    lagReset: () => send({ cmd: 'lag-reset' }),
    lag: () => ask({ cmd: 'lag' }, 'lag'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
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
  const child: ChildProcess = spawnChild('./load-client.ts', []);
  return {
    onWindow(cb) {
      child.on('message', (m: unknown) => {
        if ((m as LoadReply).ev === 'window') cb((m as WindowMark).phase);
      });
    },
    run<T extends LoadReply>(req: LoadRequest, ev: T['ev']): Promise<T> {
      const p = nextReply(child, `load ${req.cmd}`, isEv<T>(ev));
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
      { cmd: 'pingpong', urls: hosts.map((h) => h.url), pairs, warmupMs: WARMUP_MS, durationMs: DURATION_MS, roomPrefix: `r${runNo++}`, bare: config === 'bare' },
      'pingpong',
    );
    const [c0, c1] = await Promise.all(cpuMarks);
    return { ...res, cpuUsPerMsg: c0 !== undefined && c1 !== undefined && res.received ? round((c1 - c0) / res.received, 2) : 0 };
  } finally {
    load.stop();
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

// ---------------------------------------------------------------- idle sockets

/** Each phase binds its clients to addresses of its own (127.0.B.2, 127.0.B.3, ...): ports a phase left in TIME_WAIT never collide with the next one's. */
let addressBlock = 10;
function addresses(sockets: number): string[] {
  const block = addressBlock++;
  // ~28k ephemeral ports per source address; keep each under 20k.
  const n = Math.max(2, Math.ceil(sockets / 20_000));
  return Array.from({ length: n }, (_, i) => `127.0.${block}.${2 + i}`);
}

interface MemoryFigures {
  rssBeforeMB: number;
  rssAfterMB: number;
  /** (RSS after − RSS before) / (sockets opened in between), KiB: the slope (see FIRST_SHARE). */
  kbPerSocket: number;
  /** The same for the JS heap (heapUsed). */
  heapKBPerSocket: number;
  /** heapTotal (what V8 holds from the system for its heap) per socket, KiB. */
  heapTotalKBPerSocket: number;
}

interface IdleFigures extends MemoryFigures {
  /** (RSS after − RSS of the fresh server) / sockets, KiB: the one-off growth included. */
  kbPerSocketCold: number;
  heapKBPerSocketCold: number;
  /** Asked for, and held (joined) in the end. */
  requested: number;
  sockets: number;
  /** Why fewer than requested were asked for, when they were (the file-descriptor limit). */
  limitedBy?: string;
  connect: Omit<PoolResult, 'failures'> & { failures: Record<string, number> };
  census?: CensusDiffRow[];
  hold?: HoldFigures;
}

interface HoldFigures {
  ms: number;
  /** The server's event-loop delay over the hold, ms. */
  loopLagMs: { p50: number; p99: number; max: number; mean: number };
  live: Omit<LiveResult, 'ev'>;
  healthz: { samples: number; failed: number; p50: number; p99: number; max: number };
  /** Idle sockets still open at the end of the hold. */
  openAfter: number;
}

const mem = (before: Extract<HostReply, { ev: 'memory' }>, after: Extract<HostReply, { ev: 'memory' }>, n: number): MemoryFigures => ({
  rssBeforeMB: round(before.rss / 2 ** 20, 1),
  rssAfterMB: round(after.rss / 2 ** 20, 1),
  kbPerSocket: round((after.rss - before.rss) / n / 1024, 2),
  heapKBPerSocket: round((after.heapUsed - before.heapUsed) / n / 1024, 2),
  heapTotalKBPerSocket: round((after.heapTotal - before.heapTotal) / n / 1024, 2),
});

/** GET /healthz every HEALTHZ_INTERVAL_MS until `until` resolves: each answer's latency (a new TCP connection each time). */
async function pollHealthz(port: number, until: Promise<unknown>): Promise<HoldFigures['healthz']> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  let failed = 0;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) times.push(performance.now() - t0);
          else failed++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failed++;
        resolve();
      });
    });
  while (!done) {
    await once();
    await sleep(HEALTHZ_INTERVAL_MS);
  }
  const sorted = Float64Array.from(times).sort();
  return { samples: times.length, failed, p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(percentile(sorted, 100), 2) };
}

/**
 * Holds `requested` idle sockets on a fresh `kind` server (as many as one process can hold when
 * that is fewer: said in limitedBy). With `censusDir`, heap snapshots before and after; with
 * `holdMs`, a live pair and /healthz are measured while the sockets are held.
 */
async function idleRun(kind: ServerKind, requested: number, o: { censusDir?: string; holdMs?: number }): Promise<IdleFigures> {
  const host = await startHost(kind);
  const max = host.fdLimit - FD_RESERVE;
  const n = Math.min(requested, max);
  const limitedBy = n < requested ? `RLIMIT_NOFILE ${host.fdLimit} of the server process (a process holds one file descriptor per socket)` : undefined;
  if (limitedBy) process.stderr.write(`\n  ${kind}: ${requested} sockets asked for, ${n} held: ${limitedBy}. Raise the hard limit (ulimit -Hn, needs CAP_SYS_RESOURCE) to hold more … `);
  const pool = new IdlePool(max);
  const load = o.holdMs ? startLoad() : undefined;
  try {
    const fresh = await host.memory();
    const hold1 = (count: number): Promise<PoolResult> =>
      pool.hold({ port: host.port, count, addresses: addresses(count), roomPrefix: `idle${runNo++}`, concurrency: IDLE_CONCURRENCY, deadlineMs: Math.max(120_000, count * 5) });
    const first = Math.max(1, Math.round(n * FIRST_SHARE));
    const c1 = await hold1(first);
    await sleep(1000); // let the last handshakes' garbage become collectable
    const before = await host.memory();
    const snapBefore = o.censusDir ? await host.snapshot(join(o.censusDir, `${kind}-before.heapsnapshot`)) : undefined;
    const c2 = await hold1(n - first);
    await sleep(1000);
    const after = await host.memory();
    const joined = c1.joined + c2.joined;
    const failures: Record<string, number> = { ...c1.failures };
    for (const [k, v] of Object.entries(c2.failures)) failures[k] = (failures[k] ?? 0) + v;
    const elapsedMs = c1.elapsedMs + c2.elapsedMs;
    const connect: IdleFigures['connect'] = {
      joined,
      failed: c1.failed + c2.failed,
      failures,
      elapsedMs,
      perSecond: Math.round((joined / elapsedMs) * 1000),
      joinMs: { p50: Math.max(c1.joinMs.p50, c2.joinMs.p50), p99: Math.max(c1.joinMs.p99, c2.joinMs.p99), max: Math.max(c1.joinMs.max, c2.joinMs.max) },
      open: c2.open,
      processes: Math.max(c1.processes, c2.processes),
    };
    const figures: IdleFigures = {
      requested,
      sockets: joined,
      ...(limitedBy ? { limitedBy } : {}),
      ...mem(before, after, c2.joined),
      kbPerSocketCold: round((after.rss - fresh.rss) / joined / 1024, 2),
      heapKBPerSocketCold: round((after.heapUsed - fresh.heapUsed) / joined / 1024, 2),
      connect,
    };
    if (o.censusDir && snapBefore) {
      const snapAfter = await host.snapshot(join(o.censusDir, `${kind}-after.heapsnapshot`));
      figures.census = perSocket(census(snapBefore), census(snapAfter), c2.joined, 20);
      rmSync(snapBefore, { force: true });
      rmSync(snapAfter, { force: true });
    }
    if (o.holdMs && load) {
      host.lagReset();
      const live = load.run<LiveResult>({ cmd: 'live', url: host.url, intervalMs: LIVE_INTERVAL_MS, durationMs: o.holdMs, roomPrefix: `live${runNo++}`, bare: kind === 'bare' }, 'live');
      const healthz = await pollHealthz(host.port, live);
      const { ev: _live, ...liveFigures } = await live;
      const { ev: _lag, ...loopLagMs } = await host.lag();
      const openAfter = await pool.release();
      figures.hold = { ms: o.holdMs, loopLagMs, live: liveFigures, healthz, openAfter };
    } else await pool.release();
    return figures;
  } finally {
    load?.stop();
    pool.stop();
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
  const idle: { relay: IdleFigures; bare: IdleFigures } = {} as { relay: IdleFigures; bare: IdleFigures };
  const hold: Partial<{ relay: IdleFigures; bare: IdleFigures }> = {};
  const censusDir = CENSUS ? join(tmpdir(), `relay-load-${process.pid}`) : undefined;
  if (censusDir) mkdirSync(censusDir, { recursive: true });
  try {
    for (const pairs of PAIRS) {
      const order: Config[] = ['relay', 'bare', 'relay-2node'];
      for (let r = 0; r < ROUNDS; r++) {
        // Rotate the order each round: relay/bare alternate which goes first.
        for (let i = 0; i < order.length; i++) {
          const config = order[(i + r) % order.length]!;
          process.stderr.write(`  ${config} pairs=${pairs} round ${r + 1}/${ROUNDS} … `);
          const res = await pingpong(config, pairs, redis);
          // A run where nothing came back measured nothing: fail loudly rather than report 0 as fast.
          if (res.rttMs.samples === 0) throw new Error(`${config} pairs=${pairs}: no round trip completed (is the relay relaying?)`);
          // Every pair is a bound call: a refusal means the run measured refusals, not relaying.
          if (res.refusals > 0) throw new Error(`${config} pairs=${pairs}: the relay refused ${res.refusals} messages during the run`);
          process.stderr.write(`${res.msgsPerSec} msg/s, p99 ${res.rttMs.p99} ms, ${res.cpuUsPerMsg} µs CPU/msg\n`);
          const k = `${config}/${pairs}`;
          results.set(k, [...(results.get(k) ?? []), res]);
        }
      }
    }
  } finally {
    await redis.stop();
  }
  for (const kind of ['relay', 'bare'] as const) {
    process.stderr.write(`  idle memory: ${IDLE_SOCKETS} sockets on ${kind} … `);
    idle[kind] = await idleRun(kind, IDLE_SOCKETS, {});
    process.stderr.write(`${idle[kind].kbPerSocket} KiB RSS, ${idle[kind].heapKBPerSocket} KiB heap per socket\n`);
  }
  // Heap snapshots in runs of their own: writing one grows the RSS the memory runs measure.
  if (censusDir)
    for (const kind of ['relay', 'bare'] as const) {
      process.stderr.write(`  heap census: ${IDLE_SOCKETS} sockets on ${kind} … `);
      idle[kind].census = (await idleRun(kind, IDLE_SOCKETS, { censusDir })).census;
      process.stderr.write('done\n');
    }
  if (HOLD_SOCKETS > 0)
    for (const kind of ['relay', 'bare'] as const) {
      process.stderr.write(`  hold: ${HOLD_SOCKETS} idle sockets on ${kind} for ${HOLD_MS / 1000} s … `);
      const h = await idleRun(kind, HOLD_SOCKETS, { holdMs: HOLD_MS });
      hold[kind] = h;
      process.stderr.write(`${h.sockets} held, ${h.kbPerSocket} KiB RSS/socket, live p99 ${h.hold?.live.rttMs.p99} ms, /healthz p99 ${h.hold?.healthz.p99} ms\n`);
      if (h.hold && h.hold.live.refusals > 0) throw new Error(`${kind}: the live pair was refused ${h.hold.live.refusals} times during the hold`);
    }
  if (censusDir) rmSync(censusDir, { recursive: true, force: true });

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
  const memOk = (f: IdleFigures | undefined): boolean => f !== undefined && f.kbPerSocket <= TARGETS.idleKBPerSocket && f.heapKBPerSocket <= TARGETS.idleKBPerSocket;
  const memory = {
    at: { [IDLE_SOCKETS]: { kbPerSocket: idle.relay.kbPerSocket, heapKBPerSocket: idle.relay.heapKBPerSocket, met: memOk(idle.relay) } } as Record<number, { kbPerSocket: number; heapKBPerSocket: number; met: boolean }>,
  };
  if (hold.relay) memory.at[hold.relay.sockets] = { kbPerSocket: hold.relay.kbPerSocket, heapKBPerSocket: hold.relay.heapKBPerSocket, met: memOk(hold.relay) };

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
  lines.push(
    `| idle sockets | server | held | RSS at ${FIRST_SHARE * 100} % → all, MB | KiB/socket RSS | KiB/socket heap used / total | KiB/socket cold, RSS / heap | connect /s | join p50 / p99 ms | failed |`,
  );
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const idleRow = (f: IdleFigures, kind: string): string =>
    `| ${f.requested} | ${kind} | ${f.sockets} | ${f.rssBeforeMB} → ${f.rssAfterMB} | ${f.kbPerSocket} | ${f.heapKBPerSocket} / ${f.heapTotalKBPerSocket} | ${f.kbPerSocketCold} / ${f.heapKBPerSocketCold} | ${f.connect.perSecond} | ${f.connect.joinMs.p50} / ${f.connect.joinMs.p99} | ${f.connect.failed} |`;
  for (const [kind, f] of Object.entries(idle)) lines.push(idleRow(f, kind));
  for (const [kind, f] of Object.entries(hold)) lines.push(idleRow(f, kind));
  if (hold.relay?.hold && hold.bare?.hold) {
    lines.push('');
    lines.push(`| while ${hold.relay.sockets} / ${hold.bare.sockets} idle sockets are held (${HOLD_MS / 1000} s) | relay | bare |`);
    lines.push('| --- | ---: | ---: |');
    const r = hold.relay.hold;
    const b = hold.bare.hold;
    lines.push(`| event-loop delay p50 / p99 / max, ms | ${r.loopLagMs.p50} / ${r.loopLagMs.p99} / ${r.loopLagMs.max} | ${b.loopLagMs.p50} / ${b.loopLagMs.p99} / ${b.loopLagMs.max} |`);
    lines.push(`| live pair RTT p50 / p99 / max, ms (a message every ${LIVE_INTERVAL_MS} ms) | ${r.live.rttMs.p50} / ${r.live.rttMs.p99} / ${r.live.rttMs.max} | ${b.live.rttMs.p50} / ${b.live.rttMs.p99} / ${b.live.rttMs.max} |`);
    lines.push(`| live pair samples, late or lost, refusals | ${r.live.samples}, ${r.live.lateOrLost}, ${r.live.refusals} | ${b.live.samples}, ${b.live.lateOrLost}, ${b.live.refusals} |`);
    lines.push(`| GET /healthz p50 / p99 / max, ms (${r.healthz.samples} / ${b.healthz.samples} asked, failed ${r.healthz.failed} / ${b.healthz.failed}) | ${r.healthz.p50} / ${r.healthz.p99} / ${r.healthz.max} | ${b.healthz.p50} / ${b.healthz.p99} / ${b.healthz.max} |`);
    lines.push(`| idle sockets still open after the hold | ${r.openAfter} | ${b.openAfter} |`);
  }
  if (CENSUS && idle.relay.census && idle.bare.census) {
    lines.push('');
    lines.push(`| heap per idle socket by object type (${IDLE_SOCKETS} sockets), relay | B | count | bare | B | count |`);
    lines.push('| --- | ---: | ---: | --- | ---: | ---: |');
    const rows = Math.max(idle.relay.census.length, idle.bare.census.length);
    for (let i = 0; i < Math.min(rows, 15); i++) {
      const a = idle.relay.census[i];
      const b = idle.bare.census[i];
      lines.push(`| ${a?.key ?? ''} | ${a?.bytesPerSocket ?? ''} | ${a?.perSocket ?? ''} | ${b?.key ?? ''} | ${b?.bytesPerSocket ?? ''} | ${b?.perSocket ?? ''} |`);
    }
  }
  lines.push('');
  lines.push('| target | measured | target | status |');
  lines.push('| --- | ---: | ---: | --- |');
  for (const c of comparisons) {
    lines.push(`| throughput vs bare, ${c.pairs} pairs | ${c.throughputVsBare}x | ≥ ${TARGETS.throughputVsBare}x | ${verdict(c.met.throughput)} (${round((c.throughputVsBare - TARGETS.throughputVsBare) * 100, 1)} pts) |`);
    lines.push(`| p99 RTT vs bare, ${c.pairs} pairs | ${c.p99VsBare}x | ≤ ${TARGETS.p99VsBare}x | ${verdict(c.met.p99)} (${round((TARGETS.p99VsBare - c.p99VsBare) * 100, 1)} pts margin) |`);
    lines.push(`| 2-node p99 vs single node, ${c.pairs} pairs | ${c.twoNodeP99VsSingle}x | ≤ ${TARGETS.twoNodeP99VsSingle}x | ${verdict(c.met.twoNodeP99)} (${round((TARGETS.twoNodeP99VsSingle - c.twoNodeP99VsSingle) * 100, 1)} pts margin) |`);
  }
  for (const f of [idle.relay, hold.relay]) {
    if (!f) continue;
    lines.push(
      `| memory per idle socket, ${f.sockets} sockets (RSS / heap) | ${f.kbPerSocket} / ${f.heapKBPerSocket} KiB | ≤ ${TARGETS.idleKBPerSocket} KiB | ${verdict(memOk(f))} (bare ${idle.bare.sockets === f.sockets ? idle.bare.kbPerSocket : (hold.bare?.kbPerSocket ?? '?')} / ${idle.bare.sockets === f.sockets ? idle.bare.heapKBPerSocket : (hold.bare?.heapKBPerSocket ?? '?')} KiB) |`,
    );
  }
  if (hold.relay) {
    const h = hold.relay;
    lines.push(`| idle sockets held on one node | ${h.sockets} | ${HOLD_SOCKETS} | ${h.sockets >= HOLD_SOCKETS ? 'met' : `NOT MEASURED at ${HOLD_SOCKETS}${h.limitedBy ? `: ${h.limitedBy}` : ''}`} |`);
    if (h.hold) lines.push(`| GET /healthz p99 while held | ${h.hold.healthz.p99} ms | ≤ ${TARGETS.healthzP99Ms} ms | ${verdict(h.hold.healthz.p99 <= TARGETS.healthzP99Ms && h.hold.healthz.failed === 0)} |`);
  }
  const table = lines.join('\n');

  const json = {
    bench: 'relay-load',
    date: started.toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version, loadavg1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) } },
    params: {
      pairs: PAIRS,
      rounds: ROUNDS,
      durationMs: DURATION_MS,
      warmupMs: WARMUP_MS,
      idleSockets: IDLE_SOCKETS,
      holdSockets: HOLD_SOCKETS,
      holdMs: HOLD_MS,
      firstShare: FIRST_SHARE,
      idleConcurrency: IDLE_CONCURRENCY,
      hostFlags: HOST_FLAGS,
      transport: 'websocket',
      message: 'candidate (~150 B)',
      pairsAreBoundCalls: true,
    },
    runs: aggs,
    idle: { relay: { ...idle.relay, census: undefined }, bare: { ...idle.bare, census: undefined } },
    hold,
    census: CENSUS ? { relay: idle.relay.census, bare: idle.bare.census } : undefined,
    comparisons,
    memory,
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

/**
 * Writes this run's block into bench/RESULTS.md, section "Signaling load": the newest run between
 * the markers, the run it replaces kept right below it (as "Earlier run"), other sections untouched.
 */
function writeResults(date: Date, table: string, json: string, load: { before: number; after: number }): void {
  const file = here('./RESULTS.md');
  const block = [
    START,
    `Measured ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores, Node ${process.version}; ` +
      `${ROUNDS} alternating rounds of ${DURATION_MS / 1000} s per configuration (after ${WARMUP_MS / 1000} s warm-up), medians over rounds. ` +
      `Load average (1 min) ${load.before} before, ${load.after} after: other work on the machine skews these figures. ` +
      'Server(s), load generator and redis-server share the same cores, so every figure is bounded by the generator as much as by the server; ' +
      'server CPU µs per relayed message (process.cpuUsage of the server processes over the measured window) is the figure least affected by sharing. ' +
      'The relay runs with its token bucket raised (1e9 msg/s) so the closed loop measures its cost, not its 50 msg/s policy; ' +
      'every relay pair is a bound call (protocol 2), and the run fails on any refusal. ' +
      `Idle sockets: raw Engine.IO clients from loopback addresses 127.0.B.x, ${IDLE_CONCURRENCY} handshakes in flight; memory per socket is the slope ` +
      `from ${FIRST_SHARE * 100} % of the sockets to all of them after full GCs ("cold": from the fresh server, its one-off young-generation growth included). ` +
      `The hold: a bound pair sends a message every ${LIVE_INTERVAL_MS} ms, GET /healthz every ${HEALTHZ_INTERVAL_MS} ms on a new connection, the server's event-loop delay from monitorEventLoopDelay.`,
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
    const earlier = text.slice(text.indexOf(START) + START.length, text.indexOf(END)).trim();
    out = text.slice(0, text.indexOf(START)) + block + `\n\n**Earlier run.** ${earlier}` + text.slice(text.indexOf(END) + END.length);
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
