/**
 * The relay's running totals: messages relayed by type, refusals by code, and what became of
 * call requests. Plain integers bumped where it happens (counting costs nothing); /metrics
 * copies them at scrape time.
 */
import { ERROR_CODES, MESSAGE_TYPES, type ErrorCode, type MessageType } from '../../src/protocol/index.js';

/**
 * Call requests: `requested` (opened), `answered` (bound), `declined` (one per decline),
 * `cancelled` (the caller withdrew: cancel hang-up, bye, left), `missed` (nobody answered: the
 * caller's cancel no-answer, or the relay's own expiry).
 */
export const CALL_EVENTS = ['requested', 'answered', 'declined', 'cancelled', 'missed'] as const;
export type CallEvent = (typeof CALL_EVENTS)[number];

export interface SignalingStats {
  relayed: Record<MessageType, number>;
  refused: Record<ErrorCode, number>;
  calls: Record<CallEvent, number>;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Every type, code and call event at zero, so each has a series from the first scrape. */
export const newStats = (): SignalingStats => ({
  relayed: zeros(MESSAGE_TYPES),
  refused: zeros(ERROR_CODES),
  calls: zeros(CALL_EVENTS),
});
