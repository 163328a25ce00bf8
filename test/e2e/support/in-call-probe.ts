/**
 * What the in-call e2e tests read from a widget page, beside pages/probe.js (which it builds
 * on: probe.js records the peer connections and the signaling timeline). Installed into a page
 * with `installInCallProbe`; it only observes: the rtc-quality / rtc-call-end details, the
 * picture the panel's remote <video> shows (average colour and size, drawn onto a canvas), the
 * loudest frequency of the remote audio (an AnalyserNode on the received track), how many
 * offers the page's call negotiated, and the elements' attributes, buttons and panel parts.
 */
import type { TestPage } from './browsers.js';

export interface RemotePicture {
  w: number;
  h: number;
  r: number;
  g: number;
  b: number;
  /** Share of pixels with green above 200 (the fake camera's bright pacman and clock). */
  bright: number;
}
export interface RemoteTone {
  hz: number;
  db: number;
}
export interface QualityEvent {
  level: string;
  rttMs: number | null;
  packetLoss: number;
  jitterMs: number | null;
  relayed: boolean;
  via: string | null;
  t: number;
}
export interface CallEndEvent {
  reason: string;
  kind: string | null;
  durationMs: number;
  relayed: boolean | null;
  rttMs: number | null;
  packetLoss: number | null;
  reconnects: number;
}
export interface PanelView {
  remoteVideoHidden: boolean;
  placeholder: string | null;
  avatar: string | null;
  remoteMuted: boolean;
  mutedLabel: string | null;
  quality: string | null;
  qualityClass: string | null;
  route: string | null;
  timer: string | null;
}
export interface ButtonView {
  name: string;
  pressed: string | null;
  expanded: string | null;
}
export interface SelectView {
  label: string;
  value: string;
  options: string[];
}

const SCRIPT = `(() => {
  if (window.__inCall) return true;
  const P = window.__probe;
  const I = (window.__inCall = { quality: [], ends: [] });
  // Bubbling listeners on document: the announcer's copy only, once per change.
  document.addEventListener('rtc-quality', (e) => I.quality.push({ ...e.detail, t: performance.now() }));
  document.addEventListener('rtc-call-end', (e) => I.ends.push({ ...e.detail }));
  const pc = () => P.pcs[P.pcs.length - 1];
  const received = (kind) => { const r = pc() && pc().getReceivers().find((x) => x.track && x.track.kind === kind); return r ? r.track : null; };
  const button = () => document.querySelector('rtc-call-button').shadowRoot;
  const panel = () => document.querySelector('rtc-video-panel').shadowRoot;
  /** What the person sees: the panel's remote <video> (hidden or not, it plays), averaged. */
  I.picture = () => {
    const v = panel().querySelector('[part~=remote-video]');
    if (!v || !v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let R = 0, G = 0, B = 0, bright = 0;
    for (let i = 0; i < d.length; i += 4) { R += d[i]; G += d[i + 1]; B += d[i + 2]; if (d[i + 1] > 200) bright++; }
    const n = d.length / 4;
    return { w: c.width, h: c.height, r: Math.round(R / n), g: Math.round(G / n), b: Math.round(B / n), bright: Math.round((bright / n) * 1000) / 1000 };
  };
  let ac = null, an = null, heard = null;
  /** The loudest frequency of the received audio track (an AnalyserNode of its own). */
  I.tone = () => {
    const t = received('audio');
    if (!t) return null;
    if (heard !== t) {
      ac = ac || new AudioContext();
      an = ac.createAnalyser(); an.fftSize = 4096; an.smoothingTimeConstant = 0;
      ac.createMediaStreamSource(new MediaStream([t])).connect(an);
      heard = t;
    }
    if (ac.state !== 'running') { ac.resume(); return null; }
    const f = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(f);
    let top = 1;
    for (let i = 2; i < f.length; i++) if (f[i] > f[top]) top = i;
    return { hz: Math.round((top * ac.sampleRate) / an.fftSize), db: Math.round(f[top]) };
  };
  /** Offers this page made or took (the call's first negotiation counts one). */
  I.negotiations = () => P.timeline.filter((x) => /^signaling have-(local|remote)-offer$/.test(x.what)).length;
  /** Our transport to the TURN server of the pair in use (udp/tcp/tls), null when not relayed. */
  I.relayProtocol = async () => {
    const r = await pc().getStats(); let pair = null; const by = new Map();
    r.forEach((x) => { by.set(x.id, x); if (x.type === 'transport' && x.selectedCandidatePairId) pair = x.selectedCandidatePairId; });
    const local = pair && by.get(by.get(pair).localCandidateId);
    return local && local.candidateType === 'relay' ? local.relayProtocol : null;
  };
  I.senders = () => pc().getSenders().map((s) => (s.track ? s.track.kind + ':' + s.track.label : 'none'));
  I.attrs = (sel) => { const el = document.querySelector(sel); return Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])); };
  const text = (el) => (el ? el.textContent.replace(/\\s+/g, ' ').trim() : null);
  I.panel = () => {
    const q = (s) => panel().querySelector(s);
    return {
      remoteVideoHidden: q('[part~=remote-video]').hidden,
      placeholder: text(q('[part~=placeholder]')),
      avatar: text(q('[part~=avatar]')),
      remoteMuted: !!q('[part~=remote-muted]'),
      mutedLabel: q('[part~=remote-muted]') ? q('[part~=remote-muted]').getAttribute('aria-label') : null,
      quality: q('[part~=quality]') ? q('[part~=quality]').getAttribute('aria-label') : null,
      qualityClass: q('[part~=quality]') ? q('[part~=quality]').className : null,
      route: text(q('[part~=route]')),
      timer: text(q('[part~=timer]')),
    };
  };
  // The call button's, then the panel's (where the in-call controls are when the page has one).
  const nameOf = (b) => b.getAttribute('aria-label') || text(b);
  I.buttons = () => [...button().querySelectorAll('button'), ...panel().querySelectorAll('button')].map((b) => ({ name: nameOf(b), pressed: b.getAttribute('aria-pressed'), expanded: b.getAttribute('aria-expanded') }));
  const labelOf = (el) => { const l = el.closest('label'); return l ? [...l.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim() : ''; };
  I.selects = () => [...button().querySelectorAll('select'), ...panel().querySelectorAll('select')].map((s) => ({ label: labelOf(s), value: s.value, options: [...s.options].map((o) => text(o)) }));
  /** What has keyboard focus, shadow roots included: "button:Mute", "select:Camera", ... */
  I.focused = () => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (!a || a === document.body) return null;
    return a.localName + ':' + (a.localName === 'button' ? nameOf(a) : a.localName === 'select' ? labelOf(a) : a.id);
  };
  /** Keyboard focus at the top of the page (a focusable-by-script marker before the widget). */
  I.focusTop = () => {
    let m = document.getElementById('kb-start');
    if (!m) { m = document.createElement('div'); m.id = 'kb-start'; m.tabIndex = -1; document.body.prepend(m); }
    m.focus();
    return document.activeElement === m;
  };
  return true;
})()`;

