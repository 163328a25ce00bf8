/**
 * The call button's pre-call check (`prejoin`) as a ReactiveController: whether it is open, opening
 * it, its view (idle-views.ts) with the self-view's srcObject binding, its Camera and Microphone
 * selects (device-list.ts; the in-call Devices menu has its own), and the microphone level it shows
 * (measured ten times a second, the host re-rendered when it moves). The check's stream itself is
 * the phone's (`snapshot.preview`).
 */
import { html, noChange, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { audioContext } from '../browser/audio.js';
import { micLevel, type Level } from '../browser/level.js';
import { soloStream } from '../browser/media.js';
import { isActive, type CallKind } from '../core/state.js';
import type { CallStateController } from './call-state-controller.js';
import { DeviceList } from './device-list.js';
import { prejoinView } from './idle-views.js';
import type { Texts } from './messages.js';

export class PrejoinController implements ReactiveController {
  /** The microphone level, 0–100. */
  level = 0;
  #meter: Level | null = null;
  #track: MediaStreamTrack | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #src: MediaStream | null = null;
  readonly #host: ReactiveControllerHost;
  readonly #state: CallStateController;
  readonly #devices: DeviceList;

  constructor(host: ReactiveControllerHost, state: CallStateController) {
    (this.#host = host).addController(this);
    this.#state = state;
    this.#devices = new DeviceList(host, state, () => this.open);
  }

  /** The check is open (and no call rings or runs). */
  get open(): boolean {
    const s = this.#state.snapshot;
    return !!s.preview && !isActive(s.state) && s.state !== 'ringing';
  }

  /** Opens the check for a `kind` call (from the click that asked for it). */
  start(kind: CallKind): Promise<void> {
    const p = this.#state.call.preview(kind);
    // Inside the click: the level meter's AudioContext may start.
    void audioContext().resume().catch(() => undefined);
    return p;
  }

  /** The check: self-view, selects, level, Cancel, and Start call, which calls `call` with the kind checked. */
  view(t: Texts, call: (kind: CallKind) => void): TemplateResult {
    const track = this.#state.snapshot.preview!.getVideoTracks()[0];
    return prejoinView(
      {
        showVideo: !!track,
        video: this.#video(track),
        selects: html`${track ? this.#devices.select('videoinput', t) : nothing}${this.#devices.select('audioinput', t)}`,
        level: this.level,
        start: () => call(track ? 'video' : 'voice'),
        cancel: () => this.#state.call.endPreview(),
      },
      t,
    );
  }

  hostUpdated(): void {
    if (this.#show(this.open ? this.#state.snapshot.preview : null)) void this.#devices.refresh();
  }

  /**
   * The check shows `stream` (null: it is closed): its microphone is measured, a new one after a
   * switch. Returns true when a new microphone began (the devices are listed again).
   */
  #show(stream: MediaStream | null): boolean {
    if (!stream) this.#src = null;
    const track = stream?.getAudioTracks()[0] ?? null;
    if (track === this.#track) return false;
    this.#meter?.stop();
    clearInterval(this.#timer);
    this.#meter = null;
    this.level = 0;
    this.#track = track;
    if (!track) return false;
    const meter = (this.#meter = micLevel(new MediaStream([track])));
    this.#timer = setInterval(() => {
      const n = meter.read();
      if (n !== this.level) (this.level = n), this.#host.requestUpdate();
    }, 100);
    return true;
  }

  /**
   * The self-view's srcObject: a stream of `track` alone, new only for a new track (every
   * srcObject assignment restarts playback: see rtc-video-panel), else `noChange`.
   */
  #video(track: MediaStreamTrack | undefined): unknown {
    const solo = soloStream(this.#src, track);
    return solo === this.#src ? noChange : (this.#src = solo);
  }

  hostDisconnected(): void {
    this.#show(null);
  }
}
