/**
 * The options an operator sets with environment variables: one row each (variable, parser with its
 * range or format, default, the docs' meaning). docs/relay.md's table is written from these rows, in
 * this order (docs.ts). Options only code may set are in code-only.ts; table.ts joins the two.
 */
import { DEFAULT_ROOM, LIMITS } from '../../src/protocol/index.js';
import { QUEUE_MAX, QUEUE_WAIT_MS } from '../calls/queue-rules.js';
import { MAX_TOKEN_TTL_RANGE, MIN_TOKEN_SECRET_LENGTH } from '../tokens/tokens.js';
import { httpUrls, iceUrls, int, onOff, oneOf, origins, proxies, redisUrl, room, secondsAsMs, secret, text } from './parsers.js';
import { group, option, optional } from './rows.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const MAX_ROOM_MEMBERS = 1000;
/** TURN_TTL: an hour by default (a leaked credential is worth little for long); the widget refreshes before expiry. */
export const TURN_TTL_RANGE = { min: 60, max: 7 * 24 * 3600, default: 3600 } as const;
/** Bearer tokens for /metrics: long enough not to be guessed. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

const port = (): ReturnType<typeof int> => int(0, 65535);
const tokenSecret = (): ReturnType<typeof secret> =>
  secret(`at least ${MIN_TOKEN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`, (s) => s.length >= MIN_TOKEN_SECRET_LENGTH);
const PRODUCTION = 'production';

/** `whsec_` and the base64 of a key of at least 24 bytes (Standard Webhooks' secrets). */
export const isWebhookSecret = (s: unknown): s is string =>
  typeof s === 'string' && /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.slice(6), 'base64').length >= 24;

