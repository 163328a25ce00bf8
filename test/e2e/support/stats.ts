import type { TestPage } from './browsers.js';
import { waitFor } from '../../support/wait.js';

/** Pace of probes that ask a page: each is a CDP/BiDi round trip into a page busy with a call. */
export const PAGE_POLL = { intervalMs: 200 } as const;

/** What pages/probe.js reports from getStats() for one RTCPeerConnection. */
export interface CallStats {
  pcs: number;
  connectionState: string;
  iceConnectionState: string;
  signalingState: string;
  videoFramesDecoded: number;
  videoPacketsReceived: number;
  frameWidth: number;
  audioPacketsReceived: number;
  /** inbound-rtp totalAudioEnergy (0 until real, non-silent audio arrives). */
  audioEnergy: number;
  audioLevel: number;
  localCandidateTypes: string[];
  /** Candidate types of the selected pair (`host`, `srflx`, `relay`, ...). */
  pair: { state: string; local: string | null; remote: string | null } | null;
}

export interface RemoteVideo {
  videoWidth: number;
  videoHeight: number;
  width: number;
  height: number;
  paused: boolean;
}

export interface CanvasInk {
  width: number;
  height: number;
  /** Pixels with alpha > 0. */
  inked: number;
  /** Distinct colours seen (capped at 64). */
  colors: number;
  /** A checksum of the pixels, to tell that frames change. */
  sum: number;
}

export interface StateEvent {
  state: string;
  reason: string | null;
  t: number;
}

export const stats = (p: TestPage, pcIndex?: number): Promise<CallStats | null> =>
  p.eval(`window.__probe.stats(${pcIndex ?? ''})`);
export const remoteVideos = (p: TestPage): Promise<RemoteVideo[]> => p.eval('window.__probe.remoteVideos()');
export const canvasInk = (p: TestPage, host = 'rtc-voice-graph'): Promise<CanvasInk> =>
  p.eval(`window.__probe.canvasInk(${JSON.stringify(host)})`);
export const liveTracks = (p: TestPage): Promise<number> => p.eval('window.__probe.liveTracks()');
export const peerConnections = (p: TestPage): Promise<number> => p.eval('window.__probe.pcs.length');
export const states = (p: TestPage): Promise<StateEvent[]> => p.eval('window.__probe.states');
export const statusText = (p: TestPage): Promise<string> => p.eval('window.__probe.statusText()');

/** Waits until the page's current peer connection has decoded more than `min` remote video frames. */
export const waitForFrames = (p: TestPage, min = 0, timeoutMs = 30_000): Promise<CallStats> =>
  waitFor(`${p.browser}: more than ${min} remote video frames decoded`, async () => {
    const s = await stats(p);
    return s && s.videoFramesDecoded > min ? s : null;
  }, { ...PAGE_POLL, timeoutMs });

/** Waits until remote audio with energy > 0 has arrived (fake mic beeps, so this is real sound). */
export const waitForAudioEnergy = (p: TestPage, timeoutMs = 30_000): Promise<CallStats> =>
  waitFor(`${p.browser}: remote audio energy > 0`, async () => {
    const s = await stats(p);
    return s && s.audioPacketsReceived > 0 && s.audioEnergy > 0 ? s : null;
  }, { ...PAGE_POLL, timeoutMs });

/** Waits until the selected candidate pair is known (ICE connected). */
export const waitForSelectedPair = (p: TestPage, timeoutMs = 30_000): Promise<NonNullable<CallStats['pair']>> =>
  waitFor(`${p.browser}: a selected candidate pair`, async () => (await stats(p))?.pair ?? null, { ...PAGE_POLL, timeoutMs });

/** Waits until the widget has reported `state` (rtc-state-change), returning that event. */
export const waitForState = (p: TestPage, state: string, timeoutMs = 30_000): Promise<StateEvent> =>
  waitFor(`${p.browser}: widget state "${state}"`, async () => (await states(p)).find((e) => e.state === state) ?? null, {
    ...PAGE_POLL,
    timeoutMs,
  });

/** Waits until the widget has entered `state` at least `n` times (the n-th call on the same page). */
export const waitForNthState = (p: TestPage, state: string, n: number, timeoutMs = 30_000): Promise<StateEvent> =>
  waitFor(`${p.browser}: widget state "${state}" #${n}`, async () => (await states(p)).filter((e) => e.state === state)[n - 1] ?? null, {
    ...PAGE_POLL,
    timeoutMs,
  });

export interface WidgetEvent {
  type: string;
  el: string;
  state?: string;
  reason?: string;
  kind?: string;
  name?: string;
  call?: string;
  at?: number;
  available?: number;
  busy?: number;
  /** rtc-call-end: its whole detail (the call's summary). */
  summary?: Record<string, unknown>;
  t: number;
}
/** Every rtc-* event that reached document, in order. */
export const events = (p: TestPage, type?: string): Promise<WidgetEvent[]> =>
  p.eval(`window.__probe.events${type ? `.filter((e) => e.type === ${JSON.stringify(type)})` : ''}`);
/** Waits for the first rtc-* event of `type` on the page. */
export const waitForEvent = (p: TestPage, type: string, timeoutMs = 30_000): Promise<WidgetEvent> =>
  waitFor(`${p.browser}: event ${type}`, async () => (await events(p, type))[0] ?? null, { ...PAGE_POLL, timeoutMs });

/** The `state` / `reason` attributes the widget reflects on <rtc-call-button>. */
export const buttonState = (p: TestPage): Promise<{ state: string | null; reason: string | null }> =>
  p.eval("(() => { const b = document.querySelector('rtc-call-button'); return { state: b && b.getAttribute('state'), reason: b && b.getAttribute('reason') }; })()");
