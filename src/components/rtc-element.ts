import { LitElement } from 'lit';
import { CallStateController } from './call-state-controller.js';

/**
 * What every rtc-* element is: a view of the page's one call. Its CallStateController re-renders it
 * on each change, reflects the call in the attributes below and fires the call's events; so all
 * three elements carry the same attributes and events, documented once here (the manifest lists
 * them on each element as inherited from this class).
 *
 * Events: each change of the call fires once per page, bubbling and composed, from the
 * first connected call button (or, without one, from the element connected first); every
 * other element fires it on itself without bubbling. Every element shows the new state first.
 *
 * @attr {string} state - reflected call state: `idle`, `ringing`, `media`, `waiting`, `queued`, `connecting`, `connected`, `reconnecting`, `ended` or `error` (read-only)
 * @attr {string} queue-position - reflected while our call waits in the room's line: our place, `1` next (read-only; see `rtc-queue`)
 * @attr {string} reason - reflected end or error reason, absent when there is none (read-only)
 * @attr {string} presence - reflected: `available` (someone else in the room takes calls and is free), `busy` (all of them are in calls) or `offline` (nobody) (read-only)
 * @attr {boolean} muted - reflected: our microphone is muted (read-only; see rtc-call-button's `setMuted()`)
 * @attr {boolean} camera-off - reflected: our camera is off (read-only)
 * @attr {boolean} sharing - reflected: we show our screen instead of the camera (read-only)
 * @attr {boolean} remote-muted - reflected: the other person muted their microphone (read-only)
 * @attr {boolean} remote-camera-off - reflected: the other person turned their camera off (read-only)
 * @attr {boolean} remote-sharing - reflected: the other person shows their screen (read-only)
 * @attr {string} quality - reflected while connected: `good`, `fair` or `poor` (read-only; see `rtc-quality`)
 * @attr {string} relayed - reflected while media goes through TURN: our transport to it, `udp`, `tcp` or `tls`; absent when direct (read-only)
 * @fires {CustomEvent<StateChangeDetail>} rtc-state-change - `{ state, reason }` on every change of state or reason
 * @fires {CustomEvent<CallStartDetail>} rtc-call-start - `{ kind }` when the call is connected
 * @fires {CustomEvent<CallEndDetail>} rtc-call-end - `{ reason, kind, durationMs, relayed, rttMs, packetLoss, reconnects }` when an active call ended (hang-up, remote, declined, no answer, error…); the figures are averages over the call
 * @fires {CustomEvent<QualityDetail>} rtc-quality - `{ level, rttMs, packetLoss, jitterMs, relayed, via }` every 2 s while connected
 * @fires {CustomEvent<IncomingDetail>} rtc-incoming - `{ kind, name, call }` when a call starts ringing here
 * @fires {CustomEvent<MissedDetail>} rtc-missed - `{ kind, name, call, at }` when a call that rang here stopped unanswered
 * @fires {CustomEvent<QueueDetail>} rtc-queue - `{ position }` when our call starts waiting in the room's line (every desk is busy) and each time it moves up
 * @fires {CustomEvent<PresenceDetail>} rtc-presence - `{ available, busy }` when the room's counts of free and busy answerers change
 */
export class RtcElement extends LitElement {
  /** The page's call as this element shows it (the same call for every element). */
  protected readonly callState = new CallStateController(this);
}
