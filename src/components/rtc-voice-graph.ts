import { LitElement, css, html } from 'lit';
import { CallStateController } from './call-state-controller.js';
import { audioContext, graphAttached } from '../browser/audio.js';
import { isActive } from '../core/state.js';
import type { CallSnapshot } from '../browser/instance.js';

/**
 * Live frequency bars of the call's audio (AnalyserNode, fftSize 256) on a canvas
 * sized to its box × devicePixelRatio. Only taps the stream (never connects to the
 * AudioContext destination) and animates only while a call is active; with
 * `prefers-reduced-motion` it updates four times a second instead of every frame.
 *
 * Events: each change of the call fires once per page, bubbling and composed, from the
 * first connected call button (or, without one, from the element connected first); every
 * other element fires it on itself without bubbling. Every element shows the new state first.
 *
 * @customElement rtc-voice-graph
 * @attr {string} state - reflected call state (read-only)
 * @attr {string} queue-position - reflected while our call waits in the room's line: our place, `1` next (read-only; see `rtc-queue`)
 * @attr {string} reason - reflected end or error reason, absent when there is none (read-only)
 * @attr {string} presence - reflected: `available`, `busy` or `offline` (see rtc-call-button) (read-only)
 * @attr {boolean} muted - reflected (read-only; see rtc-call-button, as for every attribute below)
 * @attr {boolean} camera-off - reflected (read-only)
 * @attr {boolean} sharing - reflected (read-only)
 * @attr {boolean} remote-muted - reflected (read-only)
 * @attr {boolean} remote-camera-off - reflected (read-only)
 * @attr {boolean} remote-sharing - reflected (read-only)
 * @attr {string} quality - reflected: `good`, `fair` or `poor` (read-only)
 * @attr {string} relayed - reflected: `udp`, `tcp` or `tls` while media goes through TURN (read-only)
 * @fires {CustomEvent<StateChangeDetail>} rtc-state-change - `{ state, reason }` on every change of state or reason
 * @fires {CustomEvent<CallStartDetail>} rtc-call-start - `{ kind }` when the call is connected
 * @fires {CustomEvent<CallEndDetail>} rtc-call-end - `{ reason, kind, durationMs, relayed, rttMs, packetLoss, reconnects }` when an active call ended
 * @fires {CustomEvent<QualityDetail>} rtc-quality - `{ level, rttMs, packetLoss, jitterMs, relayed, via }` every 2 s while connected
 * @fires {CustomEvent<IncomingDetail>} rtc-incoming - `{ kind, name, call }` when a call starts ringing here
 * @fires {CustomEvent<MissedDetail>} rtc-missed - `{ kind, name, call, at }` when a call that rang here stopped unanswered
 * @fires {CustomEvent<QueueDetail>} rtc-queue - `{ position }` when our call starts waiting in the room's line (every desk is busy) and each time it moves up
 * @fires {CustomEvent<PresenceDetail>} rtc-presence - `{ available, busy }` when the room's counts of free and busy answerers change
 * @csspart canvas - the <canvas>
 * @cssprop --rtc-graph-bar-color - bar colour (default #2e7d32)
 * @cssprop --rtc-graph-background - background (default transparent)
 * @cssprop --rtc-graph-height - height (default 64px)
 */
export class RtcVoiceGraph extends LitElement {
  static override properties = {
    /** `remote` (default; the local microphone until the peer's audio arrives) or `local`. */
    source: { type: String, reflect: true },
  };

  declare source: 'local' | 'remote';

  static override styles = css`
    :host { display: block; height: var(--rtc-graph-height, 64px); background: var(--rtc-graph-background, transparent); }
    canvas { display: block; width: 100%; height: 100%; }
  `;

  readonly #state = new CallStateController(this);
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
    const talking = this.#state.snapshot.state === 'connected' ? 'Voice activity of the call' : 'Voice activity (idle)';
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
    const s = this.#state.snapshot;
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
