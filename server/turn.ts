/**
 * Ephemeral TURN credentials (the "TURN REST API" convention coturn implements with
 * `use-auth-secret` / `static-auth-secret`): the username carries its own expiry,
 * the password is an HMAC of it, so coturn can verify it with no shared database
 * and the shared secret never reaches a page.
 *
 * A socket's credentials name its session: `<expiry>:<session id>`, the id derived from the
 * socket, the same for every credential it is handed. coturn counts `--user-quota` by the part
 * after the timestamp, so however many credentials one socket asks for, together they hold at
 * most that many allocations.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceConfig, IceServer } from '../src/protocol.js';
import type { RelayOptions } from './config/options.js';

export interface TurnCredential {
  /** `<expiry unix seconds>:<id>`: a random id, or a socket's session id. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)) */
  credential: string;
  /** Unix seconds after which coturn refuses it. */
  expiresAt: number;
}

/** The password coturn derives for `username`; exported so tests and tools can check one. */
export const turnPassword = (secret: string, username: string): string =>
  createHmac('sha1', secret).update(username).digest('base64');

/**
 * Mints one credential valid for `ttl` seconds from `now` (ms). Without `session` the id part
 * is random, so two anonymous requests never share a username (nor a coturn quota); with one,
 * it is that session's.
 */
export function mintTurnCredential(secret: string, ttl: number, now: number = Date.now(), session?: string): TurnCredential {
  const expiresAt = Math.floor(now / 1000) + ttl;
  const username = `${expiresAt}:${session ?? randomBytes(9).toString('base64url')}`;
  return { username, credential: turnPassword(secret, username), expiresAt };
}

/**
 * The TURN session id of a socket: 16 URL-safe characters derived (HMAC) from its id, the same
 * for each of its credentials and on every relay node, telling coturn's logs nothing of the id.
 */
export const turnSession = (secret: string, socketId: string): string =>
  createHmac('sha256', secret).update(`rtc-call turn session\n${socketId}`).digest('base64url').slice(0, 16);

/**
 * STUN as configured, TURN with a fresh credential: the `GET /ice-servers` body (a random id)
 * and what a socket is handed (`session`: its turnSession).
 */
export function iceConfig(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>, now: number = Date.now(), session?: string): IceConfig {
  const iceServers: IceServer[] = [];
  if (opts.stunUrls.length) iceServers.push({ urls: opts.stunUrls });
  if (!opts.turn) return { iceServers, iceTransportPolicy: opts.iceTransportPolicy };
  const { username, credential } = mintTurnCredential(opts.turn.secret, opts.turn.ttl, now, session);
  iceServers.push({ urls: opts.turn.urls, username, credential });
  return { iceServers, iceTransportPolicy: opts.iceTransportPolicy, ttl: opts.turn.ttl };
}

/** A socket's ICE configuration: TURN credentials named after its session. */
export const socketIceConfig = (opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>, socketId: string, now: number = Date.now()): IceConfig =>
  iceConfig(opts, now, opts.turn ? turnSession(opts.turn.secret, socketId) : undefined);

/** One line for the startup log saying what browsers will get. */
export function describeIce(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'> & { publicIceServers?: boolean }): string {
  const stun = opts.stunUrls.length ? `STUN ${opts.stunUrls.join(' ')}` : 'no STUN';
  const route = opts.publicIceServers === false ? 'GET /ice-servers is off (PUBLIC_ICE_SERVERS)' : 'GET /ice-servers is on';
  if (!opts.turn)
    return `${stun}, no TURN (TURN_URLS/TURN_SECRET unset): sockets get ${opts.stunUrls.length ? 'STUN only' : 'no servers'}, ${route}; calls connect only where peers reach each other directly`;
  return `${stun}, TURN ${opts.turn.urls.join(' ')} with ephemeral credentials (ttl ${opts.turn.ttl}s) bound to each socket's session, iceTransportPolicy ${opts.iceTransportPolicy}, ${route}`;
}
