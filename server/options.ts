/**
 * Relay configuration: the typed options `buildRelay()` takes, their defaults, and
 * `optionsFromEnv()` which turns the CLI's environment variables into them. Every
 * bad value is reported by name with what was expected, before anything listens.
 */
import { DEFAULT_ROOM, LIMITS, parseRoom } from '../src/protocol.js';
import { REJOIN_MS, RING_EXPIRY_MS } from './call-rules.js';
import { parseTrustProxy } from './limits-address.js';
import { MAX_TOKEN_TTL_RANGE, MIN_TOKEN_SECRET_LENGTH } from './tokens.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** TURN REST API settings (coturn `use-auth-secret` + `static-auth-secret`). */
export interface TurnOptions {
  /** `turn:` / `turns:` URLs handed to browsers. */
  urls: string[];
  /** The shared secret; it never leaves the relay, only HMACs of it do. */
  secret: string;
  /** Seconds a minted credential stays valid. */
  ttl: number;
}

/**
 * Decides whether a handshake may join `room`. `token` is the client's `auth.token`
 * (undefined when it sent none). Throwing or resolving false refuses with `unauthorized`.
 */
export type Authorize = (token: string | undefined, room: string) => boolean | Promise<boolean>;

export interface RelayOptions {
  /** TCP port for the CLI (0 = any free port). */
  port: number;
  /** Interface the CLI binds. */
  host: string;
  /** Room for clients that name none (the tutorial's client). */
  defaultRoom: string;
  /** Members per room (sockets present, idle or in a call); the next one gets `room-full`. */
  roomMembers: number;
  /** @deprecated Protocol 1's name for roomMembers (rooms were pairs then); roomMembers wins when both are given. */
  roomSize?: number;
  /** TURN with ephemeral credentials, or undefined for none. */
  turn?: TurnOptions;
  /** `stun:` URLs handed to browsers (none by default: no third party is contacted unless configured). */
  stunUrls: string[];
  /** `relay` forces media through TURN (needs `turn`). */
  iceTransportPolicy: 'all' | 'relay';
  /** Origins allowed for Socket.IO, `/ice-servers` and the bundle; '*' = any. */
  allowedOrigins: '*' | string[];
  logLevel: LogLevel;
  /** Optional room authorization for plugin users (not settable from env). */
  authorize?: Authorize;
  /** Per-socket token bucket; defaults to LIMITS.messagesPerSecond / LIMITS.messageBurst. */
  rateLimit: { perSecond: number; burst: number };
  /** Milliseconds between telling clients `shutting-down` and closing their sockets. */
  shutdownGraceMs: number;
  /** Socket.IO path (default `/socket.io`). */
  socketPath: string;
  /** Redis URL for the multi-node adapter (issue 5); undefined = in-memory, one process. */
  redisUrl?: string;
  /** Node heartbeat in Redis (ms, default 1000): a killed node's peers hear `peer-left` within ~4 heartbeats. */
  redisHeartbeatMs?: number;
  /** An unanswered call request closes on the relay after this long (ms, default 120000; not settable from env). */
  ringExpiryMs: number;
  /** A bound call whose side left waits this long for it to rejoin (ms, default 30000; not settable from env). */
  rejoinMs: number;
  /** TOKEN_SECRET: every handshake needs a JWT signed HS256 with it (server/tokens.ts); undefined = an open relay. */
  tokenSecret?: string;
  /** MAX_TOKEN_TTL: a token whose `exp` is more than this many seconds from now is refused (default 86400). */
  maxTokenTtl: number;
  /** A token this many seconds past its `exp` no longer rejoins even its own call (default 3600; not settable from env). */
  expiredTokenGraceS: number;
  /** REJOIN_SECRET: the rejoin keys' HMAC secret (server/rejoin-keys.ts); default derived from TOKEN_SECRET, else TURN_SECRET, else shared through Redis, else random per process. */
  rejoinSecret?: string;
  /** METRICS_PORT: `GET /metrics` on a listener of its own (0 = any free port); undefined = none. */
  metricsPort?: number;
  /** METRICS_HOST: the interface of that listener (default 127.0.0.1). */
  metricsHost: string;
  /** METRICS_TOKEN: `GET /metrics` needs `Authorization: Bearer <it>`; on the public listener unless metricsPort is set. */
  metricsToken?: string;
  /** `GET /metrics` on the app's own listener with no token (not settable from env: for an app that guards it itself, and tests). */
  publicMetrics: boolean;
  /** DEMO: serve the demo page at `/`; default on, off when NODE_ENV=production (the bundle is served either way). */
  demo: boolean;
  // ---- connection limits (server/limits*.ts; docs/relay.md, "Limits") ----
  /** MAX_SOCKETS_PER_ADDRESS: sockets one client address may hold on this node; the next is refused `too-many`. */
  maxSocketsPerAddress: number;
  /** HANDSHAKES_PER_SECOND: new sockets per second per client address (bursts up to maxSocketsPerAddress). */
  handshakesPerSecond: number;
  /** MAX_SOCKETS: sockets this node holds in all. */
  maxSockets: number;
  /** TRUST_PROXY: proxies whose X-Forwarded-For names the client (addresses, CIDRs, `loopback`); none by default. */
  trustProxy: string[];
  /** PUBLIC_ICE_SERVERS: serve `GET /ice-servers`; default on, off when tokens are required (tokenSecret). */
  publicIceServers: boolean;
  /** TURN credentials minted per minute: per socket (`ice` requests, after the one in client-id) and per client address (not settable from env). */
  iceMintsPerMinute: { socket: number; address: number };
  /** A socket with more than this many bytes waiting to go out is dropped `slow-consumer` (default 1 MiB; not settable from env). */
  maxBufferedBytes: number;
  /** This many `rate-limited` refusals of one socket within windowMs drop it `slow-consumer` (default 20 in 10 s; not settable from env). */
  rateLimitStrikes: { count: number; windowMs: number };
  // ---- webhooks (server/webhooks/; docs/relay.md, "Webhooks") ----
  /** WEBHOOK_URL: http(s) endpoints (comma-separated) that receive the signed call events; none by default. */
  webhookUrls: string[];
  /** WEBHOOK_SECRET: the Standard Webhooks signing secret, `whsec_` + base64 of at least 24 bytes; required with webhookUrls. */
  webhookSecret?: string;
  /** How events are delivered (not settable from env): timeout per attempt, retries, polling, leases. */
  webhookDelivery: WebhookDelivery;
}

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

