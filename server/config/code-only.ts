/**
 * The options only code may set (buildRelay / relayPlugin): tuning for tests, embedders and limits
 * an operator has no reason to change. docs/relay.md names each in "Using it from code".
 */
import { LIMITS } from '../../src/protocol/index.js';
import { REJOIN_MS, RING_EXPIRY_MS } from '../calls/rules.js';
import { check } from './parsers.js';
import { option, optional } from './rows.js';

/**
 * Decides whether a handshake may join `room`. `token` is the client's `auth.token`
 * (undefined when it sent none). Throwing or resolving false refuses with `unauthorized`.
 */
export type Authorize = (token: string | undefined, room: string) => boolean | Promise<boolean>;

/** How webhook events are delivered (server/webhooks/). */
export interface WebhookDelivery {
  /** An attempt with no answer after this is a failure (ms). */
  timeoutMs: number;
  /** Exponential backoff from baseMs up to maxMs between attempts; an event is given up maxAgeMs after it was queued. */
  retry: { baseMs: number; maxMs: number; maxAgeMs: number };
  /** How often each node looks for due events (ms). */
  pollMs: number;
  /** A node's hold on an event it is sending; after this another node may send it (a killed node's events come due again). */
  leaseMs: number;
  /** Events in flight at once per node. */
  concurrency: number;
  /** call.ended waits this long after the call ended for both sides' summaries (ms). */
  summaryWaitMs: number;
}

const positiveMs = check<number>('a positive integer of milliseconds', (v) => Number.isInteger(v) && v >= 1);

export const CODE_ONLY = {
  authorize: optional({
    parser: check<Authorize>('a function (token, room) => boolean', (v) => typeof v === 'function'),
    doc: 'room authorization for plugin users: false or a throw refuses the handshake `unauthorized`',
  }),
  rateLimit: option({
    parser: check<{ perSecond: number; burst: number }>('perSecond > 0 and burst >= 1', (v) => v.perSecond > 0 && v.burst >= 1),
    default: { perSecond: LIMITS.messagesPerSecond, burst: LIMITS.messageBurst },
    doc: "each socket's token bucket of messages",
  }),
  shutdownGraceMs: option({
    parser: check<number>('a non-negative number of milliseconds', (v) => typeof v === 'number' && v >= 0),
    default: 100,
    doc: 'between telling clients `shutting-down` and closing their sockets',
  }),
  socketPath: option({ parser: check<string>('a path like /socket.io', (v) => typeof v === 'string' && v.startsWith('/')), default: '/socket.io', doc: 'the Socket.IO path' }),
  redisHeartbeatMs: optional({ parser: positiveMs, doc: "this node's heartbeat in Redis (default 1000): a killed node's peers hear `peer-left` within ~4 heartbeats" }),
  ringExpiryMs: option({ parser: positiveMs, default: RING_EXPIRY_MS, doc: 'an unanswered call request closes on the relay after this long' }),
  rejoinMs: option({ parser: positiveMs, default: REJOIN_MS, doc: 'a bound call whose side left waits this long for it to rejoin' }),
  expiredTokenGraceS: option({
    parser: check<number>('a non-negative integer of seconds', (v) => Number.isInteger(v) && v >= 0),
    default: 3600,
    doc: 'a token this many seconds past its `exp` no longer rejoins even its own call',
  }),
  publicMetrics: option({
    parser: check<boolean>('true or false', (v) => typeof v === 'boolean'),
    default: false,
    doc: '`GET /metrics` on the app\'s own listener with no token (for an app that guards it itself, and tests)',
  }),
  iceMintsPerMinute: option({
    parser: check<{ socket: number; address: number }>('socket >= 1 and address >= 1', (v) => v.socket >= 1 && v.address >= 1),
    default: { socket: 6, address: 120 },
    doc: 'TURN credentials minted per minute: per socket (`ice` requests, after the one in client-id) and per client address',
  }),
  maxBufferedBytes: option({
    parser: check<number>('at least 65536 (a whole frame)', (v) => typeof v === 'number' && v >= 64 * 1024),
    default: 1024 * 1024,
    doc: 'a socket with more than this many bytes waiting to go out is dropped `slow-consumer`',
  }),
  rateLimitStrikes: option({
    parser: check<{ count: number; windowMs: number }>('count >= 1 and windowMs > 0', (v) => Number.isInteger(v.count) && v.count >= 1 && v.windowMs > 0),
    default: { count: 20, windowMs: 10_000 },
    doc: 'this many `rate-limited` refusals of one socket within windowMs drop it `slow-consumer`',
  }),
  callRequests: option({
    parser: check<{ perMinute: number; burst: number; minGapMs: number }>(
      'perMinute > 0, burst >= 1 and minGapMs >= 0',
      (v) => v.perMinute > 0 && v.burst >= 1 && v.minGapMs >= 0,
    ),
    default: { perMinute: 6, burst: 3, minGapMs: 1000 },
    doc: 'call requests one socket may place (each ring of the room, v1 `ready` too): a burst, then perMinute, never two within minGapMs; past it `rate-limited` with `type: "ready"`, nobody rung',
  }),
  webhookDelivery: option({
    parser: check<WebhookDelivery>(
      'positive times, retry.maxMs >= retry.baseMs, leaseMs > timeoutMs, concurrency >= 1',
      (w) =>
        w.timeoutMs > 0 && w.retry.baseMs > 0 && w.retry.maxMs >= w.retry.baseMs && w.retry.maxAgeMs > 0 && w.pollMs > 0 && w.leaseMs > w.timeoutMs && w.concurrency >= 1 && w.summaryWaitMs >= 0,
    ),
    default: { timeoutMs: 10_000, retry: { baseMs: 1000, maxMs: 600_000, maxAgeMs: 24 * 3600_000 }, pollMs: 500, leaseMs: 30_000, concurrency: 8, summaryWaitMs: 5000 },
    doc: 'how webhook events are delivered: timeout per attempt, retries with backoff, polling, the lease of a node sending one, concurrency, and how long call.ended waits for both summaries',
  }),
};
