/**
 * The e2e stack for fault tests (issue 14): like fixture.ts's, but coturn and the relay can be
 * restarted on their own ports mid-call, coturn may sit behind a delay proxy (latency), and the
 * browsers may gather host candidates on the namespace's veth addresses only (no loopback).
 */
import { execFileSync } from 'node:child_process';
import { launchChromium, type TestBrowser, type TestPage } from './browsers.js';
import { startCoturn, type Coturn } from './coturn.js';
import { startDelayProxy, type DelayProxy } from './delay-proxy.js';
import type { Stack } from './fixture.js';
import { startRelay, type Relay } from './relay.js';
import { startSite } from './site.js';
import { stats, waitForFrames, waitForState, type CallStats } from './stats.js';
import { sleep, waitFor } from '../../support/wait.js';

export interface FaultStackOptions {
  browsers: number;
  /** One-way delay the proxy in front of coturn adds (ms); the relay hands out the proxy's URLs. */
  turnDelayMs?: number;
  /** false: no loopback ICE candidates (host candidates on veth addresses only). */
  loopbackIce?: boolean;
  relayEnv?: Record<string, string>;
}

export interface FaultStack extends Stack {
  proxy: DelayProxy | null;
  /** Stops coturn, waits `downMs`, starts it again on the same port (allocations are lost). */
  restartCoturn(downMs: number): Promise<void>;
  /** Stops the relay (SIGTERM: its shutdown tells clients), waits `downMs`, starts it on the same port. */
  restartRelay(downMs: number): Promise<void>;
}

export async function startFaultStack(o: FaultStackOptions): Promise<FaultStack> {
  const started: Array<() => Promise<void>> = [];
  const stack = {} as FaultStack;
  stack.close = async () => {
    for (const stop of started.reverse()) await stop().catch((e: unknown) => console.error('stop failed:', e));
    started.length = 0;
  };
  try {
    let coturn: Coturn = await startCoturn();
    started.push(() => coturn.stop());
    const proxy = o.turnDelayMs ? await startDelayProxy(coturn.port, o.turnDelayMs) : null;
    if (proxy) started.push(proxy.close);
    const relayOpts = { turnUrls: proxy?.urls ?? coturn.urls, turnSecret: coturn.secret, ...(o.relayEnv ? { env: o.relayEnv } : {}) };
    let relay: Relay = await startRelay(relayOpts);
    started.push(() => relay.stop());
    const site = await startSite(relay.url);
    started.push(site.close);
    const browsers: TestBrowser[] = [];
    for (let i = 0; i < o.browsers; i++) {
      const b = await launchChromium(o.loopbackIce === false ? { loopbackIce: false } : {});
      browsers.push(b);
      started.push(b.close);
    }
    Object.assign(stack, { site, browsers, proxy });
    Object.defineProperty(stack, 'coturn', { get: () => coturn });
    Object.defineProperty(stack, 'relay', { get: () => relay });
    stack.restartCoturn = async (downMs) => {
      const port = coturn.port;
      await coturn.stop();
      await sleep(downMs);
      coturn = await startCoturn({ port });
    };
    stack.restartRelay = async (downMs) => {
      const port = relay.port;
      await relay.stop();
      await sleep(downMs);
      relay = await startRelay({ ...relayOpts, port });
    };
    return stack;
  } catch (e) {
    await stack.close();
    throw e;
  }
}

/** The caller page calls, the desk page accepts; both connected, frames decoded both ways. Resolves with ms from Accept to both connected. */
export async function call(desk: TestPage, caller: TestPage, timeoutMs = 30_000): Promise<number> {
  await caller.clickButton('Video call');
  await waitForState(desk, 'ringing', timeoutMs);
  const t0 = Date.now();
  await desk.clickButton('Accept');
  await Promise.all([waitForState(desk, 'connected', timeoutMs), waitForState(caller, 'connected', timeoutMs)]);
  const ms = Date.now() - t0;
  await Promise.all([waitForFrames(desk, 10, timeoutMs), waitForFrames(caller, 10, timeoutMs)]);
  return ms;
}

/** The selected pair's local and remote address (ip:port) and candidate types, straight from getStats. */
export interface PathInfo {
  local: string;
  remote: string;
  localType: string;
  remoteType: string;
  rttMs: number | null;
}

