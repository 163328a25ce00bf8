/**
 * Three relay nodes over one real redis-server (issue 15, part 4), against one node in the same run:
 *
 *   signaling  bound v2 pairs (call request `ready` with a call id, `accept`, both `bound`), then a
 *              closed loop of candidate-sized messages; on three nodes the caller and the callee of
 *              each pair are on different nodes. p50/p99 round trip, messages/s.
 *   fan-out    one call request rings 50 answerers in one room (on three nodes spread 17/17/16, the
 *              caller on a node of its own turn): ms from the caller's `ready` to the 50th answerer's
 *              `ready`; median/p90 over rounds.
 *   node death 30 answerers, 10 on each node; the third node is SIGKILLed: ms until GET /presence on
 *              each survivor says 20, until the survivors' sockets hear `peer-left` for all 10 (the
 *              liveness window), and until their `presence` event says 20 (if it ever does).
 *
 * Each relay node runs in its own process (this file with `host`, set up like bench/relay-host.ts:
 * per-address limits and the message rate lifted, as the load comes from one loopback address,
 * and rooms of 64 so 50 answerers and a caller fit); the clients run here. Prints a table
 * and one JSON line, and appends the figures, dated, to bench/RESULTS.md ("Three nodes over
 * Redis"). Loopback only; every wait is bounded. Run: `flock /tmp/heavy.lock node --import tsx
 * bench/cluster-load.ts`. Knobs: BENCH_PAIRS=50 BENCH_ROUNDS=3 BENCH_DURATION_MS=3000
 * BENCH_FANOUT_ROUNDS=10 BENCH_DEATH_ROUNDS=3 BENCH_NO_WRITE=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { PRESENCE_TIMING } from '../server/calls/presence-types.js';
import type { ClientToServerEvents, PresencePayload, ServerToClientEvents, SignalMessage } from '../src/protocol/index.js';
import { startRedis } from '../test/redis/support.js';
import { sleep } from '../test/support/wait.js';
import { isEv, nextReply, spawnChild } from './child.js';
import { median, percentile, percentileOf, round } from './stats.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const env = (k: string, d: string): number => Number(process.env[k] || d);
const PAIRS = env('BENCH_PAIRS', '50');
const ROUNDS = env('BENCH_ROUNDS', '3');
const DURATION_MS = env('BENCH_DURATION_MS', '3000');
const WARMUP_MS = 1000;
const FANOUT = 50;
const FANOUT_ROUNDS = env('BENCH_FANOUT_ROUNDS', '10');
const DEATH_ROUNDS = env('BENCH_DEATH_ROUNDS', '3');
const PER_NODE = 10;
/** Any one wait longer than this is a hung run: fail, never wait forever. */
const STEP_TIMEOUT_MS = 60_000;
/** How long the node-death phase watches for the survivors' presence event. */
const EVENT_WAIT_MS = 10_000;

