/**
 * `npm run bench`: call-setup time, rtc-call's widget vs a baseline page written
 * straight from the WebRTC API (test/e2e/support/pages/baseline.html), same relay,
 * same coturn, same two Chromium instances, in the same run, alternating.
 *
 * One measurement: fresh pages A and B in one room (the widget page: <rtc-call-button>
 * and <rtc-video-panel>, no voice graph, as the baseline has none), loaded until the network is idle
 * (bundle, socket and /ice-servers done before any click, for both pages). B clicks
 * "Video call"; the widget's A rings and its person clicks "Accept", the baseline's A (which
 * cannot ring) clicks "Video call" once B waits. On A we take, from that click's timeStamp,
 *   video: the first remote video frame painted (requestVideoFrameCallback on a
 *          private sink of the remote track, pages/probe.js — the same for both pages),
 *   audio: the first remote audio RTP packet (receiver getStats, polled every 10 ms).
 * The page resolves one promise when it has both (no polling of A from here).
 * Cases: policy `all` (host candidates on loopback), `relay` (through coturn), and `rtt200`:
 * policy relay through the e2e suite's 200 ms round-trip path (test/e2e/support/delay-proxy.ts:
 * 50 ms each way in front of coturn, passed twice each way by relayed media; a second relay
 * hands out the proxy's TURN URLs). Signaling stays on loopback, as in the e2e suite.
 *
 * Both browsers share all CPUs (on the 2-core machine: with the relay, coturn and this script).
 * Then every piece of work one page does beside the other (B making its offer while A starts
 * its camera) is paid for in the other's time, which the two computers of a real call do not
 * share; `--cpu-per-browser` pins each browser to a CPU of its own (taskset) to measure that way.
 *
 * Usage: npm run bench [-- --runs N] [-- --cpu-per-browser] [-- --cases all,relay,rtt200] [-- --trace]
 *   (runs inside a fresh netns holding only `lo`)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { launchChromium, type TestBrowser, type TestPage } from '../test/e2e/support/browsers.js';
import { startCoturn, type Coturn } from '../test/e2e/support/coturn.js';
import { startDelayProxy, type DelayProxy } from '../test/e2e/support/delay-proxy.js';
import { BUNDLE, startRelay, type Relay } from '../test/e2e/support/relay.js';
import { startSite, type Site } from '../test/e2e/support/site.js';
import { waitFor } from '../test/support/wait.js';
import { fileSize, floorSize } from './support/bundle-size.js';
import { ringLatency, type RingCase } from './ring-latency.js';
import { median, percentileOf } from './stats.js';

/** `widget`: preconnect on (the default); `widget-off`: the same page with preconnect="off" (as before issue 23). */
type Impl = 'widget' | 'widget-off' | 'baseline';
/** `rtt200`: policy relay, TURN behind the 200 ms round-trip delay proxy. */
type Policy = 'all' | 'relay' | 'rtt200';
const POLICIES: readonly Policy[] = ['all', 'relay', 'rtt200'];
/** One way, per pass through the proxy (a relayed packet passes it twice each way: 4 × 50 = 200 ms RTT). */
const DELAY_MS = 50;
const LABEL: Record<Policy, string> = { all: 'policy all', relay: 'policy relay', rtt200: 'relay, 200 ms RTT' };
interface Sample {
  video: number;
  audio: number;
  /** The caller's page (B): its first remote frame and audio, on the same clock (ms after A's click). */
  bVideo: number;
  bAudio: number;
}
/** How long a widget call rings before A accepts (a person takes seconds; preconnect works meanwhile). */
const RING_MS = 1500;

/** `--trace`: print both pages' timelines (click, getUserMedia, signaling, ICE, first media) per measurement. */
const TRACE = process.argv.includes('--trace');
/** `--cpu-per-browser`: browser A on CPU 0, browser B on CPU 1 (all their processes). */
const PINNED = process.argv.includes('--cpu-per-browser');
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 10;
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error('--runs needs a positive integer');
  process.exit(2);
}
const argCases = process.argv.indexOf('--cases');
const CASES = (argCases > 0 ? (process.argv[argCases + 1] ?? '').split(',') : POLICIES) as Policy[];
if (!CASES.length || CASES.some((c) => !POLICIES.includes(c))) {
  console.error(`--cases takes a comma-separated list of ${POLICIES.join(', ')}`);
  process.exit(2);
}

/** True once A can take the call: the widget's A rings, the baseline's B has sent `ready` and waits. */
const answerable = (impl: Impl, a: TestPage, b: TestPage): Promise<boolean> =>
  impl !== 'baseline'
    ? a.eval("window.__probe.states.some((s) => s.state === 'ringing')")
    : b.eval("window.__baselineState === 'waiting'");

