/**
 * Checks across options, for code and environment alike, run once every option has its value:
 * a message (naming the variables, which code users know too) when the combination cannot work.
 */
import type { RelayOptions } from './options.js';

export const RULES: Array<(o: RelayOptions) => string | undefined> = [
  (o) =>
    o.iceTransportPolicy === 'relay' && !o.turn
      ? 'ICE_TRANSPORT_POLICY=relay needs TURN (TURN_URLS and TURN_SECRET): without it no call can connect'
      : undefined,
  (o) => (o.webhookUrls.length && !o.webhookSecret ? 'WEBHOOK_URL is set but WEBHOOK_SECRET is not: events are always signed' : undefined),
  (o) => (o.webhookSecret && !o.webhookUrls.length ? 'WEBHOOK_SECRET is set but WEBHOOK_URL is not: name the endpoint(s) that receive the events' : undefined),
];