const CANDIDATE: SignalMessage = {
  type: 'candidate',
  candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.5 rport 46154 generation 0 ufrag sC3a network-cost 999',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

// ---------------------------------------------------------------- relay nodes (bench/relay-host.ts)

interface Host {
  url: string;
  /** SIGKILL: no shutdown hook runs, nothing is announced. */
  kill(): void;
  stop(): Promise<void>;
}

/** What a node process tells this one (the start of bench/ipc.ts's HostReply). */
type HostReply = { ev: 'listening'; port: number } | { ev: 'error'; message: string };

/** Members per room on the bench's nodes: 50 answerers and the caller (the default, 50, holds one fewer). */
const ROOM_MEMBERS = 64;

/**
 * A relay node in this file's own child process (`cluster-load.ts host [redisUrl]`), set up as
 * bench/relay-host.ts sets one up, with rooms that hold 50 answerers and a caller.
 */
async function hostMain(redisUrl: string | undefined): Promise<void> {
  const { buildRelay } = await import('../server/index.js');
  const reply = (m: HostReply): void => void process.send?.(m);
  try {
    const app = await buildRelay({
      logLevel: 'warn',
      staticDirs: false,
      redisUrl,
      roomMembers: ROOM_MEMBERS,
      // The message rate is not what is measured; every client comes from 127.0.0.1.
      rateLimit: { perSecond: 1e9, burst: 1e9 },
      maxSocketsPerAddress: 1e6,
      handshakesPerSecond: 1e6,
      maxSockets: 1e6,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    reply({ ev: 'listening', port: (app.server.address() as { port: number }).port });
    process.on('message', () => void app.close().finally(() => process.exit(0)));
  } catch (err) {
    reply({ ev: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
  process.on('disconnect', () => process.exit(0));
}

async function startHost(redisUrl?: string): Promise<Host> {
  const child = spawnChild('cluster-load.ts', redisUrl ? ['host', redisUrl] : ['host']);
  const { port } = await nextReply(child, 'relay host: listening', isEv<Extract<HostReply, { ev: 'listening' }>>('listening'), STEP_TIMEOUT_MS);
  return {
    url: `http://127.0.0.1:${port}`,
    kill: () => void child.kill('SIGKILL'),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          done();
        });
        child.send({ cmd: 'stop' });
      }),
  };
}

// ---------------------------------------------------------------- clients

/** Resolves when `probe` is true (checked on every event `on` registers and every 20 ms), or fails after `ms`. */
function until(what: string, probe: () => boolean, ms = STEP_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (probe()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A protocol-2 socket in `room`, with its client-id. */
function connect(url: string, room: string, incoming: boolean): Promise<Client> {
  const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000, auth: { room, protocol: 2, incoming, name: 'bench' } });
  return new Promise((resolve, reject) => {
    socket.once('client-id', () => resolve(socket));
    socket.once('connect_error', (err) => reject(new Error(`connect to ${url} failed: ${err.message}`)));
    socket.once('error', (e) => reject(new Error(`refused: ${e.code} ${e.message}`)));
  });
}

/** At most 50 handshakes in flight. */
async function connectAll<T>(specs: T[], open: (s: T) => Promise<Client>): Promise<Client[]> {
  const out: Client[] = new Array(specs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(50, specs.length) }, async () => {
      while (next < specs.length) {
        const i = next++;
        out[i] = await open(specs[i]!);
      }
    }),
  );
  return out;
}

const closeAll = (xs: Client[]): void => {
  for (const s of xs) s.close();
};

/** The caller rings the callee with call `id`; the callee accepts; both hear `bound`. */
function bind(caller: Client, callee: Client, id: string): Promise<void> {
  const bound = (s: Client): Promise<void> => new Promise((r) => s.once('bound', () => r()));
  const done = Promise.all([bound(caller), bound(callee)]);
  callee.on('message', (m) => {
    if (m.type === 'ready' && m.call === id) callee.emit('message', { type: 'accept', call: id });
  });
  caller.emit('message', { type: 'ready', call: id, kind: 'voice' });
  return done.then(() => undefined);
}

// ---------------------------------------------------------------- signaling p99

interface PingPong {
  msgsPerSec: number;
  p50: number;
  p99: number;
  samples: number;
  refusals: number;
}

let runNo = 0;
async function pingpong(urls: string[]): Promise<PingPong> {
  const prefix = `cl${runNo++}-${Date.now().toString(36)}`;
  // Pair p: callee on node p % n, caller on the next node (a different one when n > 1).
  const callees = await connectAll([...Array(PAIRS).keys()], (p) => connect(urls[p % urls.length]!, `${prefix}-${p}`, true));
  const callers = await connectAll([...Array(PAIRS).keys()], (p) => connect(urls[(p + 1) % urls.length]!, `${prefix}-${p}`, false));
  try {
    await Promise.all(callers.map((c, p) => bind(c, callees[p]!, `pp${p}`)));
    let measuring = false;
    let running = true;
    let received = 0;
    let refusals = 0;
    const rtt: number[] = [];
    const sentAt = new Float64Array(PAIRS);
    let inFlight = 0;
    callers.forEach((caller, p) => {
      const callee = callees[p]!;
      caller.on('error', () => refusals++);
      callee.on('error', () => refusals++);
      callee.on('message', (m) => {
        if (m.type !== 'candidate') return;
        if (measuring) received++;
        callee.emit('message', CANDIDATE);
      });
      caller.on('message', (m) => {
        if (m.type !== 'candidate') return;
        const now = performance.now();
        if (measuring) {
          received++;
          rtt.push(now - sentAt[p]!);
        }
        if (!running) return void inFlight--;
        sentAt[p] = now;
        caller.emit('message', CANDIDATE);
      });
      inFlight++;
      sentAt[p] = performance.now();
      caller.emit('message', CANDIDATE);
    });
    await sleep(WARMUP_MS);
    measuring = true;
    const t0 = performance.now();
    await sleep(DURATION_MS);
    measuring = false;
    const elapsed = performance.now() - t0;
    running = false;
    await until('the last round trips', () => inFlight === 0, 3000).catch(() => undefined);
    rtt.sort((a, b) => a - b);
    return { msgsPerSec: round((received / elapsed) * 1000, 0), p50: round(percentile(rtt, 50), 3), p99: round(percentile(rtt, 99), 3), samples: rtt.length, refusals };
  } finally {
    closeAll([...callers, ...callees]);
  }
}

