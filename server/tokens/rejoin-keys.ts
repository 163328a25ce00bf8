/**
 * Rejoin keys that need no record: the key a side of a bound call gets in `bound` is an HMAC of
 * the relay's rejoin secret over the room, the call id, the side (caller or acceptor) and that
 * side's epoch (how many times it has been bound to a new socket). The relay can check a key it
 * has no record of (after a restart that lost its calls, or on another node), and nobody can
 * choose one: a member that was rung knows the call id, not the secret. Each time a side is
 * bound to a new socket its epoch moves on, so the key it presented is spent (calls/records.ts,
 * rekey). Keys are compared in constant time.
 *
 * Key text: `c` (caller) or `a` (acceptor), the epoch in decimal, `-`, 32 base64url characters
 * of HMAC-SHA256 (192 bits): within CALL_ID_PATTERN, so the widget stores and sends it as before.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 0: the caller's side, 1: the acceptor's (the order of BoundCall.sides). */
export type Side = 0 | 1;

/** What a key says once its MAC is checked: whose side it opens, at which epoch. */
export interface KeyClaim {
  side: Side;
  epoch: number;
}

export interface RejoinKeys {
  /** The key of `side` of `call` in `room` at `epoch`. */
  mint(room: string, call: string, side: Side, epoch: number): string;
  /** The side and epoch `key` opens for this room and call, or null when it is not one this relay minted. */
  read(room: string, call: string, key: string): KeyClaim | null;
}

const SIDES = ['c', 'a'] as const;
const MAC_BYTES = 24;
const KEY = /^([ca])(0|[1-9]\d{0,8})-([A-Za-z0-9_-]{32})$/;

/** Where the rejoin secret came from (logged at startup, never the secret). */
export type RejoinSecretSource = 'REJOIN_SECRET' | 'TOKEN_SECRET' | 'TURN_SECRET' | 'redis' | 'random';

/**
 * The secret keys are made with: REJOIN_SECRET as given, else one derived from TOKEN_SECRET or
 * TURN_SECRET (an HMAC with a label of its own, so a rejoin key is never a token's or a TURN
 * credential's MAC). Undefined when none is configured: the caller then shares a random one
 * through Redis, or keeps one for this process.
 */
export function configuredRejoinSecret(o: { rejoinSecret?: string; tokenSecret?: string; turn?: { secret: string } }): { secret: Buffer; source: RejoinSecretSource } | undefined {
  if (o.rejoinSecret) return { secret: Buffer.from(o.rejoinSecret, 'utf8'), source: 'REJOIN_SECRET' };
  const derive = (s: string): Buffer => createHmac('sha256', s).update('rtc-call rejoin keys v1').digest();
  if (o.tokenSecret) return { secret: derive(o.tokenSecret), source: 'TOKEN_SECRET' };
  if (o.turn?.secret) return { secret: derive(o.turn.secret), source: 'TURN_SECRET' };
  return undefined;
}

/** A fresh random secret (base64url text, so Redis can hold it as a string). */
export const randomRejoinSecret = (): string => randomBytes(32).toString('base64url');

export function rejoinKeys(secret: Buffer | string): RejoinKeys {
  const k = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  // NUL cannot occur in a room or call id (ROOM_PATTERN, CALL_ID_PATTERN): the fields cannot run into each other.
  const mac = (room: string, call: string, side: Side, epoch: number): Buffer =>
    createHmac('sha256', k).update(`rejoin\0${room}\0${call}\0${SIDES[side]}\0${epoch}`).digest().subarray(0, MAC_BYTES);
  return {
    mint: (room, call, side, epoch) => `${SIDES[side]}${epoch}-${mac(room, call, side, epoch).toString('base64url')}`,
    read(room, call, key) {
      const m = KEY.exec(key);
      if (!m) return null;
      const given = Buffer.from(m[3]!, 'base64url');
      // 32 characters decode to 24 bytes; one not in its canonical spelling is not a key we made.
      if (given.length !== MAC_BYTES || given.toString('base64url') !== m[3]) return null;
      const side: Side = m[1] === 'c' ? 0 : 1;
      const epoch = Number(m[2]);
      return timingSafeEqual(given, mac(room, call, side, epoch)) ? { side, epoch } : null;
    },
  };
}