export const selectedPath = (p: TestPage): Promise<PathInfo | null> =>
  p.eval(`(async () => {
    const pc = window.__probe.pcs[window.__probe.pcs.length - 1];
    if (!pc) return null;
    const r = await pc.getStats();
    let pair = null;
    r.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = r.get(s.selectedCandidatePairId); });
    if (!pair) return null;
    const l = r.get(pair.localCandidateId), m = r.get(pair.remoteCandidateId);
    return { local: l.address + ':' + l.port, remote: m.address + ':' + m.port, localType: l.candidateType, remoteType: m.candidateType,
      rttMs: pair.currentRoundTripTime === undefined ? null : Math.round(pair.currentRoundTripTime * 1000) };
  })()`);

/** Offers this page sent (the probe's signaling frames): 1 for the call, one more per ICE restart it made. */
export const offersSent = (p: TestPage): Promise<number> =>
  p.eval("window.__probe.timeline.filter((x) => x.what === 'send message offer').length");

/** Waits until the remote video has stopped (frames decoded unchanged over 1 s): the fault bit. */
export async function framesStalled(p: TestPage, timeoutMs: number): Promise<number> {
  let prev = -1;
  return waitFor(`${p.browser}: remote frames stopped`, async () => {
    const n = (await stats(p))?.videoFramesDecoded ?? 0;
    const stuck = n === prev;
    prev = n;
    return stuck ? n + 1 : (await sleep(1000), null);
  }, { intervalMs: 0, timeoutMs }).then((n) => n - 1);
}

/**
 * Waits until remote video frames decoded grow by `frames` past what they were when this was
 * called (media is back) and resolves with the ms since `since` and the stats that showed it.
 */
export async function framesResume(p: TestPage, timeoutMs: number, since = Date.now(), frames = 5): Promise<{ ms: number; stats: CallStats }> {
  const base = (await stats(p))?.videoFramesDecoded ?? 0;
  const s = await waitFor(`${p.browser}: ${frames} more remote frames decoded (past ${base})`, async () => {
    const now = await stats(p);
    return now && now.videoFramesDecoded >= base + frames ? now : null;
  }, { intervalMs: 100, timeoutMs });
  return { ms: Date.now() - since, stats: s };
}

/** Every candidate pair of the page's last peer connection (address, type, state), for failure messages. */
export const pairsDump = (p: TestPage): Promise<string> =>
  p.eval(`(async () => {
    const pc = window.__probe.pcs[window.__probe.pcs.length - 1];
    if (!pc) return 'no pc';
    const r = await pc.getStats();
    const c = (id) => { const x = r.get(id); return x ? x.candidateType + ' ' + x.address + ':' + x.port + '/' + x.protocol : '?'; };
    const out = ['ice ' + pc.iceConnectionState + ' conn ' + pc.connectionState + ' sig ' + pc.signalingState];
    r.forEach((s) => { if (s.type === 'candidate-pair') out.push(s.state + (s.nominated ? '*' : '') + ' ' + c(s.localCandidateId) + ' -> ' + c(s.remoteCandidateId) + ' sent ' + s.requestsSent + ' recv ' + s.responsesReceived); });
    return out.join('\\n');
  })()`);

/** The probe's timeline since `sinceWallMs` (Date.now()), long frames left out: what a recovery went through. */
export const timelineSince = (p: TestPage, sinceWallMs: number): Promise<string> =>
  p.eval(`(() => { const t0 = performance.now() - (Date.now() - ${sinceWallMs});
    return window.__probe.timeline.filter((x) => x.t >= t0 && !x.what.startsWith('long frame') && !x.what.startsWith('rtc-presence'))
      .map((x) => '+' + String(Math.round(x.t - t0)).padStart(6) + ' ' + x.what).join('\\n'); })()`);

/** Marks the probes' timelines: `rebinds` counts the `bound` events each page heard after it. */
export const mark = (...pages: TestPage[]): Promise<unknown> =>
  Promise.all(pages.map((p) => p.eval("void window.__probe.timeline.push({ t: performance.now(), what: 'FAULT' })")));
export const rebinds = (p: TestPage): Promise<number> =>
  p.eval("(() => { const t = window.__probe.timeline; const i = t.findLastIndex((x) => x.what === 'FAULT'); return t.slice(i + 1).filter((x) => x.what === 'recv bound').length; })()");

/** The pid listening on a 127.0.0.1 TCP port (a relay node the caller started), from ss. */
export function pidOn(port: number): number {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const pid = /pid=(\d+)/.exec(out)?.[1];
  if (!pid) throw new Error(`nothing listens on ${port}: ${out}`);
  return Number(pid);
}