// ---------------------------------------------------------------- ring fan-out

async function fanout(urls: string[]): Promise<number[]> {
  const room = `fan${runNo++}-${Date.now().toString(36)}`;
  const answerers = await connectAll([...Array(FANOUT).keys()], (i) => connect(urls[i % urls.length]!, room, true));
  const times: number[] = [];
  try {
    for (let r = 0; r < FANOUT_ROUNDS; r++) {
      const caller = await connect(urls[r % urls.length]!, room, false);
      const call = `fan${r}`;
      let rung = 0;
      let cancelled = 0;
      let last = 0;
      const onMsg = (m: { type: string; call?: string }): void => {
        if (m.call !== call) return;
        if (m.type === 'ready' && ++rung === FANOUT) last = performance.now();
        if (m.type === 'cancel') cancelled++;
      };
      for (const a of answerers) a.on('message', onMsg);
      const t0 = performance.now();
      caller.emit('message', { type: 'ready', call, kind: 'voice' });
      await until(`all ${FANOUT} answerers rung (round ${r})`, () => rung === FANOUT, 10_000);
      times.push(last - t0);
      caller.emit('message', { type: 'cancel', call, reason: 'hang-up' });
      await until(`all ${FANOUT} answerers told cancel`, () => cancelled === FANOUT, 10_000);
      for (const a of answerers) a.off('message', onMsg);
      caller.close();
      await sleep(200);
    }
  } finally {
    closeAll(answerers);
  }
  return times;
}

// ---------------------------------------------------------------- node death

interface Death {
  /** ms after SIGKILL until GET /presence on each survivor said the survivors' count (null: never within the bound). */
  httpMs: (number | null)[];
  /** GET /presence answers that were not 200 (503 while a lookup failed) during the watch. */
  non200: number;
  /** ms until the survivors' sockets heard peer-left for every socket of the dead node (the liveness window). */
  peerLeftMs: number | null;
  /** ms until the survivors' presence event said the survivors' count (null: not within EVENT_WAIT_MS). */
  eventMs: number | null;
}

async function getPresence(url: string, room: string): Promise<{ status: number; body?: PresencePayload }> {
  const res = await fetch(`${url}/presence?room=${room}`);
  return res.status === 200 ? { status: 200, body: (await res.json()) as PresencePayload } : { status: res.status };
}

