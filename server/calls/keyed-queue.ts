/**
 * Tasks that run one at a time per key (a room), in the order they were queued; tasks of
 * different keys do not wait for each other. A key's chain is dropped once it is idle, so the
 * map holds only keys with work in flight.
 */
export class KeyedQueue {
  readonly #chains = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#chains.get(key) ?? Promise.resolve()).then(fn);
    // The chain goes on whatever a task did: a failure is the caller's to handle, not the next task's.
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return run;
  }

  /** Settles once every task queued so far has run. */
  idle(): Promise<void> {
    return Promise.all(this.#chains.values()).then(() => undefined);
  }
}
