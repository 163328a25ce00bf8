/** What the status line says, per state and per end/error reason (English; override with `messages`). */
import type { CallSnapshot } from '../browser/instance.js';
import type { CallState, StateReason } from '../core/state.js';
import type { Presence } from '../core/phone-types.js';

/** A call that rings, or rang: `…-voice` for a voice call, `…-unnamed` when the caller sent no name. */
type CallKey<B extends string> = B | `${B}-voice` | `${B}-unnamed` | `${B}-voice-unnamed`;

/**
 * A status line's key: a reason when there is one, else a state (`ended` and `error` always carry
 * a reason); `media-voice` for the `media` line of a voice call; `ringing…` and `missed…` by kind
 * and by whether the caller has a name; `presence-…` for the idle line; `ring-title` for the
 * page title that blinks while a call rings in a hidden page.
 */
export type StatusKey =
  | Exclude<CallState, 'ended' | 'error' | 'ringing'>
  | Exclude<NonNullable<StateReason>, 'missed'>
  | 'media-voice'
  | CallKey<'ringing'>
  | CallKey<'missed'>
  | `presence-${Presence}`
  | 'ring-title';

export type StatusMessages = Partial<Record<StatusKey, string>>;

/** Every key has a text: a new state or reason without one does not compile. `{name}`: the caller's name. */
export const STATUS_TEXT: Readonly<Record<StatusKey, string>> = {
  idle: '',
  'presence-available': 'Someone is available to take your call.',
  'presence-busy': 'Everyone is on a call right now. Try again soon.',
  'presence-offline': 'Nobody is available right now.',
  ringing: 'Incoming video call from {name}',
  'ringing-voice': 'Incoming voice call from {name}',
  'ringing-unnamed': 'Incoming video call',
  'ringing-voice-unnamed': 'Incoming voice call',
  'ring-title': '📞 Incoming call…',
  media: 'Starting your camera and microphone…',
  'media-voice': 'Starting your microphone…',
  waiting: 'Calling…',
  connecting: 'Connecting…',
  connected: 'Connected.',
  reconnecting: 'Connection interrupted. Reconnecting…',
  'hang-up': 'Call ended.',
  'remote-hang-up': 'The other person hung up.',
  'remote-left': 'The other person left the call.',
  declined: 'The call was declined.',
  'no-answer': 'No answer.',
  unavailable: 'Nobody is available to take your call right now.',
  busy: 'Everyone is on another call. Try again soon.',
  missed: 'Missed video call from {name}.',
  'missed-voice': 'Missed voice call from {name}.',
  'missed-unnamed': 'Missed video call.',
  'missed-voice-unnamed': 'Missed voice call.',
  'answered-elsewhere': 'This call was answered elsewhere.',
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

/** The call a ringing or missed line is about: the one ringing now, or the last one missed. */
const about = (s: CallSnapshot): { kind: string; name: string } | undefined => s.incoming ?? s.missed.at(-1);

export function statusKey(s: CallSnapshot): StatusKey {
  const base = s.reason ?? s.state;
  if (base === 'ringing' || base === 'missed') {
    const c = about(s);
    return `${base}${c?.kind === 'voice' ? '-voice' : ''}${c?.name ? '' : '-unnamed'}` as StatusKey;
  }
  if (base === 'idle') return s.relayConnected ? `presence-${s.presence}` : 'idle';
  // The callee's `waiting` is the moment between its Accept and the caller's offer: no one is being called.
  if (base === 'waiting' && s.role === 'callee') return 'connecting';
  return base === 'media' && s.kind === 'voice' ? 'media-voice' : (base as StatusKey);
}

export const statusText = (s: CallSnapshot, overrides?: StatusMessages): string => {
  const k = statusKey(s);
  return (overrides?.[k] ?? STATUS_TEXT[k] ?? '').replace('{name}', about(s)?.name ?? '');
};
