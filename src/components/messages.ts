/** What the status line says, per state and per end/error reason (English; override with `messages`). */
import type { CallSnapshot } from '../core/controller.js';

export type StatusMessages = Partial<Record<string, string>>;

export const STATUS_TEXT: Readonly<Record<string, string>> = {
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
  'room-full': 'This call already has two people in it. Try again later.',
  'relay-unreachable': 'Cannot reach the call service. Check your connection and try again.',
  unauthorized: 'This call link was refused. Ask for a new one.',
  'bad-room': 'This call link is not valid (bad room name).',
  'ice-failed': 'Could not connect to the other person: the network blocks the call. Try another network.',
};

/** The key is the reason when there is one, else the state (voice calls have their own `media` line). */
export function statusKey(s: CallSnapshot): string {
  if (s.reason) return s.reason;
  return s.state === 'media' && s.kind === 'voice' ? 'media-voice' : s.state;
}

export const statusText = (s: CallSnapshot, overrides?: StatusMessages): string => {
  const k = statusKey(s);
  return overrides?.[k] ?? STATUS_TEXT[k] ?? '';
};
