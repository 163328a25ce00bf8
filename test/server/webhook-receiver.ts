/**
 * Test support: a real webhook receiver (node:http on 127.0.0.1) that verifies every request
 * with the `standardwebhooks` package, as a site's backend would, and records what it got. It
 * can go down (its port closed: connections refused) and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';

export const WEBHOOK_SECRET = `whsec_${Buffer.from('a test secret of 32 bytes, ok!!!').toString('base64')}`;

export interface Received {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
  at: number;
}

export class Receiver {
  /** Every verified delivery, in arrival order (a retry of one id appears again). */
  readonly got: Received[] = [];
  /** Requests whose signature did not verify (must stay 0). */
  readonly refused: string[] = [];
  /** Status answered to valid deliveries. */
  status = 204;
  port = 0;
  private server: Server | undefined;
  private readonly wh = new Webhook(WEBHOOK_SECRET);

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString('utf8');
      try {
        const ev = this.wh.verify(payload, req.headers as Record<string, string>) as Omit<Received, 'id' | 'at'>;
        this.got.push({ ...ev, id: String(req.headers['webhook-id']), at: Date.now() });
        res.writeHead(this.status).end();
      } catch (err) {
        this.refused.push(String(err));
        res.writeHead(400).end();
      }
    });
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and every open connection: deliveries are refused until up() again. */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  of(type: string): Received[] {
    return this.got.filter((e) => e.type === type);
  }

  /** The deliveries about call `call`. */
  forCall(call: string): Received[] {
    return this.got.filter((e) => e.data.call === call);
  }
}

export async function startReceiver(t: TestContext): Promise<Receiver> {
  const r = new Receiver();
  await r.up();
  t.after(() => r.down());
  return r;
}

/** Relay options for webhooks to `r`, with quick retries and a short wait for summaries (tests). */
export const webhookOptions = (r: Receiver, summaryWaitMs = 300) => ({
  webhookUrls: [r.url],
  webhookSecret: WEBHOOK_SECRET,
  webhookDelivery: { timeoutMs: 2000, retry: { baseMs: 200, maxMs: 2000, maxAgeMs: 600_000 }, pollMs: 100, leaseMs: 3000, concurrency: 8, summaryWaitMs },
  // These tests' visitor places call after call at once; the per-socket budget is ring-limits.test.ts's subject.
  callRequests: { perMinute: 6000, burst: 1000, minGapMs: 0 },
});
