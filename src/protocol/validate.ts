/**
 * Untrusted input checked against the protocol: the `message` payload (both sides), the room name
 * (relay), a call summary (relay), and the payloads whose schema the widget checks (ICE, presence).
 */
import { LIMITS, CALL_ID_PATTERN, DEFAULT_ROOM, ROOM_PATTERN, SUMMARY_LIMITS } from './limits.js';
import { CALL_KINDS, CANCEL_REASONS, MEDIA_FLAGS, MESSAGE_TYPES, type CallKind, type CancelReason, type MessageType, type SignalMessage } from './messages.js';
import { ICE_CONFIG_SCHEMA, PRESENCE_SCHEMA, type CallSummaryReport, type IceConfig, type PresencePayload } from './payloads.js';
import { matchesSchema } from './schema.js';

const inRange = (v: unknown, max: number, int: boolean): v is number => typeof v === 'number' && v >= 0 && v <= max && (!int || Number.isInteger(v));

/** A clean copy of an untrusted `call-summary` (known fields only), or the field that is wrong. */
export function checkCallSummary(raw: unknown): CallSummaryReport | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'payload';
  const m = raw as Record<string, unknown>;
  const { call, durationMs, relayed, rttMs, packetLoss, reconnects } = m;
  if (typeof call !== 'string' || !CALL_ID_PATTERN.test(call)) return 'call';
  if (!inRange(durationMs, SUMMARY_LIMITS.maxDurationMs, true)) return 'durationMs';
  if (relayed !== null && typeof relayed !== 'boolean') return 'relayed';
  if (rttMs !== null && !inRange(rttMs, SUMMARY_LIMITS.maxRttMs, false)) return 'rttMs';
  if (packetLoss !== null && !inRange(packetLoss, 1, false)) return 'packetLoss';
  if (!inRange(reconnects, SUMMARY_LIMITS.maxReconnects, true)) return 'reconnects';
  return { call, durationMs, relayed, rttMs, packetLoss, reconnects };
}

/** Checks an untrusted ICE configuration against ICE_CONFIG_SCHEMA; throws on anything that is not one. */
export function parseIceConfig(body: unknown): IceConfig {
  if (!matchesSchema(ICE_CONFIG_SCHEMA, body)) throw new Error('bad ICE configuration');
  return { iceTransportPolicy: 'all', ...(body as object) } as IceConfig;
}

/** An untrusted presence (the `presence` event, `client-id`'s, or `GET /presence`'s answer), or undefined when it is not one. */
export const parsePresence = (p: unknown): PresencePayload | undefined => (matchesSchema(PRESENCE_SCHEMA, p) ? (p as PresencePayload) : undefined);

export type ValidationResult =
  | { ok: true; message: SignalMessage }
  | { ok: false; code: 'bad-message'; message: string };

/** True when `s` takes more than `max` bytes as UTF-8, without allocating an encoding. */
const exceedsUtf8 = (s: string, max: number): boolean => {
  if (s.length > max) return true; // every code unit is at least one byte
  if (s.length * 3 <= max) return false; // and at most three
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n > max;
};

const isMessageType = (t: unknown): t is MessageType =>
  typeof t === 'string' && (MESSAGE_TYPES as readonly string[]).includes(t);

/** The optional string fields and their limits: [max, counted in UTF-8 bytes rather than characters]. */
const STRING_FIELDS = {
  sdp: [LIMITS.maxSdpBytes, true],
  candidate: [LIMITS.maxCandidateBytes, true],
  sdpMid: [LIMITS.maxSdpMidLength, false],
  usernameFragment: [LIMITS.maxUsernameFragmentLength, false],
  to: [LIMITS.maxIdLength, false],
  clientId: [LIMITS.maxIdLength, false],
  call: [LIMITS.maxCallIdLength, false],
  name: [LIMITS.maxNameLength, false],
  kind: [8, false],
  reason: [16, false],
} as const;
/**
 * The same as a list, made once. The relay checks every message against it: about 90 ns per
 * message against 30 for checks written out field by field, which cost the widget ~55 bytes,
 * while a relayed message costs the relay ~56 µs of CPU (bench/RESULTS.md).
 */
const STRING_FIELD_LIST = Object.entries(STRING_FIELDS);

/**
 * Why a message is refused, as data: [what is wrong, the field or message type it concerns].
 * The client only drops such messages and needs no wording; the relay words it with
 * validateMessage (so the widget bundle carries none of the texts).
 */
export type MessageProblem = readonly [
  problem: 'object' | 'type' | 'string' | 'long' | 'no-sdp' | 'has-sdp' | 'no-candidate' | 'has-candidate' | 'index' | 'empty-to' | 'call' | 'no-call' | 'kind' | 'reason' | 'flag',
  subject: string,
];

