/**
 * The ONE polling helper and the ONE room-name helper of every suite (node:test, the element
 * tests in Chromium, e2e). DOM-free and Node-free: it runs on both sides.
 */

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a truthy value and resolves with it; after `timeoutMs` throws
 * with `what` and the last value (or the last error the probe threw).
 */
export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T> | T, { timeoutMs = 30_000, intervalMs = 50 }: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${String(lastError)})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let n = 0;
/** A room name no other test uses (valid under ROOM_PATTERN): `prefix-<time>-<n>`. */
export const uniqueRoom = (prefix = 'room'): string => `${prefix}-${Date.now().toString(36)}-${(++n).toString(36)}`;
