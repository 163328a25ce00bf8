/**
 * The rtc-* events: their details, and which ones a change of the page's call fires.
 * Who dispatches them, and on which element, is the CallStateController's business.
 */
import type { CallSnapshot } from '../browser/instance.js';
import { isActive, type CallKind, type CallState, type StateReason } from '../core/state.js';
import type { MissedCall } from '../core/phone-types.js';
import type { CallSummary, Quality } from '../core/quality.js';

export interface StateChangeDetail {
  state: CallState;
  reason: StateReason;
}
export interface CallStartDetail {
  kind: CallKind | null;
}
/** How a call ended, and (for a site's own logs) how it went: averages over the call. */
export interface CallEndDetail extends Partial<CallSummary> {
  reason: StateReason;
}
/** The connection's quality, every few seconds while connected. */
export type QualityDetail = Quality;
/** A call that started ringing here. `call`: its id (the same in `rtc-missed` if it goes unanswered). */
export interface IncomingDetail {
  kind: CallKind;
  /** The caller's display name ('' when it sent none). */
  name: string;
  call: string;
}
/** A call that rang here and stopped unanswered; `at`: when (ms since the epoch). */
export interface MissedDetail extends IncomingDetail {
  at: number;
}
/** Our call waits in the room's line: our place, 1 = next. */
export interface QueueDetail {
  position: number;
}
/** How many other members of the room take calls and are idle (`available`) or in a call (`busy`). */
export interface PresenceDetail {
  available: number;
  busy: number;
}

/** Every rtc-* event an element fires, by type, with its `detail`. */
export interface RtcEventDetails {
  'rtc-state-change': StateChangeDetail;
  'rtc-call-start': CallStartDetail;
  'rtc-call-end': CallEndDetail;
  'rtc-incoming': IncomingDetail;
  'rtc-missed': MissedDetail;
  'rtc-presence': PresenceDetail;
  'rtc-queue': QueueDetail;
  'rtc-quality': QualityDetail;
}

export type RtcEventMap = { [K in keyof RtcEventDetails]: CustomEvent<RtcEventDetails[K]> };

declare global {
  // So `el.addEventListener('rtc-call-end', (e) => e.detail.reason)` is typed.
  interface HTMLElementEventMap extends RtcEventMap {}
}

/** One event to fire: its type and detail. */
export type RtcEvent = { [K in keyof RtcEventDetails]: [K, RtcEventDetails[K]] }[keyof RtcEventDetails];

const known = (list: readonly MissedCall[], m: MissedCall): boolean => list.some((b) => b.call === m.call && b.at === m.at);

/** The events one change of the call fires, in order (none when nothing they report changed). */
export function changeEvents(before: CallSnapshot, now: CallSnapshot): RtcEvent[] {
  const out: RtcEvent[] = [];
  if (before.state !== now.state || before.reason !== now.reason) {
    out.push(['rtc-state-change', { state: now.state, reason: now.reason }]);
    if (now.state === 'connected' && before.state === 'connecting') out.push(['rtc-call-start', { kind: now.kind }]);
    if (isActive(before.state) && !isActive(now.state)) out.push(['rtc-call-end', { reason: now.reason, ...now.summary }]);
  }
  const ring = now.incoming;
  if (ring && ring.call !== before.incoming?.call) out.push(['rtc-incoming', { kind: ring.kind, name: ring.name, call: ring.call }]);
  for (const m of now.missed)
    if (!known(before.missed, m)) out.push(['rtc-missed', { kind: m.kind, name: m.name, call: m.call, at: m.at }]);
  if (now.queuePosition !== null && now.queuePosition !== before.queuePosition) out.push(['rtc-queue', { position: now.queuePosition }]);
  if (before.available !== now.available || before.busy !== now.busy) out.push(['rtc-presence', { available: now.available, busy: now.busy }]);
  if (now.quality && now.quality !== before.quality) out.push(['rtc-quality', now.quality]);
  return out;
}
