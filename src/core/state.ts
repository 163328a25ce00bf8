/**
 * The call's explicit state machine. Kept DOM-free so the transition rules are unit-testable.
 *
 *   idle → media → waiting → connecting → connected ⇄ reconnecting → ended      (we call)
 *   idle → ringing → media → waiting → connecting → …                          (we take a call)
 *   media | waiting → queued → waiting → …     (we call while every desk is busy: we wait in the room's line)
 *   ringing → idle (we declined) | ended (missed, answered elsewhere)
 *                                   (any active state) → ended | error
 *
 * `error` carries an {@link ErrorReason}; `ended` carries an {@link EndReason}.
 */

import { fatalCode, type FatalCode } from '../protocol/index.js';

export type CallState = 'idle' | 'ringing' | 'media' | 'waiting' | 'queued' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'error';

export type { CallKind } from '../protocol/index.js';

export type ErrorReason =
  /** The user (or a policy) refused camera/microphone access. */
  | 'permission-denied'
  /** No camera / microphone is present. */
  | 'no-device'
  /** The camera / microphone exists but another application holds it. */
  | 'device-busy'
  /** getUserMedia / RTCPeerConnection are missing (plain http page, old browser). */
  | 'unsupported'
  /** The relay refused us for good: room-full, unauthorized, bad-room (ERRORS in src/protocol/codes.ts). */
  | FatalCode
  /** The relay could not be reached (network, wrong `server`). */
  | 'relay-unreachable'
  /** No network path between the two browsers (ICE failed, restarts did not help). */
  | 'ice-failed'
  /** The relay refused our call request or accept: the token's role does not allow it (`forbidden`). */
  | 'forbidden'
  /** The relay refused our call request or accept for another reason (rate limit, in a call, …). */
  | 'refused';

export type EndReason =
  /** This side hung up. */
  | 'hang-up'
  /** The other side hung up (`bye`). */
  | 'remote-hang-up'
  /** The other side's connection went away mid-call. */
  | 'remote-left'
  /** We called: everyone it rang declined. */
  | 'declined'
  /** We called: nobody answered within the ring timeout. */
  | 'no-answer'
  /** We called: nobody in the room takes calls. */
  | 'unavailable'
  /** We called: everyone who takes calls is in a call. */
  | 'busy'
  /** It rang here and stopped unanswered (the caller hung up, gave up or left). */
  | 'missed'
  /** It rang here and someone else answered it. */
  | 'answered-elsewhere';

export type StateReason = ErrorReason | EndReason | null;

/** States in which a call is in progress (media held, hang-up possible). */
export const ACTIVE_STATES: readonly CallState[] = ['media', 'waiting', 'queued', 'connecting', 'connected', 'reconnecting'];

export const isActive = (s: CallState): boolean => ACTIVE_STATES.includes(s);

/** Errors about the relay link: they clear once the relay accepts us again. */
export const isRelayReason = (r: StateReason): boolean => r === 'relay-unreachable' || fatalCode(r) !== null;

/** Allowed transitions; anything else is a bug and is refused. */
export const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  idle: ['media', 'ringing', 'error'],
  // → media: accepted; → idle: declined here; → ended: missed or answered elsewhere; → ringing: the next call.
  ringing: ['media', 'idle', 'ended', 'ringing', 'error'],
  // media → connecting: someone took our call while our camera started; we offer once it is in.
  // media → queued: our request waits in the room's line (every desk was busy) and our camera is in.
  media: ['waiting', 'queued', 'connecting', 'ended', 'error'],
  // connecting → waiting: the peer left before the call came up; we wait for the next one.
  waiting: ['connecting', 'queued', 'ended', 'error'],
  // → waiting: our turn came, the free desks ring.
  queued: ['waiting', 'connecting', 'ended', 'error'],
  connecting: ['connected', 'waiting', 'ended', 'error'],
  // → connecting: a different peer (or the same person on a new socket) said `ready`/offered.
  connected: ['reconnecting', 'connecting', 'ended', 'error'],
  reconnecting: ['connected', 'connecting', 'ended', 'error'],
  ended: ['media', 'idle', 'ringing', 'error'],
  // error → idle: e.g. the relay became reachable again.
  error: ['media', 'idle', 'ringing', 'error'],
};

export const canTransition = (from: CallState, to: CallState): boolean => TRANSITIONS[from].includes(to);
