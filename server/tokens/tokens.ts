/**
 * Signed tokens (TOKEN_SECRET): who may join which room, and in what role. A token is a JWT
 * signed HS256 with the relay's secret, minted by the site's backend (any JWT library) or by
 * `rtc-call-relay token`. Claims: `room` (a room name, or `prefix*` for every room starting
 * with prefix, `*` alone for every room), `role` (TOKEN_ROLES), `name` (the display name the
 * relay stamps on its call requests; optional) and `exp` (required). Checked with `jose`,
 * HS256 only: `alg: none` and every other algorithm are refused before any claim is read.
 *
 * Reasons name what is wrong and never echo the token or the secret.
 */
import { SignJWT, errors, jwtVerify } from 'jose';
import { LIMITS, ROOM_PATTERN, TOKEN_ROLES, type TokenRole } from '../../src/protocol/index.js';

export const TOKEN_ALG = 'HS256';
/** HS256 wants a key of at least 256 bits: 32 characters (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_SECRET_LENGTH = 32;
/** Seconds of clock difference allowed between the site that minted a token and the relay (exp, nbf). */
export const TOKEN_CLOCK_TOLERANCE_S = 30;
/**
 * MAX_TOKEN_TTL (seconds): how far from now a token's `exp` may be. A token is a bearer
 * credential; one valid for years is a leak waiting to happen. Default a day, at most a week.
 */
export const MAX_TOKEN_TTL_RANGE = { min: 60, max: 7 * 86400, default: 86400 } as const;