async function killOne(survivors: Host[], redisUrl: string): Promise<Death> {
  const victim = await startHost(redisUrl);
  const nodes = [...survivors, victim];
  const room = `death${runNo++}-${Date.now().toString(36)}`;
  const sockets = await connectAll(
    nodes.flatMap((n) => Array<string>(PER_NODE).fill(n.url)),
    (url) => connect(url, room, true),
  );
  const onSurvivors = sockets.slice(0, PER_NODE * survivors.length);
  const doomed = new Set(sockets.slice(PER_NODE * survivors.length).map((s) => s.id!));
  const total = PER_NODE * nodes.length;
  const after = PER_NODE * survivors.length;
  const lastPresence = new Map<Client, number>();
  const peerLeft = new Map<Client, Set<string>>();
  for (const s of onSurvivors) {
    s.on('presence', (p) => lastPresence.set(s, p.available));
    peerLeft.set(s, new Set());
    s.on('peer-left', ({ id }) => peerLeft.get(s)!.add(id));
  }
  try {
    await until(`presence ${total} on every survivor's socket`, () => onSurvivors.every((s) => lastPresence.get(s) === total), 15_000);
    for (const n of survivors) {
      let seen = false;
      for (let i = 0; i < 200 && !seen; i++) {
        seen = (await getPresence(n.url, room)).body?.available === total;
        if (!seen) await sleep(50);
      }
      if (!seen) throw new Error(`GET ${n.url}/presence never said ${total}`);
    }
    const t0 = performance.now();
    victim.kill();
    const httpMs: (number | null)[] = survivors.map(() => null);
    let non200 = 0;
    let peerLeftMs: number | null = null;
    let eventMs: number | null = null;
    const bound = t0 + EVENT_WAIT_MS;
    while (performance.now() < bound) {
      const now = performance.now() - t0;
      const answers = await Promise.all(survivors.map((n) => getPresence(n.url, room)));
      answers.forEach((a, i) => {
        if (a.status !== 200) non200++;
        if (a.body?.available === after) httpMs[i] ??= round(now, 0);
        else if (a.body) httpMs[i] = null; // said the right count, then the wrong one again: not settled
      });
      if (peerLeftMs === null && onSurvivors.every((s) => [...doomed].every((id) => peerLeft.get(s)!.has(id)))) peerLeftMs = round(now, 0);
      if (eventMs === null && onSurvivors.every((s) => lastPresence.get(s) === after)) eventMs = round(now, 0);
      if (eventMs !== null && peerLeftMs !== null && httpMs.every((x) => x !== null)) break;
      await sleep(25);
    }
    return { httpMs, non200, peerLeftMs, eventMs };
  } finally {
    closeAll(sockets);
    await victim.stop();
  }
}

// ---------------------------------------------------------------- the run

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? 'never' : String(x));
const p90 = (xs: number[]): number => percentileOf(xs, 90);