export const DEFAULT_OPTIONS: RelayOptions = {
  port: 8080,
  host: '127.0.0.1',
  defaultRoom: DEFAULT_ROOM,
  roomMembers: LIMITS.defaultRoomMembers,
  stunUrls: [],
  iceTransportPolicy: 'all',
  allowedOrigins: '*',
  logLevel: 'info',
  rateLimit: { perSecond: LIMITS.messagesPerSecond, burst: LIMITS.messageBurst },
  shutdownGraceMs: 100,
  socketPath: '/socket.io',
  ringExpiryMs: RING_EXPIRY_MS,
  rejoinMs: REJOIN_MS,
  maxTokenTtl: MAX_TOKEN_TTL_RANGE.default,
  expiredTokenGraceS: 3600,
  metricsHost: '127.0.0.1',
  publicMetrics: false,
  demo: true,
  maxSocketsPerAddress: 100,
  handshakesPerSecond: 20,
  maxSockets: 10_000,
  trustProxy: [],
  publicIceServers: true,
  iceMintsPerMinute: { socket: 6, address: 120 },
  maxBufferedBytes: 1024 * 1024,
  rateLimitStrikes: { count: 20, windowMs: 10_000 },
  webhookUrls: [],
  webhookDelivery: {
    timeoutMs: 10_000,
    retry: { baseMs: 1000, maxMs: 600_000, maxAgeMs: 24 * 3600_000 },
    pollMs: 500,
    leaseMs: 30_000,
    concurrency: 8,
    summaryWaitMs: 5000,
  },
};

/** `whsec_` and the base64 of a key of at least 24 bytes (Standard Webhooks' secrets). */
export const isWebhookSecret = (s: unknown): s is string =>
  typeof s === 'string' && /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.slice(6), 'base64').length >= 24;

