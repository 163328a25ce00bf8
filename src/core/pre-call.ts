/**
 * The pre-call check's media: the camera and microphone opened before the call (with the
 * devices picked so far), shown to the person, then handed to the call as they are (one
 * getUserMedia, so one permission prompt), or stopped on Cancel. The Phone publishes the stream
 * as `snapshot.preview`; a device picked meanwhile switches it through LocalMedia.
 */
import { mediaErrorReason, stopStream } from './media.js';
import type { StreamLike } from './platform.js';
import type { CallKind, ErrorReason } from './state.js';

export interface PreCallHost<S extends StreamLike> {
  /** getUserMedia for `kind` with the devices picked so far. */
  open(kind: CallKind): Promise<S>;
  /** The stream shown now, or null. */
  shown(): S | null;
  /** Show this stream (null: none); `silent` when a publish follows. */
  show(stream: S | null, silent?: boolean): void;
  /** The browser refused (no permission, no device): the page says why. */
  failed(reason: ErrorReason): void;
}

export class PreCall<S extends StreamLike> {
  /** Bumped by every open and close: a getUserMedia that resolves after Cancel is stopped. */
  #seq = 0;
  #kind: CallKind | null = null;
  readonly #host: PreCallHost<S>;

  constructor(host: PreCallHost<S>) {
    this.#host = host;
  }

  async open(kind: CallKind): Promise<void> {
    this.close();
    const seq = ++this.#seq;
    try {
      const stream = await this.#host.open(kind);
      if (seq !== this.#seq) return stopStream(stream);
      this.#kind = kind;
      this.#host.show(stream);
    } catch (err) {
      if (seq === this.#seq) this.#host.failed(mediaErrorReason(err));
    }
  }

  /** Cancel: the tracks stop. */
  close(): void {
    this.#seq++;
    const p = this.#host.shown();
    if (!p) return;
    stopStream(p);
    this.#host.show(null);
  }

  /** The stream for a call of `kind` (the check closes, its tracks go on); null when none fits (a voice check for a video call). */
  take(kind: CallKind): S | null {
    const p = this.#host.shown();
    if (!p || this.#kind !== kind) return this.close(), null;
    this.#seq++;
    this.#host.show(null, true);
    return p;
  }
}