export const installInCallProbe = (p: TestPage): Promise<boolean> => p.eval<boolean>(SCRIPT);

export const picture = (p: TestPage): Promise<RemotePicture | null> => p.eval('window.__inCall.picture()');
export const tone = (p: TestPage): Promise<RemoteTone | null> => p.eval('window.__inCall.tone()');
export const negotiations = (p: TestPage): Promise<number> => p.eval('window.__inCall.negotiations()');
export const relayProtocol = (p: TestPage): Promise<string | null> => p.eval('window.__inCall.relayProtocol()');
export const senders = (p: TestPage): Promise<string[]> => p.eval('window.__inCall.senders()');
export const qualityEvents = (p: TestPage): Promise<QualityEvent[]> => p.eval('window.__inCall.quality');
export const callEnds = (p: TestPage): Promise<CallEndEvent[]> => p.eval('window.__inCall.ends');
export const panelView = (p: TestPage): Promise<PanelView> => p.eval('window.__inCall.panel()');
export const buttons = (p: TestPage): Promise<ButtonView[]> => p.eval('window.__inCall.buttons()');
export const selects = (p: TestPage): Promise<SelectView[]> => p.eval('window.__inCall.selects()');
export const focused = (p: TestPage): Promise<string | null> => p.eval('window.__inCall.focused()');
export const focusTop = (p: TestPage): Promise<boolean> => p.eval('window.__inCall.focusTop()');
/** The attributes an element reflects (`rtc-call-button`, `rtc-video-panel`). */
export const attrs = (p: TestPage, selector = 'rtc-call-button'): Promise<Record<string, string>> =>
  p.eval(`window.__inCall.attrs(${JSON.stringify(selector)})`);
/** The page calls one of the button's methods (as a site's script would). */
export const callMethod = (p: TestPage, js: string): Promise<unknown> =>
  p.eval(`(async () => { const b = document.querySelector('rtc-call-button'); await b.${js}; return null; })()`);
