/** A manual clock for timer-driven core logic: timers run when a test advances time, in due order. */
import type { Timers } from '../../src/core/platform.js';
import { settle } from './fakes.js';

export class FakeClock implements Timers {
  now = 0;
  #next = 0;
  readonly #due = new Map<number, { at: number; fn: () => void }>();

  setTimer = (fn: () => void, ms: number): number => {
    this.#due.set(++this.#next, { at: this.now + ms, fn });
    return this.#next;
  };

  clearTimer = (h: unknown): void => void this.#due.delete(h as number);

  /** Moves time on by `ms`, running each timer that falls due (and the async steps it starts). */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const [id, t] = [...this.#due].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (!t) break;
      this.#due.delete(id!);
      this.now = t.at;
      t.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }

  /** Delays of the timers still pending. */
  pending(): number[] {
    return [...this.#due.values()].map((t) => t.at - this.now);
  }
}
