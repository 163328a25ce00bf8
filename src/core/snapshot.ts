/** What the page sees of the phone: the flow's public part and the media, as one snapshot. */
import type { Flow } from './flow-types.js';
import { OFF } from './local-media.js';
import type { PhoneSnapshot, Presence, RemoteMedia } from './phone-types.js';
import type { StreamLike } from './platform.js';
import { isActive } from './state.js';

/** What the Phone keeps beside the flow: media, in-call state, quality. */
export type Media<S extends StreamLike> = Omit<PhoneSnapshot<S>, 'state' | 'reason' | 'kind' | 'selfId' | 'peerId' | 'relayConnected' | 'incoming' | 'missed' | 'presence' | 'available' | 'busy' | 'role' | 'queuePosition'>;

export const NO_REMOTE: RemoteMedia = { ...OFF, name: '' };
/** Before any call. */
export const NO_MEDIA: Media<never> = {
  localStream: null,
  remoteStream: null,
  audioBlocked: false,
  ...OFF,
  lost: null,
  remote: NO_REMOTE,
  connectedAt: null,
  quality: null,
  summary: null,
  presenceKnown: false,
  preview: null,
  outgoing: true,
};

/**
 * The snapshot of `f` with `m`; `prev` itself when nothing in it changed (so listeners are
 * told only of changes). Presence leaves this page out: the relay counts every member.
 */
export function snapshot<S extends StreamLike>(f: Flow, m: Media<S>, prev?: PhoneSnapshot<S>): PhoneSnapshot<S> {
  // Leave this page out of the relay's counts, from the bucket the relay has it in. Right after
  // a click or an Accept the relay may not have moved it yet: take it from the other bucket
  // when its own is empty, so `available` does not blink up by one.
  let { available, busy } = f.counts;
  if (f.incoming) {
    if (isActive(f.state) ? busy > 0 || available === 0 : available === 0) busy = Math.max(0, busy - 1);
    else available--;
  }
  const head = f.state === 'ringing' ? f.rings[0] : undefined;
  const presence: Presence = available ? 'available' : busy ? 'busy' : 'offline';
  const next: PhoneSnapshot<S> = {
    ...m,
    state: f.state,
    reason: f.reason,
    kind: f.kind,
    selfId: f.selfId,
    peerId: f.peerId,
    relayConnected: f.relayConnected,
    incoming: head ? { call: head.call, kind: head.kind, name: head.name } : null,
    missed: f.missed,
    presence,
    available,
    busy,
    role: f.role,
    queuePosition: f.place,
  };
  if (!prev) return next;
  const same = (Object.keys(next) as Array<keyof PhoneSnapshot<S>>).every((k) =>
    k === 'incoming' ? next.incoming?.call === prev.incoming?.call : next[k] === prev[k],
  );
  return same ? prev : next;
}
