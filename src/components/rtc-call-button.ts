import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { CallStateController } from './call-state-controller.js';
import { statusText, type StatusMessages } from './messages.js';
import { defaultServer } from '../browser/instance.js';
import { wakeAudioContext } from '../browser/audio.js';
import { isActive, type CallKind } from '../core/state.js';

const CONFIG_KEYS = ['server', 'room', 'token', 'icePolicy'];

/**
 * The relay's origin: Socket.IO would read a URL path as a namespace, and the relay
 * serves /socket.io/ and /ice-servers at its root. Relative values resolve against
 * the page; an unparsable one falls back to the bundle's origin.
 */
const relayOrigin = (server: string | null): string => {
  try {
    return server ? new URL(server, document.baseURI).origin : defaultServer();
  } catch {
    return defaultServer();
  }
};

/**
 * Call / cancel / hang-up buttons and an aria-live status line. Connects to the
 * relay as soon as it is on the page, so a click only costs getUserMedia and
 * negotiation. All elements on a page share one call.
 *
 * Events: each change of the call fires once per page, bubbling and composed, from the
 * first connected call button (or, without one, from the element connected first); every
 * other element fires it on itself without bubbling. Every element shows the new state first.
 *
 * @customElement rtc-call-button
 * @attr {string} state - reflected call state: `idle`, `media`, `waiting`, `connecting`, `connected`, `reconnecting`, `ended` or `error` (read-only)
 * @attr {string} reason - reflected end or error reason, absent when there is none (read-only)
 * @fires {CustomEvent<StateChangeDetail>} rtc-state-change - `{ state, reason }` on every change of state or reason
 * @fires {CustomEvent<CallStartDetail>} rtc-call-start - `{ kind }` when the call is connected
 * @fires {CustomEvent<CallEndDetail>} rtc-call-end - `{ reason }` when an active call ended (hang-up, remote, error)
 * @csspart controls - the button row
 * @csspart button - every button
 * @csspart video-button - "Video call"
 * @csspart voice-button - "Voice call"
 * @csspart cancel-button - "Cancel", while the call is being set up
 * @csspart hangup-button - "Hang up", while connected
 * @csspart play-button - "Play audio", when the browser blocked autoplay of the remote audio
 * @csspart status - the status line
 * @cssprop --rtc-accent - call button colour (default #0a7d38)
 * @cssprop --rtc-danger - hang-up and cancel colour (default #c62828)
 * @cssprop --rtc-button-text - button text colour (default #fff)
 * @cssprop --rtc-radius - button corner radius (default 999px)
 * @cssprop --rtc-gap - space between buttons (default .5rem)
 * @cssprop --rtc-focus - keyboard focus ring colour (default #1a73e8)
 * @cssprop --rtc-status-color - status line colour (default inherit)
 */
export class RtcCallButton extends LitElement {
  static override properties = {
    /** Relay URL; default: the origin the bundle was loaded from. */
    server: { type: String },
    /** Room name (both callers use the same); default: the relay's default room. */
    room: { type: String },
    /** `video`, `voice` or `both` (default). */
    mode: { type: String },
    /** `all` or `relay` (TURN only); default: what the relay's /ice-servers says. */
    icePolicy: { type: String, attribute: 'ice-policy' },
    /** Sent in the handshake auth (room auth). */
    token: { type: String },
    /** Text (and accessible name) of the video call button; default `Video call`. */
    videoLabel: { type: String, attribute: 'video-label' },
    /** Text of the voice call button; default `Voice call`. */
    voiceLabel: { type: String, attribute: 'voice-label' },
    /** Text of the hang-up button; default `Hang up`. */
    hangupLabel: { type: String, attribute: 'hangup-label' },
    /** Text of the cancel button; default `Cancel`. */
    cancelLabel: { type: String, attribute: 'cancel-label' },
    /** Text of the play-audio button; default `Play audio`. */
    playLabel: { type: String, attribute: 'play-label' },
    /** Status texts by state / reason key, e.g. `{ 'room-full': 'Complet' }` (property only). */
    messages: { attribute: false },
  };

