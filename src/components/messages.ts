/**
 * Every text the elements show, by key: status lines per state and reason, button labels, marks.
 * English is built in; `addLanguage()` installs a whole language (see src/lang/ for the packs
 * shipped beside the bundle), and an element's `messages` property overrides single texts.
 */
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
  | 'desk-idle'
  | 'desk-away'
  | 'ring-title'
  | `lost-${'audio' | 'video'}`;

/** The texts that are not status lines: buttons (their accessible names too), menus, marks. */
export type LabelKey =
  | `label-${'video' | 'voice' | 'hangup' | 'cancel' | 'play' | 'accept' | 'decline' | 'mute' | 'camera' | 'share' | 'devices' | 'pip' | 'fullscreen' | 'away'}`
  | `label-${'start' | 'clear' | 'missed' | 'unknown' | 'level' | 'prejoin'}`
  | `device-${'videoinput' | 'audioinput' | 'audiooutput'}`
  | `panel-${'play' | 'voice' | 'no-video' | 'muted' | 'time'}`
  | `quality-${'good' | 'fair' | 'poor' | 'figures'}`
  | `route-${'direct' | 'relayed'}`
  // The panel's call controls: the full-screen button's other name, the bar's name, a remote mark.
  | 'label-exit-fullscreen'
  | 'label-controls'
  | 'panel-camera-off';

export type TextKey = StatusKey | LabelKey;
/** Texts by key, e.g. `{ 'room-full': 'Complet', 'label-mute': 'Couper le micro' }`. */
export type StatusMessages = Partial<Record<TextKey, string>>;
/** A whole language: every key has a text (a new key without one does not compile). */
export type LanguagePack = Readonly<Record<TextKey, string>>;

/** English. `{name}`: the caller's name; `{position}`: our place in the line; `{rtt}`, `{loss}`, `{jitter}`: figures. */
export const STATUS_TEXT: LanguagePack = {
  'label-video': 'Video call',
  'label-voice': 'Voice call',
  'label-hangup': 'Hang up',
  'label-cancel': 'Cancel',
  'label-play': 'Play audio',
  'label-accept': 'Accept',
  'label-decline': 'Decline',
  'label-mute': 'Mute',
  'label-camera': 'Camera off',
  'label-share': 'Share screen',
  'label-devices': 'Devices',
  'label-away': 'Away',
  'label-pip': 'Picture in picture',
  'label-fullscreen': 'Full screen',
  'label-start': 'Start call',
  'label-clear': 'Clear',
  'label-missed': 'Missed calls',
  'label-unknown': 'Unknown caller',
  'label-level': 'Microphone level',
  'label-prejoin': 'Check your camera and microphone',
  'device-videoinput': 'Camera',
  'device-audioinput': 'Microphone',
  'device-audiooutput': 'Speaker',
  'panel-play': 'Click to play audio',
  'panel-voice': 'Voice call',
  'panel-no-video': 'No video',
  'panel-muted': 'Muted',
  'panel-time': 'Call time',
  'quality-good': 'Good connection',
  'quality-fair': 'Weak connection',
  'quality-poor': 'Very weak connection',
  'quality-figures': '{rtt} ms round trip, {loss} % loss, {jitter} ms jitter',
  'route-direct': 'Direct',
  'route-relayed': 'Through a relay server',
  'label-exit-fullscreen': 'Exit full screen',
  'label-controls': 'Call controls',
  'panel-camera-off': 'Camera off',
  'lost-audio': 'Your microphone stopped working. Check it and try again.',
  'lost-video': 'Your camera stopped working. The other person sees your name instead.',
  idle: '',
  'desk-idle': 'Waiting for calls.',
  'desk-away': 'You are away. Calls will not ring here.',
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
  queued: 'Everyone is on a call. You are number {position} in line.',
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
  forbidden: 'This link can only answer calls, not place them.',
  refused: 'The call service refused this call. Try again in a moment.',
};

/** The call a ringing or missed line is about: the one ringing now, or the last one missed. */
const about = (s: CallSnapshot): { kind: string; name: string } | undefined => s.incoming ?? s.missed.at(-1);

export function statusKey(s: CallSnapshot): StatusKey {
  const base = s.reason ?? s.state;
  if (base === 'ringing' || base === 'missed') {
    const c = about(s);
    return `${base}${c?.kind === 'voice' ? '-voice' : ''}${c?.name ? '' : '-unnamed'}` as StatusKey;
  }
  if (base === 'idle') return !s.relayConnected && !s.presenceKnown ? 'idle' : !s.outgoing ? 'desk-idle' : `presence-${s.presence}`;
  // The callee's `waiting` is the moment between its Accept and the caller's offer: no one is being called.
  if (base === 'waiting' && s.role === 'callee') return 'connecting';
  if (base === 'connected' && s.lost) return `lost-${s.lost}`;
  return base === 'media' && s.kind === 'voice' ? 'media-voice' : (base as StatusKey);
}

/** Installed languages by lowercase tag (`de`, `pt-br`). */
const packs: Record<string, StatusMessages> = {};

/** Installs (or extends) a language; elements whose `lang` matches use it from their next render. */
export function addLanguage(lang: string, texts: StatusMessages): void {
  const k = lang.toLowerCase();
  packs[k] = { ...packs[k], ...texts };
}

/** Looks texts up for a language tag: the page's overrides, then `de-AT`, then `de`, then English. */
export type Texts = (key: TextKey) => string;
export const texts =
  (lang: string, overrides?: StatusMessages): Texts =>
  (k) => {
    const l = lang.toLowerCase();
    return overrides?.[k] ?? packs[l]?.[k] ?? packs[l.split('-')[0]!]?.[k] ?? STATUS_TEXT[k];
  };

/**
 * The status line. The caller's name is untrusted text: it goes in through a replacer function,
 * so it is inserted as written (as a replacement string, `$\`` or `$&` in a name would expand).
 */
export const statusText = (s: CallSnapshot, t: Texts = texts('')): string => t(statusKey(s)).replace('{name}', () => about(s)?.name ?? '')
    .replace('{position}', String(s.queuePosition ?? ''));
