/**
 * The relay's limits as small pure pieces, each fed the time (`now`, ms) so tests drive them:
 * a token bucket, a sliding count of refusals, a socket's outgoing bytes, and the book of client
 * addresses (sockets open, handshakes per second, TURN mints) that decides `too-many`.
 * limits/guard.ts wires them to the Socket.IO engine; signaling.ts to each socket.
 */

/** `rate` tokens per second up to `burst`, refilled lazily when taken from. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }

  /** Takes `n` tokens (one by default) if there are that many; else takes none. */
  take(now: number, n = 1): boolean {
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Tokens there are now (a fraction counts for nothing). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Back to its burst: forgetting it changes nothing. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** `limit` events within `windowMs` (a sliding window: the last `limit` times, in a ring). */
export class Strikes {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Float64Array(limit);
  }

  /** One more at `now`; true when it makes `limit` within the window. */
  hit(now: number): boolean {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    if (this.count < this.limit) this.count++;
    if (this.count < this.limit) return false;
    // The slot after this one holds the oldest of the last `limit` (this one included).
    return now - this.times[this.next]! <= this.windowMs;
  }
}

/**
 * Bytes a socket has waiting to go out: what the engine queued since its last flush plus what
 * its transport still holds (`inTransport`). Every packet counts at least PACKET_OVERHEAD bytes
 * (its object and envelope), so many tiny ones are bounded too.
 */
export const PACKET_OVERHEAD = 64;

export class Outbox {
  private queued = 0;

  constructor(private readonly maxBytes: number) {}

  /** A packet of `size` was queued; true when what waits is now over the bound. */
  add(size: number, inTransport: number): boolean {
    this.queued += Math.max(size, PACKET_OVERHEAD);
    return this.queued + inTransport > this.maxBytes;
  }

  /** The engine handed its queue to the transport. */
  flushed(): void {
    this.queued = 0;
  }
}

export interface AddressLimits {
  /** Sockets one address may hold open (MAX_SOCKETS_PER_ADDRESS). */
  maxSocketsPerAddress: number;
  /** New sockets per second per address (HANDSHAKES_PER_SECOND); bursts up to maxSocketsPerAddress. */
  handshakesPerSecond: number;
  /** Sockets this relay node holds in all (MAX_SOCKETS). */
  maxSockets: number;
  /** TURN credentials minted per minute per address (sockets' `ice` requests and GET /ice-servers). */
  mintsPerMinute: number;
}

export type Admission =
  | { ok: true }
  | {
      ok: false;
      message: string;
      /**
       * Tell the client `too-many` with a Socket.IO `connect_error` (which costs an engine socket for
       * a moment) rather than a bare HTTP refusal of the handshake: the first few refusals of an
       * address in a while are told, a flood is not.
       */
      tell: boolean;
    };

/** Told refusals per address: a burst of this many, then one per NOTICE_EVERY_MS. */
const NOTICE_BURST = 5;
const NOTICE_EVERY_MS = 5000;

interface Entry {
  sockets: number;
  handshakes: TokenBucket;
  notices: TokenBucket;
  mints: TokenBucket;
  seen: number;
}

/** Every client address the relay has seen lately: what it holds and what it may still do. */
export class AddressBook {
  private readonly entries = new Map<string, Entry>();
  /** After this long without news an entry's buckets are full again: forgetting it changes nothing. */
  private readonly forgetMs: number;

  constructor(private readonly limits: AddressLimits) {
    this.forgetMs =
      1000 *
      Math.max(
        limits.maxSocketsPerAddress / limits.handshakesPerSecond,
        (NOTICE_BURST * NOTICE_EVERY_MS) / 1000,
        Math.max(limits.maxSocketsPerAddress, limits.mintsPerMinute) / (limits.mintsPerMinute / 60),
      );
  }

  private entry(key: string, now: number): Entry {
    let e = this.entries.get(key);
    if (!e) {
      const { maxSocketsPerAddress: burst, handshakesPerSecond, mintsPerMinute } = this.limits;
      e = {
        sockets: 0,
        handshakes: new TokenBucket(handshakesPerSecond, burst, now),
        notices: new TokenBucket(1000 / NOTICE_EVERY_MS, NOTICE_BURST, now),
        // Every credential counts, client-id's too: past a minute's worth, an address's new
        // sockets get STUN only until it refills (signaling.ts), however many sockets it may open.
        mints: new TokenBucket(mintsPerMinute / 60, mintsPerMinute, now),
        seen: now,
      };
      this.entries.set(key, e);
    }
    e.seen = now;
    return e;
  }

  /** May `key` open one more socket now, the relay holding `total`? (Takes a handshake token when it may.) */
  admit(key: string, total: number, now: number): Admission {
    const e = this.entry(key, now);
    const { maxSockets, maxSocketsPerAddress, handshakesPerSecond } = this.limits;
    let message: string | undefined;
    if (total >= maxSockets) message = `this relay holds its maximum of ${maxSockets} sockets; retry later`;
    else if (e.sockets >= maxSocketsPerAddress) message = `your address holds its maximum of ${maxSocketsPerAddress} sockets; close one or retry later`;
    else if (!e.handshakes.take(now)) message = `more than ${handshakesPerSecond} new sockets per second from your address; retry later`;
    if (message === undefined) return { ok: true };
    return { ok: false, message, tell: e.notices.take(now) };
  }

  /** A socket of `key` opened (it was admitted). */
  opened(key: string, now: number): void {
    this.entry(key, now).sockets++;
  }

  /** A socket of `key` closed. */
  closed(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.sockets = Math.max(0, e.sockets - 1);
    e.seen = now;
  }

  /** May `key` have one more TURN credential now? */
  mint(key: string, now: number): boolean {
    return this.entry(key, now).mints.take(now);
  }

  /** Sockets `key` holds. */
  sockets(key: string): number {
    return this.entries.get(key)?.sockets ?? 0;
  }

  /** Forgets addresses with no socket and nothing to remember; returns how many are left. */
  sweep(now: number): number {
    for (const [key, e] of this.entries) if (e.sockets === 0 && now - e.seen > this.forgetMs) this.entries.delete(key);
    return this.entries.size;
  }

  get size(): number {
    return this.entries.size;
  }
}
