/**
 * `GET /presence?room=R`: the room's presence for pages that hold no socket (a call-only
 * "Call us" page, `incoming="off"`, whose link opens only when someone means to call). The
 * answer is what the room's `presence` event says, as a visitor outside the room would hear it:
 * `{ available, busy }`, counts only. Counted the way the event is (presenceOf over the members
 * the adapter finds on every node), cached a few seconds per room and node (presence-cache.ts).
 *
 * Where tokens are required (TOKEN_SECRET) it needs one too, `Authorization: Bearer <token>`,
 * whose room claim covers R, in any role: a caller's token is what such a page has. The counts
 * are not worth a token on an open relay, and the room name is all anyone needs there to join
 * it and hear the same counts. A token in the query string is not read: it would be logged.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LIMITS, parseRoom, ROOM_PATTERN, type ErrorCode } from '../../src/protocol/index.js';
import { adapterRoom } from '../adapter-rooms.js';
import { presenceOf } from '../calls/rules.js';
import { viewOf } from '../calls/port.js';
import { corsPreflight, setCorsHeaders } from './cors.js';
import { TokenBucket } from '../limits/limits.js';
import type { RelayOptions } from '../config/options.js';
import { ExpiringSet, SingleFlightCache } from '../calls/presence-cache.js';
import { PRESENCE_ERROR_SCHEMA, PRESENCE_LIMITS, PRESENCE_SCHEMA, PRESENCE_TIMING, type PresenceResponse } from '../calls/presence-types.js';
import { checkToken, TOKEN_CLOCK_TOLERANCE_S, tokenKey } from '../tokens/tokens.js';
import type { RelayServer } from '../types.js';
import { apiHeaders } from './security-headers.js';

export interface PresenceRouteOptions extends Pick<RelayOptions, 'allowedOrigins' | 'defaultRoom' | 'tokenSecret' | 'authorize'>, Partial<Pick<RelayOptions, 'maxTokenTtl'>> {
  io: RelayServer;
  /** The key a request's client address is counted under (TRUST_PROXY applied: limits/guard.ts). */
  addressOf: (req: IncomingMessage) => string;
  /** Tests: the clock. */
  now?: () => number;
}

interface Refusal {
  code: ErrorCode;
  message: string;
}

/** How often addresses whose budget is full again are forgotten. */
const SWEEP_MS = 10_000;

const BEARER = /^Bearer +([^\s]+) *$/i;

const TOO_MANY: Refusal = { code: 'rate-limited', message: 'too many presence lookups from your address; ask again later' };

