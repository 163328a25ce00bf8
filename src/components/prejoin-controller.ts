/**
 * The pre-call check's view state, as a ReactiveController of the call button: the microphone
 * level it shows (measured ten times a second, the host re-rendered when it moves) and the
 * self-view's srcObject binding. The check's stream itself is the phone's (`snapshot.preview`).
 */
import { noChange, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { micLevel, type Level } from '../browser/level.js';
import { soloStream } from '../browser/media.js';

export class PrejoinController implements ReactiveController {
  /** The microphone level, 0–100. */
  level = 0;
  #meter: Level | null = null;
  #track: MediaStreamTrack | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #src: MediaStream | null = null;
  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    (this.#host = host).addController(this);
  }

  /**
   * The check shows `stream` (null: it is closed): its microphone is measured, a new one after a
   * switch. Returns true when a new microphone began (the host lists the devices again).
   */
  show(stream: MediaStream | null): boolean {
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
  video(track: MediaStreamTrack | undefined): unknown {
    const solo = soloStream(this.#src, track);
    return solo === this.#src ? noChange : (this.#src = solo);
  }

  hostDisconnected(): void {
    this.show(null);
  }
}
