import { html, noChange, nothing } from 'lit';
import { controlsPanel, firstHost } from './call-state-controller.js';
import { FocusSuccessor } from './focus-successor.js';
import { RtcElement } from './rtc-element.js';
import type { StatusMessages } from './messages.js';
import { isActive } from '../core/state.js';
import { soloStream } from '../browser/media.js';
import { InCallControls } from './in-call-controls.js';
import { ICONS, icon } from './icons.js';
import { controlStyles } from './styles/controls.js';
import { panelStyles } from './styles/panel.js';

/**
 * Remote video large, local preview small (muted, mirrored unless it shows a screen; the whole
 * stage, dimmed, while the call is being set up), a placeholder when there is no remote video
 * (who calls, while a call rings; the other person's initials and name when their camera is off
 * or in a voice call). The status text is the call button's, said once. While connected, a top
 * bar with the call time, the connection's quality in words (its figures in a tooltip and in the
 * accessible name), the route in plain words ("Direct", "Through a relay server"), and picture-in-
 * picture and full-screen buttons where the browser has them; the other person's muted and
 * camera-off marks as icons. While a call is active, the in-call controls (Mute, Camera off, Share
 * screen, Devices, Hang up / Cancel) sit in a bar over the video as icon buttons with tooltips —
 * in the page's first panel only, so each exists once. The stage is hidden between calls (idle,
 * ended, error). Both videos are muted: remote audio plays through the controller's audio
 * element, once per page.
 *
 * The call's reflected attributes and its events are every element's: see rtc-element.ts.
 *
 * @customElement rtc-video-panel
 * @csspart stage - the box holding everything
 * @csspart remote-video - the remote <video>
 * @csspart local-video - the local preview <video>
 * @csspart placeholder - shown instead of the remote video when there is none
 * @csspart play-button - "Play audio" when the browser blocked autoplay
 * @csspart avatar - the other person's initials, when their camera is off or in a voice call
 * @csspart bar - the top bar over the video while connected
 * @csspart timer - the call time (m:ss)
 * @csspart quality - the connection-quality mark (class `good`, `fair` or `poor`)
 * @csspart route - "Direct" or "Through a relay server" (the transport is in the quality's figures)
 * @csspart remote-muted - the other person's muted mark (an icon)
 * @csspart remote-camera-off - the other person's camera-off mark (an icon)
 * @csspart marks - the box holding the other person's marks
 * @csspart controls - the bottom bar over the video holding the in-call controls, while a call is active (the page's first panel)
 * @csspart button - every button
 * @csspart mute-button - "Mute" (`aria-pressed`)
 * @csspart camera-button - "Camera off" (`aria-pressed`), in a video call
 * @csspart share-button - "Share screen" (`aria-pressed`), in a video call where the browser can share
 * @csspart devices-button - "Devices" (`aria-expanded`)
 * @csspart devices - the device menu: a labelled select each for camera, microphone and (where the browser can pick one) speaker
 * @csspart hangup-button - "Hang up", while connected
 * @csspart cancel-button - "Cancel", while the call is being set up
 * @csspart pip-button - "Picture in picture", where supported
 * @csspart fullscreen-button - "Full screen" ("Exit full screen" while the panel fills the screen), where supported
 * @cssprop --rtc-good - quality mark colour when good (default #34a853)
 * @cssprop --rtc-fair - … when fair (default #fbbc04)
 * @cssprop --rtc-poor - … when poor (default #ff8a80)
 * @cssprop --rtc-panel-background - stage background (default #111)
 * @cssprop --rtc-panel-color - placeholder text colour (default #eee)
 * @cssprop --rtc-panel-aspect - stage aspect ratio (default 16 / 9)
 * @cssprop --rtc-panel-aspect-narrow - stage aspect ratio when the panel is narrower than 28rem, e.g. on a phone (default 3 / 4)
 * @cssprop --rtc-panel-max-height - the stage's greatest height; its width follows from the aspect ratio (default 70vh)
 * @cssprop --rtc-panel-focus - focus ring colour over the video (default #8ab4f8)
 * @cssprop --rtc-control - an in-call button's colour (default #3c4043)
 * @cssprop --rtc-control-on - a pressed toggle's colour (default #e8eaed)
 * @cssprop --rtc-control-on-text - a pressed toggle's icon colour (default #202124)
 * @cssprop --rtc-control-radius - an in-call button's corner radius (default 999px)
 * @cssprop --rtc-danger - hang-up and cancel colour (default #c62828)
 * @cssprop --rtc-preview-width - local preview width (default 28%)
 * @cssprop --rtc-radius - corner radius of the stage (default 12px)
 */
export class RtcVideoPanel extends RtcElement {
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

  static override styles = [controlStyles, panelStyles];

  readonly #controls = new InCallControls(this, this.callState, true);
  /** Where focus goes when the call takes the focused control away. */
  readonly #focus = new FocusSuccessor(this, this.callState);
  /** The video tracks alone (see soloStream): remote audio plays through the controller's one audio element. */
  #remote: MediaStream | null = null;
  #local: MediaStream | null = null;

