/**
 * Signs an event per Standard Webhooks (the `standardwebhooks` package: `webhook-id`,
 * `webhook-timestamp`, `webhook-signature` = v1,base64(HMAC-SHA256(id.timestamp.body))) and
 * POSTs it. Any 2xx is delivered; anything else (another status, a redirect, a refused
 * connection, no answer within the timeout) is a failure to retry. The secret never leaves the
 * Webhook object; what is logged of an endpoint is its redacted URL.
 */
import { Webhook } from 'standardwebhooks';
import { body, type WebhookEvent } from './events.js';

export type SendResult = { ok: true; status: number } | { ok: false; why: string };

export class Sender {
  private readonly wh: Webhook;

  constructor(secret: string, private readonly timeoutMs: number) {
    this.wh = new Webhook(secret);
  }

  /** The headers for `ev` sent at `at` (exported for tests and docs). */
  headers(ev: WebhookEvent, payload: string, at: Date): Record<string, string> {
    return {
      'content-type': 'application/json',
      'user-agent': 'rtc-call-relay-webhooks',
      'webhook-id': ev.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.wh.sign(ev.id, at, payload),
    };
  }

  async send(url: string, ev: WebhookEvent): Promise<SendResult> {
    const payload = body(ev);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: this.headers(ev, payload, new Date()),
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The answer's body is not read: a receiver says all it has to say with its status.
      await res.body?.cancel().catch(() => {});
      return res.status >= 200 && res.status < 300 ? { ok: true, status: res.status } : { ok: false, why: `HTTP ${res.status}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return { ok: false, why: e.name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (e.cause?.code ?? e.message) };
    }
  }
}