/** `86400` as `24 h`, `90` as `90 s`: how a TTL reads in a refusal. */
export const ttlWords = (s: number): string => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/** What a valid token grants. */
export interface TokenClaims {
  /** The room claim as written: a name, `prefix*`, or `*`. */
  room: string;
  role: TokenRole;
  /** The display name ('' when the token has none). */
  name: string;
  /** Unix seconds. */
  exp: number;
  /** The `sub` claim, when it is a non-empty string: who the token is for (names its TURN credentials; the person in webhooks). */
  sub?: string;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  /** `expired`: the claims of a token that is valid in every way but its expiry (see the rejoin rule in handshake.ts). */
  | { ok: false; reason: string; expired?: TokenClaims };

const PREFIX_CHARS = /^[A-Za-z0-9_.:@-]{0,63}$/;

/** A room claim the relay understands: a room name, `prefix*` or `*`. */
export const isRoomClaim = (claim: unknown): claim is string =>
  typeof claim === 'string' && (claim.endsWith('*') ? PREFIX_CHARS.test(claim.slice(0, -1)) : ROOM_PATTERN.test(claim));

/** Whether a (well-formed) room claim admits `room`. */
const roomClaimMatches = (claim: string, room: string): boolean =>
  claim.endsWith('*') ? room.startsWith(claim.slice(0, -1)) : claim === room;

/** A `sub` claim longer than this is refused (it goes into every webhook event of the socket). */
export const MAX_SUB_LENGTH = 256;

/** The HMAC key for a secret (its UTF-8 bytes, as PyJWT and jose take a string secret). */
export const tokenKey = (secret: string): Uint8Array => new TextEncoder().encode(secret);

/** The claims after the signature and the registered claims passed: room, role and name, or why not. */
function grants(payload: Record<string, unknown>, room: string): TokenClaims | string {
  const { room: r, role, name, exp, sub } = payload;
  if (r === undefined) return 'it has no room claim';
  if (!isRoomClaim(r)) return 'its room claim is not a room name or prefix*';
  if (!roomClaimMatches(r, room)) return `it is for room ${r}, not ${room}`;
  if (role === undefined) return 'it has no role claim';
  if (typeof role !== 'string' || !(TOKEN_ROLES as readonly string[]).includes(role)) return `its role must be one of ${TOKEN_ROLES.join(', ')}`;
  if (name !== undefined && typeof name !== 'string') return 'its name claim must be a string';
  if (sub !== undefined && (typeof sub !== 'string' || sub.length > MAX_SUB_LENGTH)) return `its sub claim must be a string of at most ${MAX_SUB_LENGTH} characters`;
  return { room: r, role: role as TokenRole, name: name ?? '', exp: exp as number, ...(typeof sub === 'string' && sub !== '' ? { sub } : {}) };
}

/**
 * Three base64url segments, each in its one canonical spelling. Decoders skip stray characters
 * and padding bits, so without this a token with a space or `=` added, or a last character
 * changed in its unused bits, would pass as the same token.
 */
function canonicalCompact(token: string): boolean {
  const parts = token.split('.');
  // An empty signature (`alg: none`) passes here, to be refused by name below.
  return parts.length === 3 && parts.every((p, i) => (i === 2 ? /^[A-Za-z0-9_-]*$/ : /^[A-Za-z0-9_-]+$/).test(p) && Buffer.from(p, 'base64url').toString('base64url') === p);
}

/** Words for what jose found wrong (never its input). */
function joseReason(err: unknown): string {
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return `it is not signed ${TOKEN_ALG}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not match (another secret, or altered)';
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `it has no ${err.claim} claim`;
    return `its ${err.claim} claim is not valid`;
  }
  return 'it is not a well-formed JWT';
}

/**
 * Checks `token` for `room`. Never throws; a refusal says why in words. A token whose `exp` is
 * more than `maxTtlS` from now is refused (MAX_TOKEN_TTL). `now` (ms) is for tests.
 */
export async function checkToken(token: unknown, room: string, key: Uint8Array, now?: number, maxTtlS: number = MAX_TOKEN_TTL_RANGE.default): Promise<TokenCheck> {
  if (token === undefined || token === null || token === '') return { ok: false, reason: 'a token is required (auth.token)' };
  if (typeof token !== 'string' || token.length > LIMITS.maxTokenLength) return { ok: false, reason: `a token is a string of at most ${LIMITS.maxTokenLength} characters` };
  if (!canonicalCompact(token)) return { ok: false, reason: 'it is not a well-formed JWT' };
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALG],
      requiredClaims: ['exp'],
      clockTolerance: TOKEN_CLOCK_TOLERANCE_S,
      ...(now === undefined ? {} : { currentDate: new Date(now) }),
    });
    const g = grants(payload, room);
    if (typeof g === 'string') return { ok: false, reason: g };
    if (g.exp > Math.floor((now ?? Date.now()) / 1000) + maxTtlS + TOKEN_CLOCK_TOLERANCE_S)
      return { ok: false, reason: `its exp is more than ${ttlWords(maxTtlS)} from now (MAX_TOKEN_TTL)` };
    return { ok: true, claims: g };
  } catch (err) {
    // jose checks exp after the signature and every other registered claim: the rest may still be valid.
    if (err instanceof errors.JWTExpired && err.claim === 'exp') {
      const g = grants(err.payload, room);
      return typeof g === 'string' ? { ok: false, reason: g } : { ok: false, reason: joseReason(err), expired: g };
    }
    return { ok: false, reason: joseReason(err) };
  }
}

/** What `mintToken` needs: the claims and how long the token lives. */
export interface MintOptions {
  room: string;
  role: TokenRole;
  name?: string;
  /** Who it is for (`sub`, the site's id of the person): names its TURN credentials (coturn's --user-quota counts this caller apart from its address) and the person in webhooks. */
  sub?: string;
  /** Seconds from now. */
  ttl: number;
  /** ms, for tests. */
  now?: number;
}

/** A token the relay with `secret` accepts (what `rtc-call-relay token` prints). */
export async function mintToken(secret: string, o: MintOptions): Promise<string> {
  if (!isRoomClaim(o.room)) throw new TypeError(`room ${JSON.stringify(o.room)} is not a room name, prefix* or *`);
  if (!(TOKEN_ROLES as readonly string[]).includes(o.role)) throw new TypeError(`role must be one of ${TOKEN_ROLES.join(', ')}`);
  if (!Number.isInteger(o.ttl) || o.ttl < 1) throw new TypeError('ttl must be a positive number of seconds');
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  return new SignJWT({ room: o.room, role: o.role, ...(o.name ? { name: o.name } : {}), ...(o.sub ? { sub: o.sub } : {}) })
    .setProtectedHeader({ alg: TOKEN_ALG, typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttl)
    .sign(tokenKey(secret));
}

/** `30m`, `8h`, `2d`, `90s` (or bare seconds) as seconds; null when it is none of these. */
export function parseTtl(s: string): number | null {
  const m = /^(\d{1,9})([smhd]?)$/.exec(s.trim());
  if (!m) return null;
  const n = Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n > 0 ? n : null;
}
