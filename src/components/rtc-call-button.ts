import { html, nothing, type PropertyValues } from 'lit';
import { controlsPanel } from './call-state-controller.js';
import { FocusSuccessor } from './focus-successor.js';
import { RtcElement } from './rtc-element.js';
import { statusKey, statusText, type StatusMessages, type TextKey } from './messages.js';
import { setSpeaker, wakeAudioContext } from '../browser/audio.js';
import { CONFIG_KEYS, callConfig, isDesk } from './call-config.js';
import { InCallControls } from './in-call-controls.js';
import { ICONS, icon } from './icons.js';
import { missedList, nobody, refused } from './idle-views.js';
import { PrejoinController } from './prejoin-controller.js';
import { RingAttention } from './ring-attention.js';
import { controlStyles } from './styles/controls.js';
import { buttonStyles, idleStyles } from './styles/button.js';
import { isActive, type CallKind } from '../core/state.js';

type Action = CallKind | 'end' | 'play' | 'accept' | 'decline' | 'away';

/**
 * Call / cancel / hang-up buttons, Accept / Decline while a call rings, and an aria-live
 * status line. Connects to the relay as soon as it is on the page, so a click only costs
 * getUserMedia and negotiation. All elements on a page share one call, and the call's reflected
 * attributes and its events (rtc-element.ts).
 *
 * While a call rings, the call button that speaks for the page (the first connected) plays
 * the ring tone and, while the page is hidden, blinks the document title and shows a system
 * notification if the page already holds that permission (it never asks).
 *
 * The in-call controls (Mute … Hang up, see in-call-controls.ts) live here only on a page without
 * a <rtc-video-panel>; with one, they sit in a bar over its video.
 *
 * @customElement rtc-call-button
 * @attr {boolean} away - a desk that stepped away: not rung and not counted in presence until cleared; its missed calls are still listed (`rtc-missed`). Set by the Away button too
 * @csspart controls - the button row
 * @csspart button - every button
 * @csspart video-button - "Video call"
 * @csspart voice-button - "Voice call"
 * @csspart accept-button - "Accept", while a call rings
 * @csspart decline-button - "Decline", while a call rings
 * @csspart cancel-button - "Cancel", while the call is being set up
 * @csspart hangup-button - "Hang up", while connected
 * @csspart play-button - "Play audio", when the browser blocked autoplay of the remote audio
 * @csspart mute-button - "Mute" (`aria-pressed`), in a call
 * @csspart camera-button - "Camera off" (`aria-pressed`), in a video call
 * @csspart share-button - "Share screen" (`aria-pressed`), in a video call where the browser can share
 * @csspart devices-button - "Devices" (`aria-expanded`): opens the device menu
 * @csspart away-button - "Away" (`aria-pressed`), while idle on a page that takes calls
 * @csspart devices - the device menu: a labelled select each for camera, microphone and (where the browser can pick one) speaker
 * @csspart status - the status line
 * @csspart missed - the missed calls: a count, the Clear button and the list (`aria-label` "Missed calls"), while no call rings or is in progress
 * @csspart clear-button - "Clear": empties the missed calls
 * @csspart prejoin - the pre-call check (`prejoin`): self-view, device selects, microphone level, Cancel and Start call
 * @csspart preview - the pre-call check's self-view <video> (mirrored)
 * @csspart level - the microphone level (`role="meter"`, "Microphone level", `aria-valuenow` 0–100)
 * @csspart start-button - "Start call", in the pre-call check
 * @csspart prejoin-cancel-button - "Cancel", in the pre-call check: closes it and stops the camera and microphone
 * @slot unavailable - shown while nobody takes calls (idle and `presence="offline"`, or a call that ended `unavailable`) on a page that places calls: the site's fallback, e.g. `<a slot="unavailable" href="/contact">Leave us a message</a>`
 * @cssprop --rtc-accent - call button colour (default #0a7d38)
 * @cssprop --rtc-danger - hang-up and cancel colour (default #c62828)
 * @cssprop --rtc-button-text - button text colour (default #fff)
 * @cssprop --rtc-radius - button corner radius (default 999px)
 * @cssprop --rtc-gap - space between buttons (default .5rem)
 * @cssprop --rtc-focus - keyboard focus ring colour (default #1a73e8)
 * @cssprop --rtc-control - in-call toggle colour (default #3c4043)
 * @cssprop --rtc-control-on - a pressed toggle's colour (default #e8eaed: pressed reads as filled)
 * @cssprop --rtc-control-on-text - a pressed toggle's icon and text colour (default #202124)
 * @cssprop --rtc-status-color - status line colour (default inherit)
 * @cssprop --rtc-prejoin-width - the pre-call check's width at most (default 22rem)
 */
