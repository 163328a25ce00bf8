/**
 * The webhook events the relay sends (docs/relay.md, "Webhooks"), as pure data: what each
 * event's `data` holds, built from what the relay keeps of a call (CallMeta), and each event's
 * id. Ids are derived from the call (room, id, when it was requested) and the event, so the same
 * event decided twice (two nodes, a retry of the work) is still one event: one `webhook-id`.
 */
import { createHash } from 'node:crypto';
import type { CallKind, CallSummaryReport } from '../../src/protocol/index.js';

export const EVENT_TYPES = ['call.requested', 'call.queued', 'call.answered', 'call.declined', 'call.missed', 'call.ended'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A side of a call as the site sees it: the relay's display name and the token's `sub` (null without tokens or sub). */
export interface Party {
  name: string;
  sub: string | null;
}

/** What the relay keeps of a call for its events (webhooks/store.ts), from its request on. */
export interface CallMeta {
  room: string;
  call: string;
  kind: CallKind;
  /** ms */
  requestedAt: number;
  caller: Party;
  answerer?: Party;
  answeredAt?: number;
  /** Socket ids of each side (a rejoin adds one): who may report a summary for which side. */
  callerSockets: string[];
  answererSockets: string[];
}

export type Side = 'caller' | 'answerer';
/** Why a request closed unanswered. */
export type MissedReason = 'no-answer' | 'caller-cancelled' | 'caller-gone' | 'unavailable' | 'busy';
/** Why a bound call ended: a side hung up, or a side's link went and it did not come back in time. */
export type EndReason = 'hang-up' | 'connection-lost';

/** One event, as signed and sent: `{ type, timestamp, data }` (Standard Webhooks' payload shape). */
export interface WebhookEvent {
  /** `webhook-id`: the same on every retry. */
  id: string;
  type: EventType;
  /** ISO time of the event. */
  timestamp: string;
  data: Record<string, unknown>;
  /** call.ended: the summaries are merged in before its first delivery (see store.ts). */
  awaitsSummaries?: { room: string; call: string };
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export const eventId = (meta: Pick<CallMeta, 'room' | 'call' | 'requestedAt'>, type: EventType, extra = ''): string =>
  `msg_${createHash('sha256').update(`${meta.room}\n${meta.call}\n${meta.requestedAt}\n${type}\n${extra}`).digest('base64url').slice(0, 27)}`;

/** The fields every event has: the call, both sides, the times so far. */
function base(meta: CallMeta): Record<string, unknown> {
  return {
    room: meta.room,
    call: meta.call,
    kind: meta.kind,
    caller: meta.caller,
    answerer: meta.answerer ?? null,
    requestedAt: iso(meta.requestedAt),
    answeredAt: iso(meta.answeredAt),
  };
}

const event = (meta: CallMeta, type: EventType, at: number, data: Record<string, unknown>, extra = ''): WebhookEvent => ({
  id: eventId(meta, type, extra),
  type,
  timestamp: new Date(at).toISOString(),
  data: { ...base(meta), ...data },
});

export const requested = (meta: CallMeta, rung: number): WebhookEvent => event(meta, 'call.requested', meta.requestedAt, { rung });

/** A request waiting in the room's line at `position` (1 = next). */
export const queued = (meta: CallMeta, at: number, position: number): WebhookEvent => event(meta, 'call.queued', at, { queuedAt: iso(at), position });

export const answered = (meta: CallMeta): WebhookEvent => event(meta, 'call.answered', meta.answeredAt ?? Date.now(), {});

/** One desk declined; `final` when it was the last one ringing (the request closed). */
export const declined = (meta: CallMeta, at: number, by: Party, byId: string, final: boolean): WebhookEvent =>
  event(meta, 'call.declined', at, { declinedAt: iso(at), declinedBy: by, final }, byId);

export const missed = (meta: CallMeta, at: number, reason: MissedReason): WebhookEvent =>
  event(meta, 'call.missed', at, { endedAt: iso(at), reason, waitedMs: Math.max(0, at - meta.requestedAt) });

export const ended = (meta: CallMeta, at: number, by: Side | null, reason: EndReason): WebhookEvent => ({
  ...event(meta, 'call.ended', at, {
    endedAt: iso(at),
    durationMs: Math.max(0, at - (meta.answeredAt ?? at)),
    endedBy: by,
    reason,
    summaries: { caller: null, answerer: null },
  }),
  awaitsSummaries: { room: meta.room, call: meta.call },
});

/** call.ended with the sides' reports merged in (each null when that side sent none in time). */
export function withSummaries(ev: WebhookEvent, s: Partial<Record<Side, Omit<CallSummaryReport, 'call'>>>): WebhookEvent {
  const { awaitsSummaries: _, ...rest } = ev;
  return { ...rest, data: { ...ev.data, summaries: { caller: s.caller ?? null, answerer: s.answerer ?? null } } };
}

/** The body as sent: what the signature covers. */
export const body = (ev: WebhookEvent): string => JSON.stringify({ type: ev.type, timestamp: ev.timestamp, data: ev.data });
