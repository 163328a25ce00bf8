/**
 * `npm run bench:faults`: how fast a call comes back from faults (issue 14), N runs each
 * (default 5; `-- --runs 3`), in the network namespace, real Chromium, the built relay, coturn,
 * redis-server. Every run is a fresh call between two pages (a desk that accepts, a caller).
 *
 *   baseline        no fault: the measuring floor (5 more remote frames decoded, polled every 100 ms)
 *   network change  the call's address moves to another veth interface → 5 more frames on both pages
 *   10 s blackout   drop-everything rule for 10 s → 5 more frames on both, from the rule's removal
 *   coturn restart  relay-only call, coturn down 2 s → 5 more frames on both, from coturn back up
 *   relay restart   the relay stopped, 1 s down, started → both pages bound again, from the stop
 *   node kill       one of two relay nodes (one redis-server) SIGKILLed → both bound again on the other
 *
 * Prints a table (median, p90, max) and one JSON line, and writes a dated section into
 * bench/RESULTS.md between <!-- faults:start --> and <!-- faults:end -->. Bounded: each run
 * times out (30 s), the whole bench stops taking new runs after 12 minutes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { TestBrowser, TestPage } from '../test/e2e/support/browsers.js';
import { call, framesResume, mark, pidOn, rebinds, startFaultStack, type FaultStack } from '../test/e2e/support/fault-stack.js';
import { startFailoverProxy } from '../test/e2e/support/failover-proxy.js';
import { blackout, clearFaults, twoNetworks } from '../test/e2e/support/network.js';
import { startRelay } from '../test/e2e/support/relay.js';
import { sleep, uniqueRoom, waitFor } from '../test/support/wait.js';
import { startRedis } from '../test/redis/support.js';
import { median, percentileOf } from './stats.js';

if (process.env.RTC_CALL_NETNS !== '1') {
  console.error('run it in the test namespace: npm run bench:faults (node scripts/netns.mjs node --import tsx bench/faults.ts)');
  process.exit(2);
}
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RUNS = Number(arg('--runs') ?? 5);
const RUN_TIMEOUT_MS = 30_000;
const WALL_LIMIT_MS = 12 * 60_000;
const started = Date.now();
const load0 = loadavg()[0]!;

interface Row {
  name: string;
  what: string;
  samples: number[];
  failures: string[];
}
const rows: Row[] = [];

/** Both pages back: the slower one counts. */
const bothFrames = async (desk: TestPage, caller: TestPage, since: number): Promise<number> =>
  Math.max(...(await Promise.all([framesResume(desk, RUN_TIMEOUT_MS, since), framesResume(caller, RUN_TIMEOUT_MS, since)])).map((b) => b.ms));

const bothBound = async (desk: TestPage, caller: TestPage, since: number): Promise<number> => {
  await waitFor('both pages bound again', async () => (await rebinds(desk)) > 0 && (await rebinds(caller)) > 0, { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 50 });
  return Date.now() - since;
};

/**
 * N runs of one scenario, each a fresh call (`server`, `policy` for its pages), the fault and its
 * measurement in `fault` (ms, or an Error), the pages closed whatever happens.
 */
async function scenario(
  stack: FaultStack,
  name: string,
  what: string,
  opts: { policy: 'all' | 'relay'; server?: () => string; before?: () => void | Promise<void> },
  fault: (desk: TestPage, caller: TestPage) => Promise<number>,
): Promise<void> {
  const row: Row = { name, what, samples: [], failures: [] };
  rows.push(row);
  const [A, B] = stack.browsers as [TestBrowser, TestBrowser];
  for (let i = 0; i < RUNS; i++) {
    if (Date.now() - started > WALL_LIMIT_MS) {
      row.failures.push('skipped: wall-clock limit');
      break;
    }
    await opts.before?.();
    const pages: TestPage[] = [];
    try {
      const room = uniqueRoom('bench-faults');
      const server = opts.server?.();
      const open = async (b: TestBrowser, incoming?: 'off'): Promise<TestPage> => {
        const p = await b.newPage();
        pages.push(p);
        await p.goto(stack.site.widgetUrl({ room, policy: opts.policy, ...(server ? { server } : {}), ...(incoming ? { incoming } : {}) }));
        return p;
      };
      const desk = await open(A);
      const caller = await open(B, 'off');
      await call(desk, caller);
      const ms = await fault(desk, caller);
      row.samples.push(ms);
      console.log(`${name} #${i + 1}: ${ms} ms`);
    } catch (e) {
      row.failures.push(String(e instanceof Error ? e.message.split('\n')[0] : e));
      console.log(`${name} #${i + 1}: FAILED ${row.failures.at(-1)}`);
    } finally {
      clearFaults();
      await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    }
  }
}

