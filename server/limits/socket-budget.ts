/**
 * Each socket's own budgets (docs/relay.md, "Limits"): its messages a second (a token bucket
 * refilled lazily on each message), its rate-limit refusals lately (too many end it
 * `slow-consumer`), and its TURN credentials a minute (on top of its address's, limits/guard.ts).
 * The state is a few numbers on the socket's relay state (calls/socket-state.ts); the rules
 * for spending it are here, made once per node.
 */
import type { RelayOptions } from '../config/options.js';
import { Strikes, TokenBucket } from './limits.js';

/** What one socket has left; its fields are all it costs (no closures per socket). */
export class SocketBudget {
  /** Message tokens, refilled lazily on each message. */
  tokens: number;
  last = Date.now();
  /** Its rate-limit refusals lately (made at the first). */
  strikes: Strikes | undefined;
  /**
   * Its budget of TURN credentials, made at its first `ice` request; until then `firstMint` says
   * when client-id's credentials were minted (the bucket is made as if that token was taken then:
   * a v2 socket that never asks again costs no bucket).
   */
  mints: TokenBucket | undefined;
  firstMint = 0;

  constructor(burst: number) {
    this.tokens = burst;
  }
}

export class SocketBudgets {
  readonly burst: number;
  private readonly perMs: number;
  private readonly mintsPerMinute: number;
  readonly strikeCount: number;
  readonly strikeWindowMs: number;
  /** The refusals' wording. */
  readonly overRate: string;
  readonly overMints: string;

  constructor(
    rateLimit: { perSecond: number; burst: number },
    limits: Pick<RelayOptions, 'iceMintsPerMinute' | 'rateLimitStrikes'>,
    /** One credential from the socket's address's budget (limits/guard.ts mintFor). */
    private readonly addressMint: (conn: object) => boolean,
  ) {
    this.perMs = rateLimit.perSecond / 1000;
    this.burst = rateLimit.burst;
    this.overRate = `more than ${rateLimit.perSecond} messages/s; dropped`;
    this.mintsPerMinute = limits.iceMintsPerMinute.socket;
    this.overMints = `more than ${this.mintsPerMinute} ICE configurations a minute for this socket or ${limits.iceMintsPerMinute.address} for your address; ask again later`;
    this.strikeCount = limits.rateLimitStrikes.count;
    this.strikeWindowMs = limits.rateLimitStrikes.windowMs;
  }

  /** Takes one of the socket's message tokens (its bucket refilled lazily). */
  take(b: SocketBudget, now: number): boolean {
    b.tokens = Math.min(this.burst, b.tokens + (now - b.last) * this.perMs);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Counts a rate-limit refusal: true when it was one too many (the socket ends `slow-consumer`). */
  strike(b: SocketBudget, now: number): boolean {
    return (b.strikes ??= new Strikes(this.strikeCount, this.strikeWindowMs)).hit(now);
  }

  /** One TURN credential for the socket, if its own budget and its address's allow (each takes from both). */
  mint(b: SocketBudget, conn: object, now: number): boolean {
    if (!b.mints) {
      // The first (client-id's) is never refused by its own budget (a full bucket): remember when, make no bucket yet.
      if (b.firstMint === 0) return (b.firstMint = now), this.addressMint(conn);
      b.mints = new TokenBucket(this.mintsPerMinute / 60, this.mintsPerMinute, b.firstMint);
      b.mints.take(b.firstMint);
    }
    // Its own budget first: a socket past it takes nothing from its address's.
    return b.mints.take(now) && this.addressMint(conn);
  }
}
