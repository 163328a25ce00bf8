/**
 * Our side of a call's media once we have it: mute, camera off, device switches, screen share,
 * and tracks that end by themselves. A new track replaces the old one on the call's sender
 * (replaceTrack: no renegotiation) and in the local stream the preview shows.
 */
import type { MediaState } from '../protocol/index.js';
import type { StreamLike, TrackLike } from './platform.js';

/** What a track is taken from: a microphone, a camera, or the screen (getDisplayMedia). */
export type SourceKind = 'audio' | 'video' | 'screen';
/** Device ids the person picked, by kind; the system default for a kind left out. */
export type DeviceChoice = { audio?: string; video?: string };

export interface LocalMediaHost<S extends StreamLike> {
  stream(): S | null;
  /** Sends `track` instead of the current one of its kind on the call, when there is one. */
  replace(kind: 'audio' | 'video', track: TrackLike): Promise<void>;
  /** One new track; absent where the platform cannot (then switches do nothing). */
  getTrack?: ((kind: SourceKind, deviceId?: string) => Promise<TrackLike>) | undefined;
  /** What the page shows changed, and the peer is to be told. */
  changed(): void;
  log(...args: unknown[]): void;
}

/** Microphone on, camera on, no screen: our side's and the peer's media before and between calls. */
export const OFF: MediaState = { muted: false, cameraOff: false, sharing: false };

export class LocalMedia<S extends StreamLike> {
  state: MediaState = OFF;
  /** A device that stopped by itself and could not be replaced (the status line says so). */
  lost: 'audio' | 'video' | null = null;
  readonly choice: DeviceChoice = {};
  readonly #host: LocalMediaHost<S>;

  constructor(host: LocalMediaHost<S>) {
    this.#host = host;
  }

  /** What the peer is told: a lost device counts as muted / camera off (no frozen picture). */
  get told(): MediaState {
    const s = this.state;
    return { muted: s.muted || this.lost === 'audio', cameraOff: s.cameraOff || this.lost === 'video', sharing: s.sharing };
  }

  /** A call's new stream (its tracks watched), or none (the call ended): every flag off. */
  start(stream?: S): void {
    this.state = OFF;
    this.lost = null;
    for (const t of stream?.getTracks() ?? []) this.#watch(t);
  }

  #track(kind: string): TrackLike | undefined {
    return this.#host.stream()?.getTracks().find((t) => t.kind === kind);
  }

  /** Mute (no sound sent) or camera off (black frames sent; the peer shows a placeholder). */
  set(flag: 'muted' | 'cameraOff', on: boolean): void {
    if (this.state[flag] === on) return;
    this.state = { ...this.state, [flag]: on };
    const t = this.#track(flag === 'muted' ? 'audio' : 'video');
    // While sharing, the video track is the screen: camera off applies when sharing stops.
    if (t && (flag === 'muted' || !this.state.sharing)) t.enabled = !on;
    this.#host.changed();
  }

  /** Switches to a picked device (remembered for later calls). */
  async use(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    this.choice[kind] = deviceId;
    if (this.#track(kind) && !(kind === 'video' && this.state.sharing)) await this.#acquire(kind, deviceId);
  }

  /** Shows the screen instead of the camera, or goes back to the camera. */
  async share(on: boolean): Promise<void> {
    if (on === this.state.sharing || !this.#track('video')) return;
    if (on) {
      const t = await this.#host.getTrack?.('screen');
      if (!t) return;
      this.state = { ...this.state, sharing: true };
      return this.#swap('video', t);
    }
    this.state = { ...this.state, sharing: false };
    if (!(await this.#acquire('video', this.choice.video))) this.#lose('video');
  }

  /** Devices came or went: a kind left on the default follows a new system default. */
  async devicesChanged(): Promise<void> {
    for (const kind of ['audio', 'video'] as const) {
      const now = this.#track(kind);
      if (!now || this.choice[kind] || (kind === 'video' && this.state.sharing)) continue;
      const t = await this.#host.getTrack?.(kind).catch(() => undefined);
      if (t?.label === now.label) t?.stop();
      else if (t) await this.#swap(kind, t);
    }
  }

  async #acquire(kind: 'audio' | 'video', deviceId?: string): Promise<boolean> {
    try {
      const t = await this.#host.getTrack?.(kind, deviceId);
      if (t) await this.#swap(kind, t);
      return !!t;
    } catch (err) {
      this.#host.log('device', err);
      return false;
    }
  }

  async #swap(kind: 'audio' | 'video', t: TrackLike): Promise<void> {
    const s = this.#host.stream();
    if (!s) return t.stop(); // the call ended meanwhile
    const old = this.#track(kind);
    t.enabled = kind === 'audio' ? !this.state.muted : this.state.sharing || !this.state.cameraOff;
    await this.#host.replace(kind, t);
    if (old) {
      old.onended = null;
      s.removeTrack?.(old);
      old.stop();
    }
    s.addTrack(t);
    this.#watch(t);
    if (this.lost === kind) this.lost = null;
    this.#host.changed();
  }

  #watch(t: TrackLike): void {
    t.onended = () => void this.#ended(t);
  }

  /** Unplugged, permission revoked, or the browser's "Stop sharing": the default device, or words. */
  async #ended(t: TrackLike): Promise<void> {
    const kind = t.kind as 'audio' | 'video';
    if (this.#track(kind) !== t) return;
    if (kind === 'video' && this.state.sharing) return this.share(false);
    delete this.choice[kind];
    if (!(await this.#acquire(kind))) this.#lose(kind);
  }

  #lose(kind: 'audio' | 'video'): void {
    this.lost = kind;
    this.#host.changed();
  }
}