/** Rows with an environment variable, in the order docs/relay.md lists them. */
export const VARIABLES = {
  port: option({ env: 'PORT', parser: port(), default: 8080, doc: 'TCP port (`0` = any free port; the chosen one is logged)' }),
  host: option({ env: 'HOST', parser: text(), default: '127.0.0.1', doc: 'interface to bind; `0.0.0.0` behind a proxy or in a container' }),
  defaultRoom: option({
    env: 'DEFAULT_ROOM',
    parser: room(),
    default: DEFAULT_ROOM,
    doc: "room of clients that name none (the tutorial's client); 1–64 of `A-Z a-z 0-9 _ . : @ -`",
  }),
  roomMembers: option({
    env: 'ROOM_MEMBERS',
    parser: int(2, MAX_ROOM_MEMBERS),
    default: LIMITS.defaultRoomMembers,
    doc: `sockets a room holds (2–${MAX_ROOM_MEMBERS}): a desk page, the visitors' pages, every idle tab. Being in a room takes no call seat: a call binds two of its members (see [the wire protocol](protocol.md#version-2-calls-that-ring)). The next one is refused with \`room-full\``,
  }),
  roomSize: optional({
    env: 'ROOM_SIZE',
    parser: int(2, MAX_ROOM_MEMBERS),
    aliasOf: 'roomMembers',
    doc: 'deprecated: the name of `ROOM_MEMBERS` from protocol 1, when a room was one pair (`ROOM_SIZE=2` kept rooms of two). Still read when `ROOM_MEMBERS` is unset',
  }),
  queueMax: option({
    env: 'QUEUE_MAX',
    parser: int(0, MAX_ROOM_MEMBERS),
    default: QUEUE_MAX,
    doc: `call requests a room's line holds (0–${MAX_ROOM_MEMBERS}) while every member who takes calls is busy: a request that asks to wait (the widget does, unless \`queue="off"\`) waits first come first served and rings the first desk that is free ([The line](protocol.md#the-line-when-every-desk-is-busy)); the next one is refused \`busy\`. \`0\`: no line, \`busy\` at once`,
  }),
  queueWaitMs: option({
    env: 'QUEUE_WAIT',
    parser: secondsAsMs(1, 3600),
    default: QUEUE_WAIT_MS,
    doc: 'seconds (1–3600) a call request waits in line; then it is closed (`call-ended`; the widget ends `no-answer`)',
  }),
  turn: group('TURN with ephemeral credentials (coturn `use-auth-secret`), or none', {
    urls: optional({
      env: 'TURN_URLS',
      parser: iceUrls(['turn', 'turns'], 'at least one turn: URL'),
      needs: { env: ['TURN_SECRET'], why: "set the same secret as coturn's static-auth-secret (static TURN passwords are never sent to pages)" },
      doc: 'comma-separated `turn:`/`turns:` URLs of your coturn, e.g. `turn:turn.example:3478?transport=udp,turns:turn.example:5349?transport=tcp`',
    }),
    secret: optional({
      env: 'TURN_SECRET',
      parser: secret('a non-empty shared secret', (s) => s.length > 0),
      needs: { env: ['TURN_URLS'], why: 'list the coturn URLs, e.g. turn:turn.example:3478' },
      doc: "coturn's `static-auth-secret`; required with `TURN_URLS`. Never sent anywhere: pages get HMACs of it",
    }),
    ttl: option({
      env: 'TURN_TTL',
      parser: int(TURN_TTL_RANGE.min, TURN_TTL_RANGE.max, 'seconds'),
      default: TURN_TTL_RANGE.default,
      needs: { env: ['TURN_URLS', 'TURN_SECRET'], message: 'TURN_TTL is set but TURN is not configured (TURN_URLS, TURN_SECRET)' },
      doc: `seconds a TURN credential stays valid (${TURN_TTL_RANGE.min}–${TURN_TTL_RANGE.max}). coturn re-checks it when an allocation is refreshed: the widget asks its socket for fresh credentials before they expire and hands them to its peer connection, so an hour is enough for longer calls; a tutorial-style client needs a TTL longer than its longest call`,
    }),
  }),
  stunUrls: option({
    env: 'STUN_URLS',
    parser: iceUrls(['stun', 'stuns']),
    default: [],
    doc: 'comma-separated `stun:` URLs, e.g. `stun:stun.l.google.com:19302`. None by default: no third party is contacted unless you say so',
  }),
  iceTransportPolicy: option({
    env: 'ICE_TRANSPORT_POLICY',
    parser: oneOf(['all', 'relay']),
    default: 'all',
    doc: '`relay` makes browsers use TURN only (hides their addresses; needs TURN)',
  }),
  allowedOrigins: option({
    env: 'ALLOWED_ORIGINS',
    parser: origins(),
    default: '*',
    docDefault: 'any',
    doc: 'comma-separated origins (`https://shop.example`) allowed to load the bundle with CORS, fetch `/ice-servers` and open a socket; a socket from another origin is refused at the handshake. Unset = any origin, logged as a warning when `NODE_ENV=production`',
  }),
  logLevel: option({
    env: 'LOG_LEVEL',
    parser: oneOf(LOG_LEVELS),
    default: 'info',
    doc: '`fatal` `error` `warn` `info` `debug` `trace` `silent`; logs are pino JSON lines on stdout',
  }),
  redisUrl: optional({ env: 'REDIS_URL', parser: redisUrl(), doc: 'several relay nodes behind one Redis; see [scaling.md](scaling.md)' }),
  maxSocketsPerAddress: option({
    env: 'MAX_SOCKETS_PER_ADDRESS',
    parser: int(1, 1_000_000),
    default: 100,
    doc: 'sockets one client address (an IPv6 /64) may hold on this node; the next handshake is refused `too-many` ([Limits](#limits))',
  }),
  handshakesPerSecond: option({
    env: 'HANDSHAKES_PER_SECOND',
    parser: int(1, 1_000_000),
    default: 20,
    doc: 'new sockets per second per client address, after a burst of `MAX_SOCKETS_PER_ADDRESS` (an office reconnecting at once after a restart); more are refused `too-many`',
  }),
  maxSockets: option({
    env: 'MAX_SOCKETS',
    parser: int(1, 10_000_000),
    default: 10_000,
    doc: 'sockets this node holds in all (about 16 KiB each); more are refused `too-many`',
  }),
  trustProxy: option({
    env: 'TRUST_PROXY',
    parser: proxies(),
    default: [],
    doc: "comma-separated addresses or CIDRs of proxies whose `X-Forwarded-For` names the client, or `loopback`; behind the nginx below set `TRUST_PROXY=loopback`. Unset: the TCP peer is the client (behind a proxy, every client then shares the proxy's limits)",
  }),
  publicIceServers: option({
    env: 'PUBLIC_ICE_SERVERS',
    parser: onOff(),
    default: true,
    // GET /ice-servers hands credentials to anyone: not where tokens are required, unless asked.
    defaultFrom: (o) => !o.tokenSecret,
    docDefault: 'on; off with `TOKEN_SECRET`',
    doc: '`on` or `off`: serve `GET /ice-servers`. The widget does not need it (its socket gets ICE servers); it hands TURN credentials to anyone, so it is off when tokens are required unless set `on`',
  }),
  tokenSecret: optional({
    env: 'TOKEN_SECRET',
    parser: tokenSecret(),
    doc: 'every handshake needs a token signed with it (HS256; at least 32 characters, e.g. `openssl rand -hex 32`): see [Tokens](#tokens-who-may-call-whom). Unset: anyone who knows a room name may join it, logged as a warning when `NODE_ENV=production`. Never logged',
  }),
  maxTokenTtl: option({
    env: 'MAX_TOKEN_TTL',
    parser: int(MAX_TOKEN_TTL_RANGE.min, MAX_TOKEN_TTL_RANGE.max, 'seconds'),
    default: MAX_TOKEN_TTL_RANGE.default,
    doc: `seconds (${MAX_TOKEN_TTL_RANGE.min}–${MAX_TOKEN_TTL_RANGE.max}): a token whose \`exp\` is further from now is refused \`unauthorized\` (\`token refused: its exp is more than 24 h from now (MAX_TOKEN_TTL)\`), and \`rtc-call-relay token\` refuses a longer \`--ttl\`. A token is a bearer credential: one valid for years is a leak waiting to happen`,
  }),
  rejoinSecret: optional({
    env: 'REJOIN_SECRET',
    parser: tokenSecret(),
    docDefault: 'derived',
    doc: "the secret of the rejoin keys handed out in `bound` (at least 32 characters): see [Rejoin keys](#rejoin-keys). Unset: derived from `TOKEN_SECRET`, else from `TURN_SECRET`, else a random one shared through Redis (`REDIS_URL`), else a random one of this process (a restart then loses the calls in progress' rejoin). Every node of a deployment needs the same one. Never logged",
  }),
  metricsPort: optional({
    env: 'METRICS_PORT',
    parser: port(),
    doc: 'serve `GET /metrics` on a listener of its own on this port (`0` = any free port), not on the public one',
  }),
  metricsHost: option({
    env: 'METRICS_HOST',
    parser: text(),
    default: '127.0.0.1',
    needs: { env: ['METRICS_PORT'], why: 'the metrics listener needs a port' },
    doc: 'the interface of the `METRICS_PORT` listener (needs `METRICS_PORT`)',
  }),
  metricsToken: optional({
    env: 'METRICS_TOKEN',
    parser: secret(`at least ${MIN_METRICS_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)`, (s) => s.length >= MIN_METRICS_TOKEN_LENGTH),
    doc: '`GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>` (at least 16 characters); without `METRICS_PORT` it is then served on the public listener. Neither set: no `/metrics`',
  }),
  demo: option({
    env: 'DEMO',
    parser: onOff(),
    default: true,
    // The demo page is for trying the relay out: a production deployment serves it only when asked.
    defaultFrom: (_, nodeEnv) => nodeEnv !== PRODUCTION,
    docDefault: 'on; off with `NODE_ENV=production`',
    doc: '`on` or `off`: serve the demo page at `/` (the bundle is served either way)',
  }),
  webhookUrls: option({
    env: 'WEBHOOK_URL',
    parser: httpUrls(),
    default: [],
    doc: 'comma-separated `https://` (or `http://`) endpoints of your backend that receive signed call events: see [Webhooks](#webhooks-call-events-for-your-backend). Needs `WEBHOOK_SECRET`',
  }),
  webhookSecret: optional({
    env: 'WEBHOOK_SECRET',
    parser: secret('whsec_ and the base64 of at least 24 random bytes (e.g. echo whsec_$(openssl rand -base64 32))', isWebhookSecret),
    doc: 'the [Standard Webhooks](https://www.standardwebhooks.com/) signing secret: `whsec_` and the base64 of at least 24 random bytes (`echo whsec_$(openssl rand -base64 32)`); required with `WEBHOOK_URL`. Never logged',
  }),
};