  constructor() {
    super();
    this.noMirror = false;
  }

  /** Re-renders every second while connected, for the call time. */
  #tick: ReturnType<typeof setInterval> | undefined;

  /** Focus on the call's first control (the call button's Video call went away as the call started). */
  async focusControls(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('[part~="controls"] button')?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('fullscreenchange', this.#rerender);
  }

  readonly #rerender = (): void => this.requestUpdate();

  protected override updated(): void {
    const on = this.callState.snapshot.connectedAt !== null && isActive(this.callState.snapshot.state);
    if (on && !this.#tick) this.#tick = setInterval(() => this.requestUpdate(), 1000);
    if (!on) this.#stopTick();
  }

  override disconnectedCallback(): void {
    document.removeEventListener('fullscreenchange', this.#rerender);
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
    const s = this.callState.snapshot;
    const t = this.callState.t(this.messages);
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
    // While a call rings: who calls (the status line says the rest, once).
    const ringing = s.state === 'ringing' && s.incoming;
    const name = r.name || (ringing ? s.incoming!.name : '');
    const initials = name
      .split(/\s+/)
      .map((w) => w[0])
      .join('')
      .slice(0, 2)
      .toUpperCase();
    const sec = live ? ((Date.now() - s.connectedAt!) / 1000) | 0 : 0;
    const pct = (n: number | null): string => String(n ?? '–');
    const full = document.fullscreenElement === this;
    // The call button's own hang-up and cancel texts (its attributes) name these buttons too.
    const b = firstHost('rtc-call-button') as { hangupLabel?: string; cancelLabel?: string } | undefined;
    const c = active && controlsPanel() === this ? this.#controls.render(t, { hangup: b?.hangupLabel, cancel: b?.cancelLabel }) : null;
    const tool = (part: string, name: string, shape: Parameters<typeof icon>[0], act: () => void): unknown =>
      html`<button type="button" part="button ${part}" aria-label=${name} @click=${act}>${icon(shape)}<span class="tip" aria-hidden="true">${name}</span></button>`;
    const figures = q
      ? t('quality-figures')
          .replace('{rtt}', pct(q.rttMs))
          .replace('{loss}', pct(Math.round(q.packetLoss * 1000) / 10))
          .replace('{jitter}', pct(q.jitterMs)) + (q.via ? ` · ${q.via.toUpperCase()}` : '')
      : '';
    return html`<div part="stage">
      <video part="remote-video" class=${r.sharing ? 'contain' : ''} ?hidden=${!showRemote} autoplay playsinline .muted=${true} .srcObject=${remoteSrc}></video>
      ${showRemote
        ? nothing
        : html`<div part="placeholder">
            ${who || ringing
              ? html`<div>
                  ${initials ? html`<span part="avatar" aria-hidden="true">${initials}</span>` : nothing}${name ||
                  t(s.kind === 'voice' || s.incoming?.kind === 'voice' ? 'panel-voice' : 'panel-no-video')}
                </div>`
              : nothing}
          </div>`}
      <video
        part="local-video"
        class="${this.noMirror || s.sharing ? '' : 'mirror'} ${live ? '' : 'full'}"
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
              ? html`<span part="quality" class=${q.level} role="img" aria-label="${t(`quality-${q.level}`)}: ${figures}"
                    ><span>${t(`quality-${q.level}`)}</span><span class="tip">${figures}</span></span
                  ><span part="route">${t(q.relayed ? 'route-relayed' : 'route-direct')}</span>`
              : nothing}
            ${document.pictureInPictureEnabled && showRemote ? tool('pip-button', t('label-pip'), ICONS.PictureInPicture, () => this.#pip()) : nothing}
            ${document.fullscreenEnabled
              ? tool('fullscreen-button', t(full ? 'label-exit-fullscreen' : 'label-fullscreen'), full ? ICONS.Minimize : ICONS.Maximize, () => this.#fullscreen())
              : nothing}
          </div>`
        : nothing}
      ${live && (r.muted || r.cameraOff)
        ? html`<div part="marks">
            ${r.muted ? html`<span part="remote-muted" role="img" aria-label=${t('panel-muted')}>${icon(ICONS.MicOff)}</span>` : nothing}
            ${r.cameraOff ? html`<span part="remote-camera-off" role="img" aria-label=${t('panel-camera-off')}>${icon(ICONS.VideoOff)}</span>` : nothing}
          </div>`
        : nothing}
      ${c ? html`<div part="controls" role="group" aria-label=${t('label-controls')}>${c.toggles}${c.menu}${c.end}</div>` : nothing}
      ${s.audioBlocked
        ? html`<button type="button" part="button play-button" @click=${() => void this.callState.call.resumeAudio()}>${this.playLabel ?? t('panel-play')}</button>`
        : nothing}
    </div>`;
  }
}