  declare server: string | null;
  declare room: string | null;
  declare mode: 'video' | 'voice' | 'both';
  declare icePolicy: 'all' | 'relay' | null;
  declare token: string | null;
  declare videoLabel: string;
  declare voiceLabel: string;
  declare hangupLabel: string;
  declare cancelLabel: string;
  declare playLabel: string;
  declare messages: StatusMessages | undefined;

  static override styles = css`
    :host { display: inline-block; font: inherit; }
    [part~='controls'] { display: flex; flex-wrap: wrap; gap: var(--rtc-gap, 0.5rem); }
    button {
      font: inherit; cursor: pointer; border: 0; padding: 0.5em 1.1em;
      border-radius: var(--rtc-radius, 999px); color: var(--rtc-button-text, #fff);
      background: var(--rtc-accent, #0a7d38);
    }
    button.end { background: var(--rtc-danger, #c62828); }
    button:focus-visible { outline: 3px solid var(--rtc-focus, #1a73e8); outline-offset: 2px; }
    [part~='status'] { margin: 0.4em 0 0; min-height: 1.2em; color: var(--rtc-status-color, inherit); }
  `;

  readonly #state = new CallStateController(this);

  constructor() {
    super();
    this.server = null;
    this.room = null;
    this.mode = 'both';
    this.icePolicy = null;
    this.token = null;
    this.videoLabel = 'Video call';
    this.voiceLabel = 'Voice call';
    this.hangupLabel = 'Hang up';
    this.cancelLabel = 'Cancel';
    this.playLabel = 'Play audio';
  }

  /** Starts a video call (camera + microphone). */
  startVideoCall(): Promise<void> {
    return this.#start('video');
  }

  /** Starts a voice call (microphone only). */
  startVoiceCall(): Promise<void> {
    return this.#start('voice');
  }

  /** Ends the call on both sides (or cancels one being set up). */
  hangUp(): void {
    this.#state.call.hangUp();
  }

  #start(kind: CallKind): Promise<void> {
    this.#configure();
    // Ask for the camera/microphone first: creating the AudioContext is a 50 ms task that
    // would otherwise delay getUserMedia (seen in bench/call-setup.ts --trace).
    const started = this.#state.call.startCall(kind);
    // Still inside the click's user activation: the AudioContext may start now.
    wakeAudioContext();
    return started;
  }

  #configure(): void {
    const policy = this.icePolicy === 'relay' || this.icePolicy === 'all' ? this.icePolicy : undefined;
    this.#state.call.configure({
      server: relayOrigin(this.server),
      ...(this.room ? { room: this.room } : {}),
      ...(this.token ? { token: this.token } : {}),
      ...(policy ? { icePolicy: policy } : {}),
    });
  }

  protected override updated(changed: PropertyValues<this>): void {
    // First render and every later attribute change; the controller applies it while idle.
    if (CONFIG_KEYS.some((k) => changed.has(k as keyof RtcCallButton))) this.#configure();
  }

  async #clicked(kind: CallKind | 'end' | 'play'): Promise<void> {
    if (kind === 'end') this.hangUp();
    else if (kind === 'play') await this.#state.call.resumeAudio();
    else {
      const p = this.#start(kind);
      // The call button is replaced by hang-up: keep keyboard focus on the new button.
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLButtonElement>('button.end')?.focus();
      await p;
    }
  }

  protected override render(): unknown {
    const s = this.#state.snapshot;
    const live = s.state === 'connected' || s.state === 'reconnecting';
    const btn = (part: string, label: string, kind: CallKind | 'end' | 'play', cls = ''): unknown =>
      html`<button type="button" part="button ${part}" class=${cls} @click=${() => void this.#clicked(kind)}>${label}</button>`;
    return html`<div part="controls">
        ${isActive(s.state)
          ? live
            ? btn('hangup-button', this.hangupLabel, 'end', 'end')
            : btn('cancel-button', this.cancelLabel, 'end', 'end')
          : html`${this.mode !== 'voice' ? btn('video-button', this.videoLabel, 'video') : nothing}${this.mode !== 'video'
              ? btn('voice-button', this.voiceLabel, 'voice')
              : nothing}`}
        ${s.audioBlocked ? btn('play-button', this.playLabel, 'play') : nothing}
      </div>
      <p part="status" role="status" aria-live="polite">${statusText(s, this.messages)}</p>`;
  }
}
