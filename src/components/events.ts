/**
 * The rtc-* events: their details, and which ones a change of the page's call fires.
 * Who dispatches them, and on which element, is the CallStateController's business.
 */
import type { CallSnapshot } from '../browser/instance.js';
import { isActive, type CallKind, type CallState, type StateReason } from '../core/state.js';

export interface StateChangeDetail {
  state: CallState;
  reason: StateReason;
}
export interface CallStartDetail {
  kind: CallKind | null;
}
export interface CallEndDetail {
  reason: StateReason;
}

/** Every rtc-* event an element fires, by type, with its `detail`. */
export interface RtcEventDetails {
  'rtc-state-change': StateChangeDetail;
  'rtc-call-start': CallStartDetail;
  'rtc-call-end': CallEndDetail;
}

export type RtcEventMap = { [K in keyof RtcEventDetails]: CustomEvent<RtcEventDetails[K]> };

declare global {
  // So `el.addEventListener('rtc-call-end', (e) => e.detail.reason)` is typed.
  interface HTMLElementEventMap extends RtcEventMap {}
}

/** One event to fire: its type and detail. */
export type RtcEvent = { [K in keyof RtcEventDetails]: [K, RtcEventDetails[K]] }[keyof RtcEventDetails];

/** The events one change of the call fires, in order (none when neither state nor reason changed). */
export function changeEvents(before: CallSnapshot, now: CallSnapshot): RtcEvent[] {
  const out: RtcEvent[] = [];
  if (before.state !== now.state || before.reason !== now.reason) {
    out.push(['rtc-state-change', { state: now.state, reason: now.reason }]);
    if (now.state === 'connected' && before.state === 'connecting') out.push(['rtc-call-start', { kind: now.kind }]);
    if (isActive(before.state) && !isActive(now.state)) out.push(['rtc-call-end', { reason: now.reason }]);
  }
  return out;
}