export class RtcCallButton extends RtcElement {
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
    /** `ring` (default): this page takes calls; `off`: a call-only page that never rings and never counts as available. */
    incoming: { type: String },
    /**
     * When the relay link opens: `load`, `intent` (pointer over, focus on or touch of a button) or `click`.
     * Default: `intent` for `incoming="off"`, else `load` (a page that rings must be linked). Until then
     * presence comes from the relay's cached `GET /presence`, so a visitor who never calls costs no socket.
     */
    connect: { type: String },
    /** The display name the people this page calls see. */
    name: { type: String },
    /** Seconds a call this page places rings before it ends `no-answer`; default 45. */
    ringTimeout: { type: Number, attribute: 'ring-timeout' },
    /** `on` (default): a call that finds every desk busy waits in the room's line (state `queued`); `off`: it ends `busy`. */
    queue: { type: String },
    /** `off`: no ring tone (the ringing is visual only); default `on`. */
    ringtone: { type: String },
    /** `off`: no preconnect while ringing (Accept negotiates from scratch); default `on` when the relay hands out TURN. */
    preconnect: { type: String },
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
    /** Text of the accept button (a call rings); default `Accept`. */
    acceptLabel: { type: String, attribute: 'accept-label' },
    /** Text of the decline button (a call rings); default `Decline`. */
    declineLabel: { type: String, attribute: 'decline-label' },
    /** A desk that stepped away: not rung, not counted in presence (see the Away button). */
    away: { type: Boolean, reflect: true },
    /**
     * `off`: a desk that only answers: no call buttons, its idle line says it is waiting for calls.
     * Default: `off` when the token's role is `answerer` (the relay would refuse its calls), else `on`.
     */
    outgoing: { type: String },
    /** Video call / Voice call first open a pre-call check (self-view, camera and microphone, a level meter), then Start call places the call with what was picked. */
    prejoin: { type: Boolean },
    /** Texts by key, e.g. `{ 'room-full': 'Complet', 'label-mute': 'Couper' }` (property only; see docs/widget.md). */
    messages: { attribute: false },
    /** Language of the texts (installed with `RtcCall.addLanguage`); default: the nearest `lang` attribute, else the browser's. */
    lang: { type: String },
  };

  declare server: string | null;
  declare room: string | null;
  declare mode: 'video' | 'voice' | 'both';
  declare icePolicy: 'all' | 'relay' | null;
  declare preconnect: string | null;
  declare token: string | null;
  declare incoming: 'ring' | 'off';
  declare connect: 'load' | 'intent' | 'click' | undefined;
  declare name: string | null;
  declare ringTimeout: number;
  declare queue: 'on' | 'off' | undefined;
  declare ringtone: 'on' | 'off';
  declare away: boolean;
  declare videoLabel: string | undefined;
  declare voiceLabel: string | undefined;
  declare hangupLabel: string | undefined;
  declare cancelLabel: string | undefined;
  declare playLabel: string | undefined;
  declare acceptLabel: string | undefined;
  declare declineLabel: string | undefined;
  declare messages: StatusMessages | undefined;
  declare outgoing: 'on' | 'off' | undefined;
  declare prejoin: boolean;

  static override styles = [controlStyles, idleStyles, buttonStyles];

  readonly #controls = new InCallControls(this, this.callState, false);
  /** While a call rings: the ring tone, the blinking title, a notification (once per page). */
  readonly #ring = new RingAttention(this, this.callState);
  readonly #focus = new FocusSuccessor(this, this.callState);
  readonly #prejoin = new PrejoinController(this, this.callState);

  constructor() {
    super();
    // Someone means to call: a connect="intent" page links to the relay now, ahead of the click.
    for (const e of ['pointerenter', 'focusin', 'touchstart']) this.addEventListener(e, () => this.callState.call.prepare(), { passive: true });
    this.server = null;
    this.room = null;
    this.mode = 'both';
    this.icePolicy = null;
    this.preconnect = null;
    this.token = null;
    this.incoming = 'ring';
    this.name = null;
    this.ringTimeout = 45;
    this.ringtone = 'on';
    this.away = false;
    this.prejoin = false;
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
    this.callState.call.hangUp();
  }

  /** Takes the call that rings (camera and microphone, or the microphone for a voice call); settles like `startVideoCall()`. */
  accept(): Promise<void> {
    const taken = this.callState.call.accept();
    // Still inside the click's user activation (see #start).
    wakeAudioContext();
    return taken;
  }

  /** Mutes (true) or unmutes our microphone; the other person sees a muted mark. */
  setMuted(on: boolean): void {
    this.callState.call.media.set('muted', on);
  }

  /** Turns our camera off (true) or on; the other person sees our name instead of a picture. */
  setCameraOff(on: boolean): void {
    this.callState.call.media.set('cameraOff', on);
  }

  /** Shows our screen instead of the camera (call it from a click: the browser asks what to share), or stops. */
  shareScreen(on: boolean): Promise<void> {
    return this.callState.call.media.share(on);
  }

  /** Switches the camera (`video`) or microphone (`audio`) to a device from `enumerateDevices()`, mid-call too. */
  useDevice(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    return this.callState.call.media.use(kind, deviceId);
  }

  /** Plays the other person through this audio output (where the browser has `setSinkId`). */
  setSpeaker(deviceId: string): Promise<void> {
    return setSpeaker(deviceId);
  }

  /** Empties the list of missed calls. */
  clearMissed(): void {
    this.callState.call.clearMissed();
  }

  /** Declines the call that rings: the caller hears `declined` (once everyone it rang has declined); this page goes back to idle. */
  decline(): void {
    this.callState.call.decline();
  }

  #start(kind: CallKind): Promise<void> {
    this.#configure();
    // Ask for the camera/microphone first: creating the AudioContext is a 50 ms task that
    // would otherwise delay getUserMedia (seen in bench/call-setup.ts --trace).
    const started = this.callState.call.startCall(kind);
    // Still inside the click's user activation: the AudioContext may start now.
    wakeAudioContext();
    return started;
  }

  #configure(): void {
    this.callState.call.configure(callConfig(this));
  }

  protected override updated(changed: PropertyValues<this>): void {
    // First render and every later attribute change; the controller applies it while idle.
    if (CONFIG_KEYS.some((k) => changed.has(k as keyof RtcCallButton))) this.#configure();
    if (changed.has('away')) this.callState.call.setAway(this.away);
  }

  #clicked(what: Action): void {
    if (what === 'end') this.hangUp();
    else if (what === 'away') this.away = !this.away;
    else if (what === 'play') void this.callState.call.resumeAudio();
    else if (what === 'accept') void this.accept();
    else if (what === 'decline') this.decline();
    else if (this.prejoin) this.#configure(), void this.#prejoin.start(what);
    else void this.#start(what);
  }

  protected override render(): unknown {
    const s = this.callState.snapshot;
    const t = this.callState.t(this.messages);
    const btn = (part: string, label: string | undefined, key: TextKey, what: Action, cls = '', pressed?: boolean): unknown =>
      html`<button type="button" part="button ${part}" class=${cls} aria-pressed=${pressed ?? nothing} aria-describedby="status"
        ?disabled=${(what === 'video' || what === 'voice') && refused(s)} @click=${() => this.#clicked(what)}>
        ${what === 'video' ? icon(ICONS.Video) : what === 'voice' || what === 'accept' ? icon(ICONS.Phone) : what === 'decline' ? icon(ICONS.PhoneOff) : what === 'away' ? icon(ICONS.Coffee) : nothing}${label ?? t(key)}
      </button>`;
    // With a <rtc-video-panel> on the page the in-call controls (and Play audio) are its, over the video.
    const panel = !!controlsPanel();
    const c = isActive(s.state) && !panel ? this.#controls.render(t, { hangup: this.hangupLabel, cancel: this.cancelLabel, describedBy: 'status' }) : null;
    const desk = isDesk(this);
    return html`${this.#prejoin.open
        ? this.#prejoin.view(t, (kind) => void this.#start(kind))
        : html`<div part="controls">
            ${s.state === 'ringing'
              ? html`${btn('accept-button', this.acceptLabel, 'label-accept', 'accept')}${btn('decline-button', this.declineLabel, 'label-decline', 'decline', 'end')}`
              : isActive(s.state)
                ? c && html`${c.toggles}${c.end}`
                : desk
                  ? nothing
                  : html`${this.mode !== 'voice' ? btn('video-button', this.videoLabel, 'label-video', 'video') : nothing}${this.mode !== 'video'
                      ? btn('voice-button', this.voiceLabel, 'label-voice', 'voice')
                      : nothing}`}${!isActive(s.state) && s.state !== 'ringing' && this.incoming !== 'off'
              ? btn('away-button', undefined, 'label-away', 'away', 'tog', this.away)
              : nothing}
            ${s.audioBlocked && !panel ? btn('play-button', this.playLabel, 'label-play', 'play') : nothing}
          </div>`}
      ${c?.menu ?? nothing}
      <p part="status" id="status" role="status" aria-live="polite" tabindex="-1">${this.away && statusKey(s) === 'desk-idle' ? t('desk-away') : statusText(s, t)}</p>
      ${!desk && nobody(s) ? html`<slot name="unavailable"></slot>` : nothing}
      ${isActive(s.state) || s.state === 'ringing' ? nothing : missedList(s.missed, t, this.callState.lang, () => this.clearMissed())}`;
  }
}