/**
 * Checks an untrusted `message` payload against the limits above. Returns a clean copy
 * holding only known fields (unknown fields are dropped, never relayed), or the problem.
 * Used by the relay on every inbound message and by the controller on every relayed one.
 */
export function checkMessage(raw: unknown): SignalMessage | MessageProblem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ['object', ''];
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (!isMessageType(type)) return ['type', 'type'];
  const out: SignalMessage = { type };

  for (const [name, [max, bytes]] of STRING_FIELD_LIST) {
    const v = m[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return ['string', name];
    if (bytes ? exceedsUtf8(v, max) : v.length > max) return ['long', name];
  }

  if (type === 'offer' || type === 'answer') {
    if (typeof m.sdp !== 'string' || m.sdp.length === 0) return ['no-sdp', type];
    out.sdp = m.sdp;
  } else if (m.sdp !== undefined) {
    return ['has-sdp', type];
  }

  if (type === 'candidate') {
    if (typeof m.candidate !== 'string') return ['no-candidate', type];
    out.candidate = m.candidate;
    const i = m.sdpMLineIndex;
    if (i !== undefined && i !== null) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > LIMITS.maxSdpMLineIndex) return ['index', 'sdpMLineIndex'];
      out.sdpMLineIndex = i;
    }
    if (typeof m.sdpMid === 'string') out.sdpMid = m.sdpMid;
    if (typeof m.usernameFragment === 'string') out.usernameFragment = m.usernameFragment;
  } else if (m.candidate !== undefined) {
    return ['has-candidate', type];
  }

  if (typeof m.to === 'string') {
    if (m.to.length === 0) return ['empty-to', 'to'];
    out.to = m.to;
  }

  // v2 ringing fields (their lengths were checked above).
  if (typeof m.call === 'string') {
    if (!CALL_ID_PATTERN.test(m.call)) return ['call', 'call'];
    out.call = m.call;
  } else if (type === 'accept' || type === 'decline' || type === 'cancel') return ['no-call', type];
  if (typeof m.kind === 'string') {
    if (!(CALL_KINDS as readonly string[]).includes(m.kind)) return ['kind', 'kind'];
    out.kind = m.kind as CallKind;
  }
  if (typeof m.name === 'string') out.name = m.name;
  if (typeof m.reason === 'string') {
    if (!(CANCEL_REASONS as readonly string[]).includes(m.reason)) return ['reason', 'reason'];
    out.reason = m.reason as CancelReason;
  }
  if (m.queue !== undefined) {
    if (typeof m.queue !== 'boolean') return ['flag', 'queue'];
    if (type === 'ready') out.queue = m.queue;
  }
  if (type === 'media')
    for (const k of MEDIA_FLAGS) {
      const v = m[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') return ['flag', k];
      out[k] = v;
    }
  return out;
}

/** A refusal in words, for the `error` event's `message`. */
export function describeProblem([problem, subject]: MessageProblem): string {
  switch (problem) {
    case 'object':
      return 'message must be an object';
    case 'type':
      return `type must be one of ${MESSAGE_TYPES.join(', ')}`;
    case 'string':
      return `${subject} must be a string`;
    case 'long': {
      const [max, bytes] = STRING_FIELDS[subject as keyof typeof STRING_FIELDS];
      return `${subject} is longer than ${max}${bytes ? ' bytes' : ''}`;
    }
    case 'no-sdp':
      return `${subject} needs a non-empty sdp`;
    case 'has-sdp':
      return `${subject} must not carry sdp`;
    case 'no-candidate':
      return 'candidate needs a candidate string';
    case 'has-candidate':
      return `${subject} must not carry a candidate`;
    case 'index':
      return `sdpMLineIndex must be an integer 0..${LIMITS.maxSdpMLineIndex}`;
    case 'empty-to':
      return 'to must not be empty';
    case 'call':
      return 'call must be 1-64 characters A-Z a-z 0-9 _ -';
    case 'no-call':
      return `${subject} needs a call id`;
    case 'kind':
      return `kind must be one of ${CALL_KINDS.join(', ')}`;
    case 'reason':
      return `reason must be one of ${CANCEL_REASONS.join(', ')}`;
    case 'flag':
      return `${subject} must be true or false`;
  }
}

/** checkMessage with the refusal worded (the relay's form). */
export function validateMessage(raw: unknown): ValidationResult {
  const r = checkMessage(raw);
  return Array.isArray(r) ? { ok: false, code: 'bad-message', message: describeProblem(r as MessageProblem) } : { ok: true, message: r as SignalMessage };
}

/** Normalises a handshake room name; returns null when it is not acceptable. */
export function parseRoom(raw: unknown, fallback: string = DEFAULT_ROOM): string | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw !== 'string' || !ROOM_PATTERN.test(raw)) return null;
  return raw;
}