async function main(): Promise<void> {
  const startedAt = Date.now();
  const load0 = loadavg()[0]!;
  const redis = await startRedis();
  const single = await startHost();
  const three = await Promise.all([0, 1, 2].map(() => startHost(redis.url)));
  const urls3 = three.map((h) => h.url);
  try {
    // Signaling: alternate one node and three within each round, so drift hits both alike.
    const runs: Record<'one' | 'three', PingPong[]> = { one: [], three: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.one.push(await pingpong([single.url]));
      runs.three.push(await pingpong(urls3));
      process.stderr.write(`signaling round ${r + 1}/${ROUNDS}: one p99 ${runs.one.at(-1)!.p99} ms, three p99 ${runs.three.at(-1)!.p99} ms\n`);
    }
    const sig = (xs: PingPong[]) => ({
      msgsPerSec: round(median(xs.map((x) => x.msgsPerSec)), 0),
      p50: round(median(xs.map((x) => x.p50)), 3),
      p99: round(median(xs.map((x) => x.p99)), 3),
      samples: xs.reduce((a, x) => a + x.samples, 0),
      refusals: xs.reduce((a, x) => a + x.refusals, 0),
    });
    const signaling = { one: sig(runs.one), three: sig(runs.three) };

    const fanOne = await fanout([single.url]);
    const fanThree = await fanout(urls3);
    process.stderr.write(`fan-out: one ${fanOne.map((x) => x.toFixed(1)).join(' ')}; three ${fanThree.map((x) => x.toFixed(1)).join(' ')}\n`);
    const fan = (xs: number[]) => ({ median: round(median(xs), 2), p90: round(p90(xs), 2), rounds: xs.length });
    const fanFigures = { one: fan(fanOne), three: fan(fanThree) };

    // Node death: the first two nodes survive; a fresh third one dies each round.
    await three[2]!.stop();
    const deaths: Death[] = [];
    for (let r = 0; r < DEATH_ROUNDS; r++) {
      deaths.push(await killOne(three.slice(0, 2), redis.url));
      process.stderr.write(`node death ${r + 1}/${DEATH_ROUNDS}: ${JSON.stringify(deaths.at(-1))}\n`);
    }
    const httpAll = deaths.flatMap((d) => d.httpMs).filter((x): x is number => x !== null);
    const death = {
      httpMs: { median: round(median(httpAll), 0), max: Math.max(...httpAll), settled: `${httpAll.length}/${deaths.length * 2}` },
      peerLeftMs: { median: round(median(deaths.flatMap((d) => (d.peerLeftMs === null ? [] : [d.peerLeftMs]))), 0) },
      eventMs: deaths.map((d) => d.eventMs),
      non200: deaths.reduce((a, d) => a + d.non200, 0),
      rounds: deaths,
    };

    const rows: [string, string, string, string][] = [
      ['signaling p50 RTT, bound pairs (ms)', String(signaling.one.p50), String(signaling.three.p50), `${round(signaling.three.p50 / signaling.one.p50, 2)}x`],
      ['signaling p99 RTT, bound pairs (ms)', String(signaling.one.p99), String(signaling.three.p99), `${round(signaling.three.p99 / signaling.one.p99, 2)}x`],
      ['messages/s', String(signaling.one.msgsPerSec), String(signaling.three.msgsPerSec), `${round(signaling.three.msgsPerSec / signaling.one.msgsPerSec, 2)}x`],
      [`ring fan-out to ${FANOUT}, median (ms)`, String(fanFigures.one.median), String(fanFigures.three.median), `${round(fanFigures.three.median / fanFigures.one.median, 2)}x`],
      [`ring fan-out to ${FANOUT}, p90 (ms)`, String(fanFigures.one.p90), String(fanFigures.three.p90), `${round(fanFigures.three.p90 / fanFigures.one.p90, 2)}x`],
      ['node killed: GET /presence right on survivors, median / max (ms)', '–', `${death.httpMs.median} / ${death.httpMs.max} (${death.httpMs.settled})`, ''],
      ['node killed: peer-left for all its sockets, median (ms)', '–', String(death.peerLeftMs.median), ''],
      ['node killed: survivors’ presence event right (ms)', '–', death.eventMs.map(fmt).join(', '), ''],
    ];
    const table = [
      `| figure | one node | three nodes | three / one |`,
      `| --- | ---: | ---: | ---: |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
    const json = {
      bench: 'cluster-load',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), node: process.version, loadavg1m: { before: round(load0, 2), after: round(loadavg()[0]!, 2) } },
      params: { pairs: PAIRS, rounds: ROUNDS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, fanout: FANOUT, fanoutRounds: FANOUT_ROUNDS, deathRounds: DEATH_ROUNDS, perNode: PER_NODE, heartbeatMs: 1000, presenceCacheMs: PRESENCE_TIMING.cacheMs, transport: 'websocket' },
      signaling,
      fanout: { ...fanFigures, samples: { one: fanOne.map((x) => round(x, 2)), three: fanThree.map((x) => round(x, 2)) } },
      death,
      wallSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    console.log(`\n${table}\n`);
    console.log(JSON.stringify(json));
    if (!process.env.BENCH_NO_WRITE) writeResults(table, JSON.stringify(json));
  } finally {
    await Promise.all([single, ...three].map((h) => h.stop()));
    await redis.stop();
  }
}

const START = '<!-- cluster-load:start -->';
const END = '<!-- cluster-load:end -->';

/** Appends this run to the "Three nodes over Redis" section of bench/RESULTS.md (made the first time). */
function writeResults(table: string, json: string): void {
  const file = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  const text = readFileSync(file, 'utf8');
  const entry = `### 2026-11-30 ${new Date().toISOString().slice(11, 16)} UTC\n\n${table}\n\n\`\`\`json\n${json}\n\`\`\`\n`;
  const next = text.includes(END)
    ? text.replace(END, `${entry}${END}`)
    : `${text.trimEnd()}\n\n## Three nodes over Redis (\`bench/cluster-load.ts\`)\n\n${START}\n${entry}${END}\n`;
  writeFileSync(file, next);
}

const run = process.argv[2] === 'host' ? hostMain(process.argv[3]) : main();
run.then(
  () => {
    if (process.argv[2] !== 'host') process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
