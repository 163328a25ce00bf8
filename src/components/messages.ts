/** What the status line says, per state and per end/error reason (English; override with `messages`). */
import type { CallSnapshot } from '../browser/instance.js';
import type { CallState, StateReason } from '../core/state.js';

/**
 * A status line's key: a reason when there is one, else a state (`ended` and `error` always carry
 * a reason), and `media-voice` for the `media` line of a voice call.
 */
export type StatusKey = Exclude<CallState, 'ended' | 'error'> | NonNullable<StateReason> | 'media-voice';

export type StatusMessages = Partial<Record<StatusKey, string>>;

/** Every key has a text: a new state or reason without one does not compile. */
export const STATUS_TEXT: Readonly<Record<StatusKey, string>> = {
  idle: '',
  media: 'Starting your camera and microphone…',
  'media-voice': 'Starting your microphone…',
  waiting: 'Waiting for the other person to join…',
  connecting: 'Connecting…',
  connected: 'Connected.',
  reconnecting: 'Connection interrupted. Reconnecting…',
  'hang-up': 'Call ended.',
  'remote-hang-up': 'The other person hung up.',
  'remote-left': 'The other person left the call.',
  'permission-denied': 'Camera or microphone access was blocked. Allow it in your browser’s site settings and try again.',
  'no-device': 'No camera or microphone was found. Connect one and try again.',
  'device-busy': 'Your camera or microphone is being used by another application.',
  unsupported: 'This browser cannot make calls on this page (it needs a secure https page and WebRTC).',
  'room-full': 'This call is full. Try again later.',
  'relay-unreachable': 'Cannot reach the call service. Check your connection and try again.',
  unauthorized: 'This call link was refused. Ask for a new one.',
  'bad-room': 'This call link is not valid (bad room name).',
  'ice-failed': 'Could not connect to the other person: the network blocks the call. Try another network.',
};

export function statusKey(s: CallSnapshot): StatusKey {
  if (s.reason) return s.reason;
  const state = s.state as StatusKey;
  return state === 'media' && s.kind === 'voice' ? 'media-voice' : state;
}

export const statusText = (s: CallSnapshot, overrides?: StatusMessages): string => {
  const k = statusKey(s);
  return overrides?.[k] ?? STATUS_TEXT[k] ?? '';
};
