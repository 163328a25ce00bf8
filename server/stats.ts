/**
 * The relay's running totals: messages relayed by type and refusals by code. Plain integers
 * bumped on the per-message path (counting costs nothing); /metrics copies them at scrape time.
 */
import { ERROR_CODES, MESSAGE_TYPES, type ErrorCode, type MessageType } from '../src/protocol.js';

export interface SignalingStats {
  relayed: Record<MessageType, number>;
  refused: Record<ErrorCode, number>;
}

/** Every type and code at zero, so each has a series from the first scrape. */
export const newStats = (): SignalingStats => ({
  relayed: Object.fromEntries(MESSAGE_TYPES.map((t) => [t, 0])) as Record<MessageType, number>,
  refused: Object.fromEntries(ERROR_CODES.map((c) => [c, 0])) as Record<ErrorCode, number>,
});
