import { html } from 'lit';
import { RtcElement } from './rtc-element.js';
import { graphStyles } from './styles/graph.js';
import { audioContext, graphAttached } from '../browser/audio.js';
import { isActive } from '../core/state.js';
import type { CallSnapshot } from '../browser/instance.js';

/**
 * Live frequency bars of the call's audio (AnalyserNode, fftSize 256) on a canvas
 * sized to its box × devicePixelRatio. Only taps the stream (never connects to the
 * AudioContext destination) and animates only while a call is active; with
 * `prefers-reduced-motion` it updates four times a second instead of every frame.
 *
 * The call's reflected attributes and its events are every element's: see rtc-element.ts.
 *
 * @customElement rtc-voice-graph
 * @csspart canvas - the <canvas>
 * @cssprop --rtc-graph-bar-color - bar colour (default #2e7d32)
 * @cssprop --rtc-graph-background - background (default transparent)
 * @cssprop --rtc-graph-height - height (default 64px)
 */
export class RtcVoiceGraph extends RtcElement {
  static override properties = {
    /** `remote` (default; the local microphone until the peer's audio arrives) or `local`. */
    source: { type: String, reflect: true },
  };

  declare source: 'local' | 'remote';

  static override styles = graphStyles;

  #analyser: AnalyserNode | null = null;
  #node: MediaStreamAudioSourceNode | null = null;
  #tapped: MediaStream | null = null;
  #bins: Uint8Array<ArrayBuffer> | null = null;
  #frame = 0;
  #slowTimer: ReturnType<typeof setTimeout> | null = null;
  #resizer: ResizeObserver | null = null;
  #barColor = '#2e7d32';
  readonly #reducedMotion = typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;

  constructor() {
    super();
    this.source = 'remote';
  }

  get #canvas(): HTMLCanvasElement | null {
    return this.renderRoot?.querySelector('canvas') ?? null;
  }

  protected override render(): unknown {
    const talking = this.callState.snapshot.state === 'connected' ? 'Voice activity of the call' : 'Voice activity (idle)';
    return html`<canvas part="canvas" role="img" aria-label=${talking}></canvas>`;
  }

  protected override firstUpdated(): void {
    this.#resizer = new ResizeObserver(() => this.#resize());
    this.#resizer.observe(this);
    this.#resize();
    this.#sync();
  }

  protected override updated(): void {
    this.#sync();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    graphAttached(false);
    this.#resizer?.disconnect();
    this.#resizer = null;
    this.#stop();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    graphAttached(true);
    if (this.hasUpdated && !this.#resizer) {
      this.#resizer = new ResizeObserver(() => this.#resize());
      this.#resizer.observe(this);
    }
  }

  /** Canvas backing store = CSS size × devicePixelRatio, so bars stay crisp. */
  #resize(): void {
    const c = this.#canvas;
    if (!c) return;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    this.#barColor = getComputedStyle(this).getPropertyValue('--rtc-graph-bar-color').trim() || '#2e7d32';
  }

  #pick(s: CallSnapshot): MediaStream | null {
    const remote = s.remoteStream && s.remoteStream.getAudioTracks().length > 0 ? s.remoteStream : null;
    const local = s.localStream && s.localStream.getAudioTracks().length > 0 ? s.localStream : null;
    return this.source === 'local' ? local : (remote ?? local);
  }

  /** Taps the right stream while a call is active, stops everything otherwise. */
  #sync(): void {
    const s = this.callState.snapshot;
    const stream = this.isConnected && isActive(s.state) ? this.#pick(s) : null;
    if (!stream) return this.#stop();
    if (stream !== this.#tapped) {
      this.#untap();
      try {
        const ctx = audioContext();
        this.#node = ctx.createMediaStreamSource(stream);
        this.#analyser = ctx.createAnalyser();
        this.#analyser.fftSize = 256;
        this.#node.connect(this.#analyser);
        this.#bins = new Uint8Array(this.#analyser.frequencyBinCount);
        this.#tapped = stream;
      } catch (err) {
        console.warn('[rtc-call] voice graph', err);
        return;
      }
    }
    if (!this.#frame && !this.#slowTimer) this.#tick();
  }

  #tick = (): void => {
    this.#frame = 0;
    this.#slowTimer = null;
    if (!this.#analyser) return;
    this.#draw();
    if (this.#reducedMotion?.matches) this.#slowTimer = setTimeout(this.#tick, 250);
    else this.#frame = requestAnimationFrame(this.#tick);
  };

  #draw(): void {
    const c = this.#canvas;
    const g = c?.getContext('2d');
    if (!c || !g || !this.#analyser || !this.#bins) return;
    this.#analyser.getByteFrequencyData(this.#bins);
    const { width: w, height: h } = c;
    g.clearRect(0, 0, w, h);
    g.fillStyle = this.#barColor;
    // The top bins of a voice are near silence: show the lower 3/4, one bar each.
    const n = Math.floor(this.#bins.length * 0.75);
    const bw = w / n;
    for (let i = 0; i < n; i++) {
      const bh = ((this.#bins[i] ?? 0) / 255) * h;
      if (bh >= 1) g.fillRect(i * bw, h - bh, Math.max(1, bw - 1), bh);
    }
  }

  #untap(): void {
    this.#node?.disconnect();
    this.#node = null;
    this.#analyser = null;
    this.#bins = null;
    this.#tapped = null;
  }

  #stop(): void {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    if (this.#slowTimer) clearTimeout(this.#slowTimer);
    this.#frame = 0;
    this.#slowTimer = null;
    this.#untap();
    const c = this.#canvas;
    c?.getContext('2d')?.clearRect(0, 0, c.width, c.height);
  }
}
