/**
 * What a socket must pass before it connects (`io.use`): the relay not closing, a valid room
 * (from `auth.room` or the query string), a token that is a bounded string, with TOKEN_SECRET
 * a signed token for the room (tokens.ts), and the optional `authorize(token, room)` after it.
 * A refusal is a `connect_error` carrying the protocol's ErrorPayload. It also reads what the
 * socket says of itself for calls (protocol, incoming, name, a rejoin) and what its token grants.
 *
 * The expiry rule: a token is checked when a socket connects, so one that expires during a call
 * ends nothing. A reconnect that rejoins a bound call (`call` + `key`) may present its token
 * after expiry, for up to `expiredTokenGraceS` past its `exp`, when it is valid in every other
 * way and the key is one this relay minted for that call in that room (rejoin-keys.ts) and not
 * spent: the call's record, when there is one, must be bound with that key current (no record:
 * the relay restarted and forgot it, and the key's MAC proves the call was bound here). The
 * socket gets role `rejoin`, which places and takes no new call. Anything else is
 * `unauthorized`. A token's `exp` may be at most MAX_TOKEN_TTL from now.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ExtendedError } from 'socket.io';
import { LIMITS, parseRoom, type ErrorCode } from '../../src/protocol/index.js';
import type { RelayOptions } from '../config/options.js';
import type { CallRegistry } from '../calls/registry.js';
import { keyOpens, profileOf, type Grant } from '../calls/rules.js';
import { queryRoom, releaseRequest } from '../engine-patches.js';
import { handshakeError } from '../calls/refusals.js';
import type { RejoinKeys } from './rejoin-keys.js';
import type { SignalingStats } from '../http/stats.js';
import { checkToken, tokenKey, ttlWords, type TokenClaims } from './tokens.js';
import type { RelayServer } from '../types.js';

export interface Handshake {
  /** From now on every handshake is refused with `shutting-down`. */
  close(): void;
}

type Raw = { request: IncomingMessage | null };

/** Socket.IO builds these per socket from the request, which is gone by then (empty objects each): one shared pair instead. */
const NO_HEADERS = Object.freeze({});
const NO_QUERY = Object.freeze({});

const grantOfClaims = (c: TokenClaims, role: Grant['role']): Grant => ({ role, name: c.name, ...(c.sub !== undefined ? { sub: c.sub } : {}) });

export function attachHandshake(
  io: RelayServer,
  opts: Pick<RelayOptions, 'defaultRoom' | 'authorize' | 'tokenSecret' | 'maxTokenTtl' | 'expiredTokenGraceS'>,
  stats: SignalingStats,
  log: FastifyBaseLogger,
  /** Where the calls are: an expired token may rejoin only a call whose key is current there (or that has no record). */
  registry: Pick<CallRegistry, 'get'>,
  /** Checks the rejoin key an expired token comes with. */
  keys: Pick<RejoinKeys, 'read'>,
): Handshake {
  const key = opts.tokenSecret ? tokenKey(opts.tokenSecret) : undefined;
  /** Query-string rooms, captured before the request object is dropped (see below). */
  const queryRooms = new WeakMap<object, unknown>();
  let closing = false;

  // Socket.IO's memory-usage guide: the engine keeps the handshake IncomingMessage for
  // the connection's lifetime. Keep the one field we need and let the request go
  // (engine-patches.ts: what still holds it on a WebSocket handshake).
  io.engine.on('connection', (raw: Raw) => {
    const req = raw.request;
    raw.request = null;
    if (!req) return;
    const room = queryRoom(req);
    if (room !== undefined) queryRooms.set(raw, room);
    releaseRequest(req);
  });

  const refused = (code: ErrorCode, message: string): ExtendedError => {
    stats.refused[code]++;
    return handshakeError(code, message);
  };

  /** The token's grant and expiry (ms), or the refusal's reason. */
  const grantOf = async (auth: Record<string, unknown>, room: string, k: Uint8Array): Promise<{ grant: Grant; exp: number } | string> => {
    const checked = await checkToken(auth.token, room, k, undefined, opts.maxTokenTtl);
    if (checked.ok) return { grant: grantOfClaims(checked.claims, checked.claims.role), exp: checked.claims.exp * 1000 };
    const { rejoin } = profileOf(auth);
    if (!checked.expired) return checked.reason;
    const exp = checked.expired.exp * 1000;
    if (!rejoin) return `${checked.reason} (an expired token only rejoins the call it was in, with that call's key)`;
    if (Date.now() > exp + opts.expiredTokenGraceS * 1000) return `${checked.reason} more than ${ttlWords(opts.expiredTokenGraceS)} ago: it rejoins no call any more`;
    const cannot = `${checked.reason} (and call ${rejoin.call} cannot be rejoined with it)`;
    const claim = keys.read(room, rejoin.call, rejoin.key);
    if (!claim) return cannot;
    // Unreachable registry (Redis down): the key's MAC is proof enough that the call was bound here.
    const rec = await registry.get(room, rejoin.call).catch(() => undefined);
    if (rec && !keyOpens(rec, claim)) return cannot;
    return { grant: grantOfClaims(checked.expired, 'rejoin'), exp };
  };

  io.use((socket, next) => {
    if (closing) return next(refused('shutting-down', 'the relay is shutting down; retry in a moment'));
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const room = parseRoom(auth.room ?? queryRooms.get(socket.conn), opts.defaultRoom);
    if (room === null) return next(refused('bad-room', `room must be 1-${LIMITS.maxRoomLength} characters of A-Z a-z 0-9 _ . : @ -`));
    const token = auth.token;
    if (token !== undefined && (typeof token !== 'string' || token.length > LIMITS.maxTokenLength))
      return next(refused('unauthorized', `token must be a string of at most ${LIMITS.maxTokenLength} characters`));
    const admit = (grant?: Grant, tokenExp?: number): void => {
      socket.handshake.headers = NO_HEADERS;
      socket.handshake.query = NO_QUERY;
      socket.data.room = room;
      if (tokenExp !== undefined) socket.data.tokenExp = tokenExp;
      // Protocol version, takes calls, display name, role, and the call it asks to rejoin (calls/members.ts).
      const { rejoin, ...profile } = profileOf(auth, grant);
      Object.assign(socket.data, profile);
      if (rejoin) socket.data.rejoin = rejoin;
      if (grant?.sub !== undefined) socket.data.sub = grant.sub;
      if (!opts.authorize) return next();
      const authorize = opts.authorize;
      const notAuthorized = `not authorized for room ${room}`;
      Promise.resolve()
        .then(() => authorize(token, room))
        .then(
          (ok) => next(ok === true ? undefined : refused('unauthorized', notAuthorized)),
          (err: unknown) => {
            log.warn({ err, room }, 'authorize() threw; refusing the handshake');
            next(refused('unauthorized', notAuthorized));
          },
        );
    };
    if (!key) return admit();
    grantOf(auth, room, key).then(
      (g) => (typeof g === 'string' ? next(refused('unauthorized', `token refused: ${g}`)) : closing ? next(refused('shutting-down', 'the relay is shutting down; retry in a moment')) : admit(g.grant, g.exp)),
      (err: unknown) => {
        log.error({ err, room }, 'token check failed; refusing the handshake');
        next(refused('unauthorized', 'token refused: the relay could not check it'));
      },
    );
  });

  return {
    close() {
      closing = true;
    },
  };
}