export const presenceRoutes = fp<PresenceRouteOptions>(
  async (app, opts) => {
    const now = opts.now ?? Date.now;
    const { cacheMs, lookupTimeoutMs, retryAfterS } = PRESENCE_TIMING;
    const cache = new SingleFlightCache<PresenceResponse>(cacheMs, PRESENCE_LIMITS.maxCachedRooms, now);
    const trusted = new ExpiringSet(PRESENCE_LIMITS.maxCachedTokens, now);
    const key = opts.tokenSecret ? tokenKey(opts.tokenSecret) : undefined;
    // A shared cache (a CDN) must not hand a token-gated answer to someone without a token.
    const cacheScope = key || opts.authorize ? 'private' : 'public';

    const budgets = new Map<string, TokenBucket>();
    const sweeper = setInterval(() => {
      const t = now();
      for (const [k, b] of budgets) if (b.full(t)) budgets.delete(k);
    }, SWEEP_MS);
    sweeper.unref();
    app.addHook('onClose', async () => clearInterval(sweeper));

    /** May this request's address do one more piece of work (a lookup, a token check)? */
    const mayWork = (req: FastifyRequest): boolean => {
      const k = opts.addressOf(req.raw);
      let b = budgets.get(k);
      if (!b) budgets.set(k, (b = new TokenBucket(PRESENCE_LIMITS.lookupsPerSecond, PRESENCE_LIMITS.lookupBurst, now())));
      return b.take(now());
    };

    /** Counts as the `presence` event has them, over every node's members (the adapter asks them all). */
    const lookup = async (room: string): Promise<PresenceResponse> =>
      presenceOf((await opts.io.in(adapterRoom(room)).timeout(lookupTimeoutMs).fetchSockets()).map(viewOf));

    /** null when the request may see `room`'s presence; otherwise why not. */
    const authorized = async (req: FastifyRequest, room: string): Promise<Refusal | null> => {
      if (!key && !opts.authorize) return null;
      const m = BEARER.exec(req.headers.authorization ?? '');
      const token = m?.[1];
      if (key && token === undefined) return { code: 'unauthorized', message: 'this relay requires tokens: send Authorization: Bearer <token> with a token for this room (any role)' };
      const remembered = `${room}\n${token ?? ''}`;
      if (trusted.has(remembered)) return null;
      if (!mayWork(req)) return TOO_MANY;
      let until = now() + PRESENCE_LIMITS.tokenTrustMs;
      if (key) {
        const checked = await checkToken(token, room, key, now(), opts.maxTokenTtl);
        if (!checked.ok) return { code: 'unauthorized', message: `token refused: ${checked.reason}` };
        until = Math.min(until, (checked.claims.exp + TOKEN_CLOCK_TOLERANCE_S) * 1000);
      }
      if (opts.authorize) {
        const ok = await Promise.resolve()
          .then(() => opts.authorize!(token, room))
          .catch((err: unknown) => {
            req.log.error({ err, room }, 'authorize failed; refusing GET /presence');
            return false;
          });
        if (!ok) return { code: 'unauthorized', message: 'not authorized for this room' };
      }
      trusted.add(remembered, until);
      return null;
    };

    const refuse = (reply: FastifyReply, status: number, r: Refusal): FastifyReply => {
      reply.header('cache-control', 'no-store');
      if (status === 429 || status === 503) reply.header('retry-after', String(retryAfterS));
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return reply.code(status).send(r);
    };

    await apiHeaders(app);
    app.get(
      '/presence',
      { schema: { response: { 200: PRESENCE_SCHEMA, 400: PRESENCE_ERROR_SCHEMA, 401: PRESENCE_ERROR_SCHEMA, 429: PRESENCE_ERROR_SCHEMA, 503: PRESENCE_ERROR_SCHEMA } } },
      async (req, reply): Promise<PresenceResponse | Refusal> => {
        setCorsHeaders(req, reply, opts.allowedOrigins);
        // No room named: the relay's default room, as for a handshake that names none.
        const room = parseRoom((req.query as Record<string, unknown>).room, opts.defaultRoom);
        if (room === null)
          return refuse(reply, 400, { code: 'bad-room', message: `room must match ${ROOM_PATTERN.source} (1-${LIMITS.maxRoomLength} characters: letters, digits, _ . : @ -)` });
        const denied = await authorized(req, room);
        if (denied) return refuse(reply, denied.code === 'rate-limited' ? 429 : 401, denied);
        // A room not cached and not being looked up costs a lookup: that is what an address's budget limits.
        if (!cache.fresh(room) && !cache.pending(room) && !mayWork(req))
          return refuse(reply, 429, TOO_MANY);
        let entry;
        try {
          entry = await cache.get(room, () => lookup(room));
        } catch (err) {
          req.log.warn({ err, room }, 'presence lookup failed');
          return refuse(reply, 503, { code: 'internal', message: 'presence could not be counted on every relay node just now; ask again shortly' });
        }
        const ageS = Math.max(0, Math.floor((now() - entry.at) / 1000));
        reply.header('cache-control', `${cacheScope}, max-age=${Math.round(cacheMs / 1000)}`);
        reply.header('age', String(ageS));
        return entry.value;
      },
    );
    // A page sending Authorization (tokens) makes its browser ask first.
    corsPreflight(app, '/presence', opts.allowedOrigins);
  },
  { name: 'rtc-call-relay-presence', fastify: '5.x', encapsulate: true },
);