async function measure(sites: Record<Policy, Site>, A: TestBrowser, B: TestBrowser, impl: Impl, policyCase: Policy, room: string): Promise<Sample> {
  const site = sites[policyCase];
  const policy = policyCase === 'all' ? 'all' : 'relay';
  const [a, b] = await Promise.all([A.newPage(), B.newPage()]);
  try {
    // Same features on both pages: call buttons, local preview, remote video (no voice graph).
    const url = impl !== 'baseline' ? site.widgetUrl({ room, policy, graph: false, ...(impl === 'widget-off' ? { preconnect: 'off' as const } : {}) }) : site.baselineUrl({ room, policy });
    await Promise.all([a.goto(url, { idle: true }), b.goto(url, { idle: true })]);
    await b.clickButton('Video call');
    await waitFor(`${impl}/${policy}: A can take the call`, () => answerable(impl, a, b), { intervalMs: 20 });
    if (impl !== 'baseline') await new Promise((r) => setTimeout(r, RING_MS));
    await a.clickButton(impl !== 'baseline' ? 'Accept' : 'Video call');
    // One call that the page answers when both are seen: polling A from here would add work
    // on A's main thread while the call comes up.
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      a.eval<{ click: number; video: number; audio: number }>('window.__probe.firstMedia'),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${impl}/${policy}: no first remote frame and audio on A within 30 s`)), 30_000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (TRACE) await printTimelines(`${impl}/${policyCase}`, { A: a, B: b }, r.click, a);
    const bm = await b.eval<{ video: number; audio: number }>('window.__probe.firstMedia');
    const [ao, bo] = await Promise.all([a.eval<number>('performance.timeOrigin'), b.eval<number>('performance.timeOrigin')]);
    const onA = (t: number): number => bo + t - (ao + r.click);
    return { video: r.video - r.click, audio: r.audio - r.click, bVideo: onA(bm.video), bAudio: onA(bm.audio) };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const fmt = (n: number): string => n.toFixed(0).padStart(6);

/** Both pages' probe timelines on one clock (epoch ms), relative to A's click. */
async function printTimelines(label: string, pages: Record<string, TestPage>, click: number, a: TestPage): Promise<void> {
  const origin = await a.eval<number>('performance.timeOrigin');
  const zero = origin + click;
  const rows: Array<[number, string]> = [];
  for (const [name, p] of Object.entries(pages)) {
    const [o, tl] = await Promise.all([p.eval<number>('performance.timeOrigin'), p.eval<Array<{ t: number; what: string }>>('window.__probe.timeline')]);
    for (const e of tl) rows.push([o + e.t - zero, `${name} ${e.what}`]);
  }
  rows.sort((x, y) => x[0] - y[0]);
  console.error(`--- ${label}`);
  for (const [t, w] of rows) if (t > -50) console.error(`${t.toFixed(0).padStart(7)} ms  ${w}`);
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  let coturn: Coturn | undefined, relay: Relay | undefined, site: Site | undefined;
  let proxy: DelayProxy | undefined, slowRelay: Relay | undefined, slowSite: Site | undefined;
  const browsers: TestBrowser[] = [];
  const samples = new Map<string, Sample[]>();
  let rings: RingCase[] = [];
  const t0 = Date.now();
  let chromiumVersion = 'Chromium';
  try {
    coturn = await startCoturn();
    // Room for the ring-latency case: 50 answerers, the caller, and the desk.
    relay = await startRelay({ turnUrls: coturn.urls, turnSecret: coturn.secret, env: { ROOM_MEMBERS: '64', MAX_SOCKETS_PER_ADDRESS: '100000', HANDSHAKES_PER_SECOND: '100000' } });
    site = await startSite(relay.url);
    proxy = await startDelayProxy(coturn.port, DELAY_MS);
    slowRelay = await startRelay({ turnUrls: proxy.urls, turnSecret: coturn.secret });
    slowSite = await startSite(slowRelay.url);
    const sites: Record<Policy, Site> = { all: site, relay: site, rtt200: slowSite };
    if (PINNED && availableParallelism() < 2) throw new Error('--cpu-per-browser needs 2 CPUs');
    browsers.push(await launchChromium(PINNED ? { cpu: 0 } : {}), await launchChromium(PINNED ? { cpu: 1 } : {}));
    chromiumVersion = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const [A, B] = browsers as [TestBrowser, TestBrowser];
    // Warm-up (not recorded): first getUserMedia, codec and TURN allocation paths.
    for (const impl of ['baseline', 'widget', 'widget-off'] as const) await measure(sites, A, B, impl, 'all', `warm-${impl}`);
    // BENCH_RING_ONLY=1: the ring latency cases alone (call setup is skipped).
    for (let i = 0; i < (process.env.BENCH_RING_ONLY ? 0 : RUNS); i++) {
      for (const policy of CASES) {
        const order: Impl[] = i % 2 === 0 ? ['widget', 'widget-off', 'baseline'] : ['baseline', 'widget-off', 'widget'];
        for (const impl of order) {
          const s = await measure(sites, A, B, impl, policy, `bench-${impl}-${policy}-${i}`);
          const key = `${impl}/${policy}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
          process.stderr.write(`run ${i + 1}/${RUNS} ${key.padEnd(17)} A video ${fmt(s.video)} ms  audio ${fmt(s.audio)} ms  B video ${fmt(s.bVideo)} ms  audio ${fmt(s.bAudio)} ms\n`);
        }
      }
    }
    // BENCH_SETUP_ONLY=1: the call setup cases alone (ring latency is skipped).
    if (!process.env.BENCH_SETUP_ONLY) rings = await ringLatency(site, relay.url, A, B, RUNS);
  } finally {
    for (const b of browsers) await b.close();
    await slowSite?.close();
    await slowRelay?.stop();
    await proxy?.close();
    await site?.close();
    await relay?.stop();
    await coturn?.stop();
  }

  const bundle = fileSize(BUNDLE);
  const floor = await floorSize();
  const rows: Array<Record<string, number | string>> = [];
  const cpus = PINNED ? 'each browser on a CPU of its own' : 'both browsers on all CPUs';
  console.log(`\ncall setup, ${RUNS} runs per case, ${chromiumVersion}, ${cpus}, ms from A's click (widget: Accept; baseline: the second Video call)`);
  console.log('| case | widget median | widget p90 | baseline median | baseline p90 | ratio (median) |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const policy of CASES) {
    for (const metric of ['video', 'audio'] as const) {
      const w = (samples.get(`widget/${policy}`) ?? []).map((s) => s[metric]);
      const b = (samples.get(`baseline/${policy}`) ?? []).map((s) => s[metric]);
      const row = {
        case: `${metric === 'video' ? 'first remote video frame' : 'first remote audio'}, ${LABEL[policy]}`,
        widgetMedian: median(w), widgetP90: percentileOf(w, 90),
        baselineMedian: median(b), baselineP90: percentileOf(b, 90),
        ratio: median(w) / median(b),
      };
      rows.push(row);
      console.log(`| ${row.case} | ${row.widgetMedian.toFixed(0)} | ${row.widgetP90.toFixed(0)} | ${row.baselineMedian.toFixed(0)} | ${row.baselineP90.toFixed(0)} | ${row.ratio.toFixed(2)}x |`);
    }
  }
  console.log(`\npreconnect (issue 23): ms from A's Accept (after a ${RING_MS} ms ring) on both pages, median (p90); A = the desk that accepts, B = the caller`);
  console.log('| case | preconnect off | preconnect on | on / off |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const policy of CASES)
    for (const [metric, label] of [['video', 'A first remote frame'], ['audio', 'A first audio'], ['bVideo', 'B first remote frame'], ['bAudio', 'B first audio']] as const) {
      const off = (samples.get(`widget-off/${policy}`) ?? []).map((x) => x[metric]);
      const on = (samples.get(`widget/${policy}`) ?? []).map((x) => x[metric]);
      const row = { case: `${label}, ${LABEL[policy]}`, offMedian: median(off), offP90: percentileOf(off, 90), onMedian: median(on), onP90: percentileOf(on, 90), ratio: median(on) / median(off) };
      rows.push(row);
      console.log(`| ${row.case} | ${row.offMedian.toFixed(0)} (${row.offP90.toFixed(0)}) | ${row.onMedian.toFixed(0)} (${row.onP90.toFixed(0)}) | ${row.ratio.toFixed(2)}x |`);
    }
  console.log(`\nring latency, ${RUNS} runs per case: the caller's click → the desk page's rtc-incoming`);
  console.log('| idle answerers in the room | caller connects | p50 | p95 |');
  console.log('| ---: | --- | ---: | ---: |');
  for (const r of rings) console.log(`| ${r.answerers} | ${r.connect} | ${median(r.samples).toFixed(0)} | ${percentileOf(r.samples, 95).toFixed(0)} |`);
  const p50 = (c: string): number => median(rings.find((r) => r.answerers === 1 && r.connect === c)?.samples ?? []);
  console.log(`intent − load, median: ${(p50('intent') - p50('load')).toFixed(0)} ms with the pointer arriving at the click, ${(p50('intent+100') - p50('load')).toFixed(0)} ms with it 100 ms before (target: within 50 ms)`);
  const kb = (n: number) => (n / 1024).toFixed(1);
  console.log(`\nbundle dist/rtc-call.js: ${kb(bundle.min)} KB min, ${kb(bundle.gzip)} KB min+gzip; lit + socket.io-client floor: ${kb(floor.min)} KB min, ${kb(floor.gzip)} KB min+gzip (widget's own code: ${kb(bundle.gzip - floor.gzip)} KB gzip)`);
  console.log(`took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(
    JSON.stringify({
      bench: 'call-setup',
      date: new Date().toISOString(),
      runs: RUNS,
      browser: chromiumVersion,
      cpus: PINNED ? 'one per browser' : 'shared',
      unit: 'ms',
      cases: rows,
      ring: rings.map((r) => ({ answerers: r.answerers, connect: r.connect, p50: median(r.samples), p95: percentileOf(r.samples, 95), samples: r.samples })),
      samples: Object.fromEntries(samples),
      bundle: { minBytes: bundle.min, gzipBytes: bundle.gzip },
      floor: { minBytes: floor.min, gzipBytes: floor.gzip },
    }),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
