/**
 * How much one socket may make a room ring (docs/relay.md, "Limits"). A call request is one
 * message but rings every member who takes calls, and its cancel reaches them all again: the
 * message rate limit alone let one socket ring a 45-member room 25 times a second. So, per socket:
 *
 * - call requests (v2 requests, v1 `ready`s that ring): a burst of `burst`, then `perMinute`,
 *   never two within `minGapMs`: a desk is rung by one caller at most about once a second, and a
 *   visitor who calls, hangs up and calls again is not refused;
 * - fan-out: every delivery its requests and its v1 room-wide messages make counts against it,
 *   the room size per second (at least the message rate), so a big room costs the sender more.
 *
 * Presence, which those changes also send to the whole room, is coalesced per room (calls/presence-runs.ts).
 * The state lives beside the socket (a WeakMap: gone with it); the time is fed in, for tests.
 */
import { TokenBucket } from './limits.js';
import type { RelayOptions } from '../config/options.js';

export interface RingLimitOptions {
  callRequests: RelayOptions['callRequests'];
  /** Deliveries per second one socket's fan-out may cost, and its burst. */
  fanOut: { perSecond: number; burst: number };
}

/** The fan-out budget for a relay's options: a full room's ring per second, and never below the message rate. */
export const fanOutFor = (o: Pick<RelayOptions, 'roomMembers' | 'rateLimit'>): RingLimitOptions['fanOut'] => ({
  perSecond: Math.max(o.roomMembers, o.rateLimit.perSecond),
  burst: Math.max(o.roomMembers, o.rateLimit.burst),
});

interface SocketBudget {
  requests: TokenBucket;
  fanOut: TokenBucket;
  /** When its last request was let through (ms). */
  lastRequest: number;
}

export class RingLimits {
  private readonly budgets = new WeakMap<object, SocketBudget>();

  constructor(private readonly o: RingLimitOptions) {}

  private budget(socket: object, now: number): SocketBudget {
    let b = this.budgets.get(socket);
    if (!b) {
      const { callRequests: r, fanOut: f } = this.o;
      b = { requests: new TokenBucket(r.perMinute / 60, r.burst, now), fanOut: new TokenBucket(f.perSecond, f.burst, now), lastRequest: -Infinity };
      this.budgets.set(socket, b);
    }
    return b;
  }

  /**
   * May `socket` place a call request that rings `rings` members now? null when it may (its
   * budgets are charged), else why not (nothing is charged).
   */
  request(socket: object, rings: number, now: number): string | null {
    const b = this.budget(socket, now);
    const { callRequests: r, fanOut: f } = this.o;
    // A room larger than the burst still rings (at the price of a whole burst).
    const cost = Math.min(rings, f.burst);
    // A refused request costs nothing: every budget is looked at before any is charged.
    if (now - b.lastRequest < r.minGapMs) return `call requests at most one per ${r.minGapMs / 1000} s; nobody was rung`;
    if (b.requests.available(now) < 1) return `more than ${r.perMinute} call requests a minute (bursts of ${r.burst}); nobody was rung`;
    if (b.fanOut.available(now) < cost) return `this request would ring ${rings} members, more than your ${f.perSecond} deliveries a second allow now; nobody was rung`;
    b.requests.take(now);
    b.fanOut.take(now, cost);
    b.lastRequest = now;
    return null;
  }

  /** May `socket` send one message to `deliveries` members now (a v1 message outside calls)? Charged when it may. */
  deliver(socket: object, deliveries: number, now: number): boolean {
    return this.budget(socket, now).fanOut.take(now, deliveries);
  }
}
