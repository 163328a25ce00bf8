/**
 * The in-process cache behind `GET /presence`: a room's counts are looked up at most once per
 * `ttlMs` on this node however many ask, and while a lookup is running every request for that
 * room waits for the same one (so 10,000 requests a second for one room cost one lookup each
 * `ttlMs`). Bounded: past `maxRooms` the oldest entry goes. A failed lookup is not cached.
 */

export interface Cached<V> {
  value: V;
  /** When the lookup that produced it finished (ms, the cache's clock). */
  at: number;
}

export class SingleFlightCache<V> {
  private readonly entries = new Map<string, Cached<V>>();
  private readonly running = new Map<string, Promise<Cached<V>>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxRooms: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The fresh entry for `key`, if there is one (a hit costs a Map lookup). */
  fresh(key: string): Cached<V> | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() - e.at < this.ttlMs) return e;
    this.entries.delete(key);
    return undefined;
  }

  /** Whether a lookup of `key` is running now (a request joining it costs no new work). */
  pending(key: string): boolean {
    return this.running.has(key);
  }

  /** The fresh entry, or the running lookup's, or a new lookup with `load`. */
  get(key: string, load: () => Promise<V>): Promise<Cached<V>> {
    const hit = this.fresh(key);
    if (hit) return Promise.resolve(hit);
    const run = this.running.get(key);
    if (run) return run;
    const p = load().then(
      (value) => {
        this.running.delete(key);
        const e = { value, at: this.now() };
        this.store(key, e);
        return e;
      },
      (err: unknown) => {
        this.running.delete(key);
        throw err;
      },
    );
    this.running.set(key, p);
    return p;
  }

  private store(key: string, e: Cached<V>): void {
    this.entries.delete(key); // re-inserted last: Map order is age order
    if (this.entries.size >= this.maxRooms) {
      // Expired ones first; if none, the oldest.
      const now = this.now();
      for (const [k, old] of this.entries) {
        if (now - old.at >= this.ttlMs) this.entries.delete(k);
        else break; // the rest are younger
      }
      if (this.entries.size >= this.maxRooms) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, e);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A set of keys remembered until a time each, bounded (oldest out): tokens already checked. */
export class ExpiringSet {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  add(key: string, untilMs: number): void {
    this.until.delete(key);
    if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value!);
    this.until.set(key, untilMs);
  }
}
