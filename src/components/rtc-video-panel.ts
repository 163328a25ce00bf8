import { LitElement, css, html, noChange, nothing } from 'lit';
import { CallStateController } from './call-state-controller.js';
import { statusText } from './messages.js';
import { isActive } from '../core/state.js';
import { soloStream } from '../browser/media.js';

/**
 * Remote video large, local preview small (muted, mirrored), a placeholder when
 * there is no remote video (voice call, waiting; who calls, while a call rings). Both videos are muted: remote
 * audio plays through the controller's audio element, once per page.
 *
 * Events: each change of the call fires once per page, bubbling and composed, from the
 * first connected call button (or, without one, from the element connected first); every
 * other element fires it on itself without bubbling. Every element shows the new state first.
 *
 * @customElement rtc-video-panel
 * @attr {string} state - reflected call state (read-only)
 * @attr {string} reason - reflected end or error reason, absent when there is none (read-only)
 * @attr {string} presence - reflected: `available`, `busy` or `offline` (see rtc-call-button) (read-only)
 * @fires {CustomEvent<StateChangeDetail>} rtc-state-change - `{ state, reason }` on every change of state or reason
 * @fires {CustomEvent<CallStartDetail>} rtc-call-start - `{ kind }` when the call is connected
 * @fires {CustomEvent<CallEndDetail>} rtc-call-end - `{ reason }` when an active call ended
 * @fires {CustomEvent<IncomingDetail>} rtc-incoming - `{ kind, name, call }` when a call starts ringing here
 * @fires {CustomEvent<MissedDetail>} rtc-missed - `{ kind, name, call, at }` when a call that rang here stopped unanswered
 * @fires {CustomEvent<PresenceDetail>} rtc-presence - `{ available, busy }` when the room's counts of free and busy answerers change
 * @csspart stage - the box holding everything
 * @csspart remote-video - the remote <video>
 * @csspart local-video - the local preview <video>
 * @csspart placeholder - shown instead of the remote video when there is none
 * @csspart play-button - "Play audio" when the browser blocked autoplay
 * @cssprop --rtc-panel-background - stage background (default #111)
 * @cssprop --rtc-panel-color - placeholder text colour (default #eee)
 * @cssprop --rtc-panel-aspect - stage aspect ratio (default 16 / 9)
 * @cssprop --rtc-preview-width - local preview width (default 28%)
 * @cssprop --rtc-radius - corner radius of the stage (default 12px)
 */
export class RtcVideoPanel extends LitElement {
  static override properties = {
    /** Do not mirror the local preview. */
    noMirror: { type: Boolean, attribute: 'no-mirror' },
    /** Text of the play-audio button; default `Click to play audio`. */
    playLabel: { type: String, attribute: 'play-label' },
  };

  declare noMirror: boolean;
  declare playLabel: string;

  static override styles = css`
    :host { display: block; }
    [part~='stage'] {
      position: relative; overflow: hidden; aspect-ratio: var(--rtc-panel-aspect, 16 / 9);
      background: var(--rtc-panel-background, #111); color: var(--rtc-panel-color, #eee);
      border-radius: var(--rtc-radius, 12px);
    }
    video { display: block; object-fit: cover; }
    [part~='remote-video'] { width: 100%; height: 100%; }
    [part~='local-video'] {
      position: absolute; right: 3%; bottom: 4%; width: var(--rtc-preview-width, 28%);
      aspect-ratio: 4 / 3; border-radius: 6px; box-shadow: 0 1px 6px #0008;
    }
    .mirror { transform: scaleX(-1); }
    [hidden] { display: none !important; }
    [part~='placeholder'] { position: absolute; inset: 0; display: grid; place-items: center; padding: 1em; text-align: center; }
    [part~='play-button'] { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); font: inherit; padding: 0.5em 1em; }
  `;

  readonly #state = new CallStateController(this);
  /** The video tracks alone (see soloStream): remote audio plays through the controller's one audio element. */
  #remote: MediaStream | null = null;
  #local: MediaStream | null = null;

  constructor() {
    super();
    this.noMirror = false;
    this.playLabel = 'Click to play audio';
  }

  protected override render(): unknown {
    const s = this.#state.snapshot;
    const active = isActive(s.state);
    const remote = soloStream(this.#remote, active ? s.remoteStream?.getVideoTracks()[0] : undefined);
    const local = soloStream(this.#local, active && s.kind === 'video' ? s.localStream?.getVideoTracks()[0] : undefined);
    // Lit sets an object-valued property on every render, and every srcObject assignment starts
    // the element's playback over, even with the same stream: playback restarted on every state
    // change, and a call's first remote frame came ~100 ms later (bench/RESULTS.md). So a video
    // gets a stream only when it is a new one.
    const remoteSrc = remote === this.#remote ? noChange : (this.#remote = remote);
    const localSrc = local === this.#local ? noChange : (this.#local = local);
    const placeholder = s.kind === 'voice' && s.state === 'connected' ? 'Voice call' : statusText(s) || 'No video';
    return html`<div part="stage">
      <video part="remote-video" ?hidden=${!remote} autoplay playsinline .muted=${true} .srcObject=${remoteSrc}></video>
      ${remote ? nothing : html`<div part="placeholder">${placeholder}</div>`}
      <video part="local-video" class=${this.noMirror ? '' : 'mirror'} ?hidden=${!local} autoplay playsinline .muted=${true} .srcObject=${localSrc}></video>
      ${s.audioBlocked
        ? html`<button type="button" part="play-button" @click=${() => void this.#state.call.resumeAudio()}>${this.playLabel}</button>`
        : nothing}
    </div>`;
  }
}