const webhookUrl = (name: string, u: string): string => {
  let url: URL | undefined;
  try {
    url = new URL(u);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return fail(name, redactUrl(u), 'comma-separated http:// or https:// URLs');
  return u;
};

/** Bounds shared by env parsing and programmatic validation. */
export const MAX_ROOM_MEMBERS = 1000;
/** TURN_TTL: an hour by default (a leaked credential is worth little for long); the widget refreshes before expiry. */
export const TURN_TTL_RANGE = { min: 60, max: 7 * 24 * 3600, default: 3600 } as const;
/** Bounds of the connection limits. */
export const LIMIT_RANGES = {
  maxSocketsPerAddress: [1, 1_000_000],
  handshakesPerSecond: [1, 1_000_000],
  maxSockets: [1, 10_000_000],
} as const;

/** Bearer tokens for /metrics: long enough not to be guessed. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** `url` with its password (and user name) replaced: what a log line or an error may say of REDIS_URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !u.username) return url;
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: anything between `//` and `@` may be a password.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const fail = (name: string, value: unknown, expected: string): never => {
  throw new ConfigError(`${name}=${JSON.stringify(value)} is not valid: expected ${expected}`);
};

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const int = (name: string, v: string, min: number, max: number): number => {
  if (!/^\d+$/.test(v.trim())) return fail(name, v, `an integer ${min}..${max}`);
  const n = Number(v);
  if (n < min || n > max) return fail(name, v, `an integer ${min}..${max}`);
  return n;
};

const iceUrls = (name: string, urls: string[], schemes: string[]): string[] => {
  for (const u of urls) {
    const scheme = u.slice(0, u.indexOf(':'));
    // host[:port][?transport=udp|tcp]; RFC 7064/7065 URIs have no `//`.
    if (!schemes.includes(scheme) || !/^[a-z]+:[^\s/?#]+(\?transport=(udp|tcp))?$/.test(u))
      fail(name, u, `comma-separated ${schemes.join(':/')}: URLs like ${schemes[0]}:host:port`);
  }
  return urls;
};

const origins = (name: string, v: string[]): '*' | string[] => {
  if (v.length === 0 || v.includes('*')) return '*';
  return v.map((o) => {
    let origin: string;
    try {
      origin = new URL(o).origin;
    } catch {
      return fail(name, o, 'comma-separated origins like https://shop.example (scheme://host[:port]) or *');
    }
    if (origin !== o.replace(/\/$/, '') || origin === 'null')
      return fail(name, o, 'an origin only (scheme://host[:port], no path)');
    return origin;
  });
};

/** Fills defaults and checks the combination; throws ConfigError with a sentence on bad input. */
export function resolveOptions(partial: Partial<RelayOptions> = {}): RelayOptions {
  const { roomSize, ...rest } = partial;
  const o: RelayOptions = { ...DEFAULT_OPTIONS, ...rest };
  if (partial.roomMembers === undefined && roomSize !== undefined) o.roomMembers = roomSize;
  // The demo page is for trying the relay out: a production deployment serves it only when asked.
  if (partial.demo === undefined) o.demo = process.env.NODE_ENV !== 'production';
  if (parseRoom(o.defaultRoom, '') !== o.defaultRoom) fail('defaultRoom', o.defaultRoom, 'a room name matching ROOM_PATTERN');
  if (!Number.isInteger(o.roomMembers) || o.roomMembers < 2 || o.roomMembers > MAX_ROOM_MEMBERS)
    fail(partial.roomMembers === undefined && roomSize !== undefined ? 'roomSize' : 'roomMembers', o.roomMembers, `an integer 2..${MAX_ROOM_MEMBERS}`);
  for (const k of ['ringExpiryMs', 'rejoinMs'] as const) if (!Number.isInteger(o[k]) || o[k] < 1) fail(k, o[k], 'a positive integer of milliseconds');
  if (o.turn) {
    if (o.turn.urls.length === 0) fail('turn.urls', o.turn.urls, 'at least one turn: URL');
    if (!o.turn.secret) fail('turn.secret', '', 'a non-empty shared secret');
    if (!Number.isInteger(o.turn.ttl) || o.turn.ttl < TURN_TTL_RANGE.min || o.turn.ttl > TURN_TTL_RANGE.max)
      fail('turn.ttl', o.turn.ttl, `seconds ${TURN_TTL_RANGE.min}..${TURN_TTL_RANGE.max}`);
  }
  if (o.iceTransportPolicy !== 'all' && o.iceTransportPolicy !== 'relay')
    fail('iceTransportPolicy', o.iceTransportPolicy, 'all or relay');
  if (o.iceTransportPolicy === 'relay' && !o.turn)
    throw new ConfigError('ICE_TRANSPORT_POLICY=relay needs TURN (TURN_URLS and TURN_SECRET): without it no call can connect');
  if (!(LOG_LEVELS as readonly string[]).includes(o.logLevel)) fail('logLevel', o.logLevel, LOG_LEVELS.join('|'));
  if (!(o.rateLimit.perSecond > 0) || !(o.rateLimit.burst >= 1)) fail('rateLimit', o.rateLimit, 'perSecond > 0 and burst >= 1');
  // Secrets are named, never quoted.
  if (o.tokenSecret !== undefined && (typeof o.tokenSecret !== 'string' || o.tokenSecret.length < MIN_TOKEN_SECRET_LENGTH))
    throw new ConfigError(`tokenSecret (TOKEN_SECRET) is not valid: expected at least ${MIN_TOKEN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
  if (o.rejoinSecret !== undefined && (typeof o.rejoinSecret !== 'string' || o.rejoinSecret.length < MIN_TOKEN_SECRET_LENGTH))
    throw new ConfigError(`rejoinSecret (REJOIN_SECRET) is not valid: expected at least ${MIN_TOKEN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
  if (!Number.isInteger(o.maxTokenTtl) || o.maxTokenTtl < MAX_TOKEN_TTL_RANGE.min || o.maxTokenTtl > MAX_TOKEN_TTL_RANGE.max)
    fail('maxTokenTtl', o.maxTokenTtl, `seconds ${MAX_TOKEN_TTL_RANGE.min}..${MAX_TOKEN_TTL_RANGE.max}`);
  if (!Number.isInteger(o.expiredTokenGraceS) || o.expiredTokenGraceS < 0) fail('expiredTokenGraceS', o.expiredTokenGraceS, 'a non-negative integer of seconds');
  if (o.metricsToken !== undefined && (typeof o.metricsToken !== 'string' || o.metricsToken.length < MIN_METRICS_TOKEN_LENGTH))
    throw new ConfigError(`metricsToken (METRICS_TOKEN) is not valid: expected at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)`);
  if (o.metricsPort !== undefined && (!Number.isInteger(o.metricsPort) || o.metricsPort < 0 || o.metricsPort > 65535)) fail('metricsPort', o.metricsPort, 'an integer 0..65535');
  // Connection limits: GET /ice-servers hands credentials to anyone, so not where tokens are required, unless asked.
  if (partial.publicIceServers === undefined) o.publicIceServers = !o.tokenSecret;
  for (const [k, [min, max]] of Object.entries(LIMIT_RANGES) as [keyof typeof LIMIT_RANGES, readonly [number, number]][])
    if (!Number.isInteger(o[k]) || o[k] < min || o[k] > max) fail(k, o[k], `an integer ${min}..${max}`);
  try {
    parseTrustProxy(o.trustProxy);
  } catch (e) {
    throw new ConfigError(`trustProxy (TRUST_PROXY) is not valid: ${(e as Error).message}`);
  }
  if (!(o.iceMintsPerMinute.socket >= 1) || !(o.iceMintsPerMinute.address >= 1)) fail('iceMintsPerMinute', o.iceMintsPerMinute, 'socket >= 1 and address >= 1');
  if (!(o.maxBufferedBytes >= 64 * 1024)) fail('maxBufferedBytes', o.maxBufferedBytes, 'at least 65536 (a whole frame)');
  if (!Number.isInteger(o.rateLimitStrikes.count) || o.rateLimitStrikes.count < 1 || !(o.rateLimitStrikes.windowMs > 0))
    fail('rateLimitStrikes', o.rateLimitStrikes, 'count >= 1 and windowMs > 0');
  for (const u of o.webhookUrls) webhookUrl('webhookUrls', u);
  // The secret is named, never quoted.
  if (o.webhookSecret !== undefined && !isWebhookSecret(o.webhookSecret))
    throw new ConfigError('webhookSecret (WEBHOOK_SECRET) is not valid: expected whsec_ and the base64 of at least 24 random bytes (e.g. echo whsec_$(openssl rand -base64 32))');
  if (o.webhookUrls.length && !o.webhookSecret) throw new ConfigError('WEBHOOK_URL is set but WEBHOOK_SECRET is not: events are always signed');
  if (o.webhookSecret && !o.webhookUrls.length) throw new ConfigError('WEBHOOK_SECRET is set but WEBHOOK_URL is not: name the endpoint(s) that receive the events');
  const w = o.webhookDelivery;
  if (!(w.timeoutMs > 0 && w.retry.baseMs > 0 && w.retry.maxMs >= w.retry.baseMs && w.retry.maxAgeMs > 0 && w.pollMs > 0 && w.leaseMs > w.timeoutMs && w.concurrency >= 1 && w.summaryWaitMs >= 0))
    fail('webhookDelivery', w, 'positive times, retry.maxMs >= retry.baseMs, leaseMs > timeoutMs, concurrency >= 1');
  return o;
}

/**
 * Reads the relay's environment variables (the table in docs/relay.md). Unset or empty
 * variables take their defaults; anything else malformed throws a ConfigError naming it.
 */
export function optionsFromEnv(env: Record<string, string | undefined> = process.env): RelayOptions {
  const o: Partial<RelayOptions> = {};
  const get = (k: string): string | undefined => (env[k]?.trim() ? env[k]!.trim() : undefined);

  const port = get('PORT');
  if (port !== undefined) o.port = int('PORT', port, 0, 65535);
  const host = get('HOST');
  if (host !== undefined) o.host = host;
  const room = get('DEFAULT_ROOM');
  if (room !== undefined) o.defaultRoom = parseRoom(room, '') ?? fail('DEFAULT_ROOM', room, '1-64 characters of A-Z a-z 0-9 _ . : @ -');
  const members = get('ROOM_MEMBERS');
  const size = get('ROOM_SIZE'); // deprecated: protocol 1's pairs
  if (members !== undefined) o.roomMembers = int('ROOM_MEMBERS', members, 2, MAX_ROOM_MEMBERS);
  else if (size !== undefined) o.roomMembers = int('ROOM_SIZE', size, 2, MAX_ROOM_MEMBERS);

  const turnUrls = iceUrls('TURN_URLS', list(get('TURN_URLS')), ['turn', 'turns']);
  const secret = get('TURN_SECRET');
  const ttl = get('TURN_TTL');
  if (turnUrls.length && !secret)
    throw new ConfigError('TURN_URLS is set but TURN_SECRET is not: set the same secret as coturn\'s static-auth-secret (static TURN passwords are never sent to pages)');
  if (secret && !turnUrls.length) throw new ConfigError('TURN_SECRET is set but TURN_URLS is not: list the coturn URLs, e.g. turn:turn.example:3478');
  if (ttl !== undefined && !secret) throw new ConfigError('TURN_TTL is set but TURN is not configured (TURN_URLS, TURN_SECRET)');
  if (turnUrls.length && secret)
    o.turn = {
      urls: turnUrls,
      secret,
      ttl: ttl === undefined ? TURN_TTL_RANGE.default : int('TURN_TTL', ttl, TURN_TTL_RANGE.min, TURN_TTL_RANGE.max),
    };

  o.stunUrls = iceUrls('STUN_URLS', list(get('STUN_URLS')), ['stun', 'stuns']);
  const policy = get('ICE_TRANSPORT_POLICY');
  if (policy !== undefined) o.iceTransportPolicy = policy === 'all' || policy === 'relay' ? policy : fail('ICE_TRANSPORT_POLICY', policy, 'all or relay');
  o.allowedOrigins = origins('ALLOWED_ORIGINS', list(get('ALLOWED_ORIGINS')));
  const level = get('LOG_LEVEL');
  if (level !== undefined)
    o.logLevel = (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : fail('LOG_LEVEL', level, LOG_LEVELS.join('|'));
  const redis = get('REDIS_URL');
  if (redis !== undefined) {
    if (!/^rediss?:\/\/\S+$/.test(redis)) fail('REDIS_URL', redactUrl(redis), 'redis://host:port or rediss://host:port');
    o.redisUrl = redis;
  }

  // Who may connect, what is public (docs/relay.md, "Tokens" and "Safe defaults").
  const tokenSecret = get('TOKEN_SECRET');
  if (tokenSecret !== undefined) o.tokenSecret = tokenSecret;
  const maxTtl = get('MAX_TOKEN_TTL');
  if (maxTtl !== undefined) o.maxTokenTtl = int('MAX_TOKEN_TTL', maxTtl, MAX_TOKEN_TTL_RANGE.min, MAX_TOKEN_TTL_RANGE.max);
  const rejoinSecret = get('REJOIN_SECRET');
  if (rejoinSecret !== undefined) o.rejoinSecret = rejoinSecret;
  const metricsPort = get('METRICS_PORT');
  if (metricsPort !== undefined) o.metricsPort = int('METRICS_PORT', metricsPort, 0, 65535);
  const metricsHost = get('METRICS_HOST');
  if (metricsHost !== undefined) {
    if (metricsPort === undefined) throw new ConfigError('METRICS_HOST is set but METRICS_PORT is not: the metrics listener needs a port');
    o.metricsHost = metricsHost;
  }
  const metricsToken = get('METRICS_TOKEN');
  if (metricsToken !== undefined) o.metricsToken = metricsToken;
  const demo = get('DEMO');
  if (demo !== undefined) o.demo = demo === 'on' ? true : demo === 'off' ? false : fail('DEMO', demo, 'on or off');
  else o.demo = get('NODE_ENV') !== 'production';

  // Connection limits (docs/relay.md, "Limits").
  const perAddress = get('MAX_SOCKETS_PER_ADDRESS');
  if (perAddress !== undefined) o.maxSocketsPerAddress = int('MAX_SOCKETS_PER_ADDRESS', perAddress, ...LIMIT_RANGES.maxSocketsPerAddress);
  const handshakes = get('HANDSHAKES_PER_SECOND');
  if (handshakes !== undefined) o.handshakesPerSecond = int('HANDSHAKES_PER_SECOND', handshakes, ...LIMIT_RANGES.handshakesPerSecond);
  const maxSockets = get('MAX_SOCKETS');
  if (maxSockets !== undefined) o.maxSockets = int('MAX_SOCKETS', maxSockets, ...LIMIT_RANGES.maxSockets);
  const trust = get('TRUST_PROXY');
  if (trust !== undefined) {
    o.trustProxy = list(trust);
    try {
      parseTrustProxy(o.trustProxy);
    } catch (e) {
      fail('TRUST_PROXY', trust, `comma-separated addresses, CIDRs or loopback (${(e as Error).message})`);
    }
  }
  const publicIce = get('PUBLIC_ICE_SERVERS');
  if (publicIce !== undefined) o.publicIceServers = publicIce === 'on' ? true : publicIce === 'off' ? false : fail('PUBLIC_ICE_SERVERS', publicIce, 'on or off');

  // Webhooks (docs/relay.md, "Webhooks").
  o.webhookUrls = list(get('WEBHOOK_URL')).map((u) => webhookUrl('WEBHOOK_URL', u));
  const whSecret = get('WEBHOOK_SECRET');
  if (whSecret !== undefined) {
    if (!isWebhookSecret(whSecret)) throw new ConfigError('WEBHOOK_SECRET is not valid: expected whsec_ and the base64 of at least 24 random bytes (e.g. echo whsec_$(openssl rand -base64 32))');
    o.webhookSecret = whSecret;
  }
  return resolveOptions(o);
}
