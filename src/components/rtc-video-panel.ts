import { LitElement, css, html, noChange, nothing } from 'lit';
import { CallStateController } from './call-state-controller.js';
import { statusText, type StatusMessages } from './messages.js';
import { isActive } from '../core/state.js';
import { soloStream } from '../browser/media.js';

/**
 * Remote video large, local preview small (muted, mirrored unless it shows a screen), a
 * placeholder when there is no remote video (voice call, waiting; who calls, while a call
 * rings; the other person's initials and name when their camera is off). While connected, a bar
 * with the call time, the connection's quality (its figures in the accessible name), whether
 * media goes direct or through a relay server, a muted mark for the other person, and picture-in-
 * picture and full-screen buttons where the browser has them. Both videos are muted: remote
 * audio plays through the controller's audio element, once per page.
 *
 * Events: each change of the call fires once per page, bubbling and composed, from the
 * first connected call button (or, without one, from the element connected first); every
 * other element fires it on itself without bubbling. Every element shows the new state first.
 *
 * @customElement rtc-video-panel
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
 * @csspart stage - the box holding everything
 * @csspart remote-video - the remote <video>
 * @csspart local-video - the local preview <video>
 * @csspart placeholder - shown instead of the remote video when there is none
 * @csspart play-button - "Play audio" when the browser blocked autoplay
 * @csspart avatar - the other person's initials, when their camera is off or in a voice call
 * @csspart bar - the row over the video while connected
 * @csspart timer - the call time (m:ss)
 * @csspart quality - the connection-quality mark (class `good`, `fair` or `poor`)
 * @csspart route - "Direct" or "Through a relay server", with the transport
 * @csspart remote-muted - the other person's muted mark
 * @csspart pip-button - "Picture in picture", where supported
 * @csspart fullscreen-button - "Full screen", where supported
 * @cssprop --rtc-good - quality mark colour when good (default #34a853)
 * @cssprop --rtc-fair - … when fair (default #fbbc04)
 * @cssprop --rtc-poor - … when poor (default #ea4335)
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
    /** Texts by key (property only), as on rtc-call-button. */
    messages: { attribute: false },
    /** Language of the texts, as on rtc-call-button. */
    lang: { type: String },
  };

  declare noMirror: boolean;
  declare playLabel: string | undefined;
  declare messages: StatusMessages | undefined;

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
    .contain { object-fit: contain; }
    [part~='avatar'] { display: block; margin: 0 auto 0.3em; width: 3em; line-height: 3em; border-radius: 50%; background: #5f6368; font-size: 1.6em; }
    [part~='bar'] { position: absolute; left: 0; top: 0; display: flex; gap: 0.6em; align-items: center; padding: 0.4em 0.7em; background: #0008; border-bottom-right-radius: 8px; font-size: 0.85em; }
    [part~='bar'] button { font: inherit; background: none; color: inherit; border: 1px solid; border-radius: 4px; cursor: pointer; }
    .good { color: var(--rtc-good, #34a853); }
    .fair { color: var(--rtc-fair, #fbbc04); }
    .poor { color: var(--rtc-poor, #ea4335); }
  `;

  readonly #state = new CallStateController(this);
  /** The video tracks alone (see soloStream): remote audio plays through the controller's one audio element. */
  #remote: MediaStream | null = null;
  #local: MediaStream | null = null;

  constructor() {
    super();
    this.noMirror = false;
  }

  /** Re-renders every second while connected, for the call time. */
  #tick: ReturnType<typeof setInterval> | undefined;

  protected override updated(): void {
    const on = this.#state.snapshot.connectedAt !== null && isActive(this.#state.snapshot.state);
    if (on && !this.#tick) this.#tick = setInterval(() => this.requestUpdate(), 1000);
    if (!on) this.#stopTick();
  }

  override disconnectedCallback(): void {
    this.#stopTick();
    super.disconnectedCallback();
  }

  #stopTick(): void {
    clearInterval(this.#tick);
    this.#tick = undefined;
  }

  #pip(): void {
    const v = this.renderRoot.querySelector('video');
    void (document.pictureInPictureElement ? document.exitPictureInPicture() : v?.requestPictureInPicture());
  }

  #fullscreen(): void {
    void (document.fullscreenElement ? document.exitFullscreen() : this.requestFullscreen());
  }

  protected override render(): unknown {
    const s = this.#state.snapshot;
    const t = this.#state.t(this.messages);
    const r = s.remote;
    const q = s.quality;
    const active = isActive(s.state);
    const remote = soloStream(this.#remote, active ? s.remoteStream?.getVideoTracks()[0] : undefined);
    const local = soloStream(this.#local, active && s.kind === 'video' ? s.localStream?.getVideoTracks()[0] : undefined);
    // Lit sets an object-valued property on every render, and every srcObject assignment starts
    // the element's playback over, even with the same stream: playback restarted on every state
    // change, and a call's first remote frame came ~100 ms later (bench/RESULTS.md). So a video
    // gets a stream only when it is a new one (camera off hides it and keeps it playing).
    const remoteSrc = remote === this.#remote ? noChange : (this.#remote = remote);
    const localSrc = local === this.#local ? noChange : (this.#local = local);
    const live = s.connectedAt !== null && active;
    const showRemote = remote && !r.cameraOff;
    // Who is on the other end, when we see no picture of them: their initials and name.
    const who = live && (r.cameraOff || s.kind === 'voice');
    const initials = r.name
      .split(/\s+/)
      .map((w) => w[0])
      .join('')
      .slice(0, 2)
      .toUpperCase();
    const sec = live ? ((Date.now() - s.connectedAt!) / 1000) | 0 : 0;
    const pct = (n: number | null): string => String(n ?? '–');
    return html`<div part="stage">
      <video part="remote-video" class=${r.sharing ? 'contain' : ''} ?hidden=${!showRemote} autoplay playsinline .muted=${true} .srcObject=${remoteSrc}></video>
      ${showRemote
        ? nothing
        : html`<div part="placeholder">
            ${who
              ? html`<div>${initials ? html`<span part="avatar" aria-hidden="true">${initials}</span>` : nothing}${r.name || t(s.kind === 'voice' ? 'panel-voice' : 'panel-no-video')}</div>`
              : statusText(s, t) || t('panel-no-video')}
          </div>`}
      <video
        part="local-video"
        class=${this.noMirror || s.sharing ? '' : 'mirror'}
        ?hidden=${!local || (s.cameraOff && !s.sharing)}
        autoplay
        playsinline
        .muted=${true}
        .srcObject=${localSrc}
      ></video>
      ${live
        ? html`<div part="bar">
            <span part="timer" role="timer" aria-label=${t('panel-time')}>${(sec / 60) | 0}:${String(sec % 60).padStart(2, '0')}</span>
            ${q
              ? html`<span
                    part="quality"
                    class=${q.level}
                    role="img"
                    aria-label="${t(`quality-${q.level}`)}: ${t('quality-figures')
                      .replace('{rtt}', pct(q.rttMs))
                      .replace('{loss}', pct(Math.round(q.packetLoss * 1000) / 10))
                      .replace('{jitter}', pct(q.jitterMs))}"
                    >●</span
                  ><span part="route">${t(q.relayed ? 'route-relayed' : 'route-direct')}${q.via ? ` · ${q.via.toUpperCase()}` : ''}</span>`
              : nothing}
            ${r.muted ? html`<span part="remote-muted" role="img" aria-label=${t('panel-muted')}>🔇</span>` : nothing}
            ${document.pictureInPictureEnabled && showRemote
              ? html`<button type="button" part="pip-button" @click=${() => this.#pip()}>${t('label-pip')}</button>`
              : nothing}
            ${document.fullscreenEnabled ? html`<button type="button" part="fullscreen-button" @click=${() => this.#fullscreen()}>${t('label-fullscreen')}</button>` : nothing}
          </div>`
        : nothing}
      ${s.audioBlocked
        ? html`<button type="button" part="play-button" @click=${() => void this.#state.call.resumeAudio()}>${this.playLabel ?? t('panel-play')}</button>`
        : nothing}
    </div>`;
  }
}
