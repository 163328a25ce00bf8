/**
 * The call's explicit state machine. Kept DOM-free so the transition rules are unit-testable.
 *
 *   idle → media → waiting → connecting → connected ⇄ reconnecting → ended
 *                                   (any active state) → ended | error
 *
 * `error` carries an {@link ErrorReason}; `ended` carries an {@link EndReason}.
 */

import { fatalCode, type FatalCode } from '../protocol.js';

export type CallState = 'idle' | 'media' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'error';

export type { CallKind } from '../protocol.js';

export type ErrorReason =
  /** The user (or a policy) refused camera/microphone access. */
  | 'permission-denied'
  /** No camera / microphone is present. */
  | 'no-device'
  /** The camera / microphone exists but another application holds it. */
  | 'device-busy'
  /** getUserMedia / RTCPeerConnection are missing (plain http page, old browser). */
  | 'unsupported'
  /** The relay refused us for good: room-full, unauthorized, bad-room (protocol.ts ERRORS). */
  | FatalCode
  /** The relay could not be reached (network, wrong `server`). */
  | 'relay-unreachable'
  /** No network path between the two browsers (ICE failed, restarts did not help). */
  | 'ice-failed';

export type EndReason =
  /** This side hung up. */
  | 'hang-up'
  /** The other side hung up (`bye`). */
  | 'remote-hang-up'
  /** The other side's connection went away mid-call. */
  | 'remote-left';

export type StateReason = ErrorReason | EndReason | null;

/** States in which a call is in progress (media held, hang-up possible). */
export const ACTIVE_STATES: readonly CallState[] = ['media', 'waiting', 'connecting', 'connected', 'reconnecting'];

export const isActive = (s: CallState): boolean => ACTIVE_STATES.includes(s);

/** Errors about the relay link: they clear once the relay accepts us again. */
export const isRelayReason = (r: StateReason): boolean => r === 'relay-unreachable' || fatalCode(r) !== null;

/** Allowed transitions; anything else is a bug and is refused. */
export const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  idle: ['media', 'error'],
  media: ['waiting', 'ended', 'error'],
  // connecting → waiting: the peer left before the call came up; we wait for the next one.
  waiting: ['connecting', 'ended', 'error'],
  connecting: ['connected', 'waiting', 'ended', 'error'],
  // → connecting: a different peer (or the same person on a new socket) said `ready`/offered.
  connected: ['reconnecting', 'connecting', 'ended', 'error'],
  reconnecting: ['connected', 'connecting', 'ended', 'error'],
  ended: ['media', 'idle', 'error'],
  // error → idle: e.g. the relay became reachable again.
  error: ['media', 'idle', 'error'],
};

export const canTransition = (from: CallState, to: CallState): boolean => TRANSITIONS[from].includes(to);