// Network change: browsers that gather host candidates on the veth addresses only.
let nets = null as ReturnType<typeof twoNetworks> | null;
let stack = await startFaultStack({ browsers: 2, loopbackIce: false });
try {
  await scenario(stack, 'baseline', 'no fault: 5 more frames on both pages (the measuring floor)', { policy: 'all', before: () => void (nets = twoNetworks()) }, async (d, c) =>
    bothFrames(d, c, Date.now()),
  );
  await scenario(stack, 'network change', 'address moved to another interface → 5 more frames on both', { policy: 'all', before: () => void (nets = twoNetworks()) }, async (d, c) => {
    const t0 = Date.now();
    nets!.move();
    return bothFrames(d, c, t0);
  });
} finally {
  nets?.remove();
  await stack.close();
}

stack = await startFaultStack({ browsers: 2 });
try {
  await scenario(stack, '10 s blackout', 'drop-everything rule for 10 s → 5 more frames on both, from its removal', { policy: 'relay' }, async (d, c) => {
    blackout();
    await sleep(10_000);
    clearFaults();
    return bothFrames(d, c, Date.now());
  });
  await scenario(stack, 'coturn restart', 'relay-only call, coturn down 2 s → 5 more frames on both, from coturn up', { policy: 'relay' }, async (d, c) => {
    await stack.restartCoturn(2000);
    return bothFrames(d, c, Date.now());
  });
  await scenario(stack, 'relay restart', 'relay stopped, down 1 s, started → both bound again, from the stop', { policy: 'all' }, async (d, c) => {
    await mark(d, c);
    const t0 = Date.now();
    await stack.restartRelay(1000);
    return bothBound(d, c, t0);
  });
  const redis = await startRedis();
  try {
    let front = null as Awaited<ReturnType<typeof startFailoverProxy>> | null;
    let nodes: Awaited<ReturnType<typeof startRelay>>[] = [];
    const fresh = async (): Promise<void> => {
      await front?.close();
      for (const n of nodes) await n.stop();
      nodes = [];
      for (let i = 0; i < 2; i++) nodes.push(await startRelay({ turnUrls: stack.coturn.urls, turnSecret: stack.coturn.secret, env: { REDIS_URL: redis.url } }));
      front = await startFailoverProxy(nodes.map((n) => n.port));
    };
    try {
      await scenario(stack, 'node kill', 'one of two relay nodes SIGKILLed → both bound again on the other, from the kill', { policy: 'all', before: fresh, server: () => front!.url }, async (d, c) => {
        await mark(d, c);
        const t0 = Date.now();
        process.kill(pidOn(nodes[0]!.port), 'SIGKILL');
        return bothBound(d, c, t0);
      });
    } finally {
      await front?.close();
      for (const n of nodes) await n.stop();
    }
  } finally {
    await redis.stop();
  }
} finally {
  await stack.close();
}

// ---- report ------------------------------------------------------------------------------
const fmt = (x: number): string => (Number.isFinite(x) ? String(Math.round(x)) : '–');
const base = median(rows.find((r) => r.name === 'baseline')?.samples ?? []);
const table = [
  '| fault | what is timed | runs | median (ms) | p90 (ms) | max (ms) | median − baseline (ms) |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => {
    const m = median(r.samples);
    const ok = `${r.samples.length}/${r.samples.length + r.failures.length}`;
    return `| ${r.name} | ${r.what} | ${ok} | ${fmt(m)} | ${fmt(percentileOf(r.samples, 90))} | ${fmt(Math.max(...r.samples))} | ${r.name === 'baseline' ? '' : fmt(m - base)} |`;
  }),
].join('\n');
const json = {
  bench: 'faults',
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), node: process.version, loadavg1m: { before: load0, after: loadavg()[0] } },
  params: { runs: RUNS, frames: 5, pollMs: 100, blackoutMs: 10_000, coturnDownMs: 2000, relayDownMs: 1000 },
  results: Object.fromEntries(rows.map((r) => [r.name, { median: median(r.samples), p90: percentileOf(r.samples, 90), samples: r.samples, failures: r.failures }])),
  wallSeconds: Math.round((Date.now() - started) / 1000),
};
console.log(`\n${table}\n`);
for (const r of rows) for (const f of r.failures) console.log(`${r.name}: ${f}`);
console.log(JSON.stringify(json));

const RESULTS = new URL('./RESULTS.md', import.meta.url);
const section = `<!-- faults:start -->
### 2026-11-30 ${json.date.slice(11, 16)} UTC

${RUNS} runs per fault, each a fresh call between two Chromium pages in the test namespace (both browsers, the relay
and coturn on the same 2 cores); load average ${load0.toFixed(2)} before, ${json.machine.loadavg1m.after!.toFixed(2)} after.
"5 more frames": remote video frames decoded grew by 5 on both pages (getStats, polled every 100 ms); the baseline is
the same measurement with no fault, the floor of the method.

${table}

\`\`\`json
${JSON.stringify(json)}
\`\`\`
<!-- faults:end -->`;
const md = readFileSync(RESULTS, 'utf8');
const re = /<!-- faults:start -->[\s\S]*<!-- faults:end -->/;
writeFileSync(RESULTS, re.test(md) ? md.replace(re, section) : `${md.trimEnd()}\n\n## Recovery from faults (\`npm run bench:faults\`)\n\n${section}\n`);
console.log('wrote bench/RESULTS.md (faults section)');
process.exit(rows.some((r) => r.samples.length === 0) ? 1 : 0);
