/**
 * Ephemeral TURN credentials (the "TURN REST API" convention coturn implements with
 * `use-auth-secret` / `static-auth-secret`): the username carries its own expiry,
 * the password is an HMAC of it, so coturn can verify it with no shared database
 * and the shared secret never reaches a page.
 *
 * Every credential the relay mints names its caller: `<expiry>:<session id>`, the id derived
 * from the token's `sub` when the socket has one, else from the client address (the one the
 * limits count, limits/address.ts), the same on every node. coturn counts `--user-quota` by the
 * part after the timestamp, so however many credentials, sockets or requests one caller (or one
 * address) collects, together they hold at most that many allocations.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceConfig, IceServer } from '../../src/protocol/index.js';
import type { RelayOptions } from '../config/options.js';

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

/** Who asks for a credential: the token's subject when there is one, else the client address key. */
export interface TurnCaller {
  sub?: string | undefined;
  address?: string;
}

/**
 * The TURN session id of a caller: 16 URL-safe characters derived (HMAC) from its `sub` or its
 * address, the same for each of its credentials and on every relay node, telling coturn's logs
 * neither. A subject and an address never share an id (each is tagged before hashing).
 */
export const turnSession = (secret: string, caller: TurnCaller): string =>
  createHmac('sha256', secret)
    .update(`rtc-call turn session\n${caller.sub !== undefined ? `sub\n${caller.sub}` : `address\n${caller.address ?? ''}`}`)
    .digest('base64url')
    .slice(0, 16);

/**
 * STUN as configured, TURN with a fresh credential named `session` (a turnSession; random
 * without one).
 */
export function iceConfig(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>, now: number = Date.now(), session?: string): IceConfig {
  const iceServers: IceServer[] = [];
  if (opts.stunUrls.length) iceServers.push({ urls: opts.stunUrls });
  if (!opts.turn) return { iceServers, iceTransportPolicy: opts.iceTransportPolicy };
  const { username, credential } = mintTurnCredential(opts.turn.secret, opts.turn.ttl, now, session);
  iceServers.push({ urls: opts.turn.urls, username, credential });
  return { iceServers, iceTransportPolicy: opts.iceTransportPolicy, ttl: opts.turn.ttl };
}

/** A caller's ICE configuration (a socket's, or a `GET /ice-servers` request's): TURN credentials named after its session. */
export const callerIceConfig = (opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>, caller: TurnCaller, now: number = Date.now()): IceConfig =>
  iceConfig(opts, now, opts.turn ? turnSession(opts.turn.secret, caller) : undefined);

/** Seconds a configuration without TURN (a budget spent) is good for: the widget asks again after half of it. */
export const NO_TURN_RETRY_S = 60;

/**
 * STUN only, when the caller may have no TURN credential now (its budget is spent, or its token
 * expired): with TURN configured it carries a short `ttl`, so the widget asks again (`ice`) later.
 */
export function withoutTurn(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'>): IceConfig {
  const cfg = iceConfig({ ...opts, turn: undefined });
  return opts.turn ? { ...cfg, ttl: NO_TURN_RETRY_S } : cfg;
}

/** One line for the startup log saying what browsers will get. */
export function describeIce(opts: Pick<RelayOptions, 'stunUrls' | 'turn' | 'iceTransportPolicy'> & { publicIceServers?: boolean }): string {
  const stun = opts.stunUrls.length ? `STUN ${opts.stunUrls.join(' ')}` : 'no STUN';
  const route = opts.publicIceServers === false ? 'GET /ice-servers is off (PUBLIC_ICE_SERVERS)' : 'GET /ice-servers is on';
  if (!opts.turn)
    return `${stun}, no TURN (TURN_URLS/TURN_SECRET unset): sockets get ${opts.stunUrls.length ? 'STUN only' : 'no servers'}, ${route}; calls connect only where peers reach each other directly`;
  return `${stun}, TURN ${opts.turn.urls.join(' ')} with ephemeral credentials (ttl ${opts.turn.ttl}s) named after each caller (token sub, else address), iceTransportPolicy ${opts.iceTransportPolicy}, ${route}`;
}
