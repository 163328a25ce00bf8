/**
 * Ephemeral TURN credentials (the "TURN REST API" convention coturn implements with
 * `use-auth-secret` / `static-auth-secret`): the username carries its own expiry,
 * the password is an HMAC of it, so coturn can verify it with no shared database
 * and the shared secret never reaches a page.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceConfig, IceServer } from '../src/protocol.js';
import type { RelayOptions } from './options.js';

export interface TurnCredential {
  /** `<expiry unix seconds>:<random id>` */
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
 * Mints one credential valid for `ttl` seconds from `now` (ms). The id part is random so
 * two pages never share a username (coturn keys per-user quotas on it).
 */
export function mintTurnCredential(secret: string, ttl: number, now: number = Date.now()): TurnCredential {
  const expiresAt = Math.floor(now / 1000) + ttl;
  const username = `${expiresAt}:${randomBytes(9).toString('base64url')}`;
  return { username, credential: turnPassword(secret, username), expiresAt };
}

/** The `GET /ice-servers` body: STUN as configured, TURN with fresh credentials. */
export function iceConfig(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>, now: number = Date.now()): IceConfig {
  const iceServers: IceServer[] = [];
  if (opts.stunUrls.length) iceServers.push({ urls: opts.stunUrls });
  if (!opts.turn) return { iceServers, iceTransportPolicy: opts.iceTransportPolicy };
  const { username, credential } = mintTurnCredential(opts.turn.secret, opts.turn.ttl, now);
  iceServers.push({ urls: opts.turn.urls, username, credential });
  return { iceServers, iceTransportPolicy: opts.iceTransportPolicy, ttl: opts.turn.ttl };
}

/** One line for the startup log saying what browsers will get. */
export function describeIce(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>): string {
  const stun = opts.stunUrls.length ? `STUN ${opts.stunUrls.join(' ')}` : 'no STUN';
  if (!opts.turn)
    return `${stun}, no TURN (TURN_URLS/TURN_SECRET unset): /ice-servers returns ${opts.stunUrls.length ? 'STUN only' : 'no servers'}; calls connect only where peers reach each other directly`;
  return `${stun}, TURN ${opts.turn.urls.join(' ')} with ephemeral credentials (ttl ${opts.turn.ttl}s), iceTransportPolicy ${opts.iceTransportPolicy}`;
}
