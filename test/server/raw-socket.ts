/**
 * A bare Socket.IO client (Engine.IO 4 over a WebSocket, written on node:net) for the load tests:
 * it costs a few hundred bytes, so a test can open thousands, tells exactly how a handshake
 * ended (admitted, told `too-many`, or refused at the HTTP upgrade), and its TCP socket can be
 * paused to make a client that stops reading.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export type Outcome =
  /** Joined: `client-id` arrived. */
  | { kind: 'joined' }
  /** A Socket.IO connect_error with the relay's code (e.g. too-many). */
  | { kind: 'told'; code: string; message: string }
  /** The WebSocket upgrade was refused with an HTTP status. */
  | { kind: 'http'; status: number; body: string }
  /** The connection failed or closed before any of the above. */
  | { kind: 'error'; message: string };

export interface RawOptions {
  port: number;
  host?: string;
  localAddress?: string;
  /** Handshake `auth`. */
  auth?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A client → server WebSocket text frame (masked, as RFC 6455 requires of clients). */
function frame(text: string, opcode = 0x1): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.alloc(len < 65536 ? 4 : 10);
  if (len >= 126) {
    head[0] = 0x80 | opcode;
    if (len < 65536) {
      head[1] = 0x80 | 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
  }
  const mask = randomBytes(4);
  for (let i = 0; i < len; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, payload]);
}

export class RawClient {
  readonly tcp: Socket;
  /** Socket.IO events received after joining: [name, payload]. */
  readonly events: [string, unknown][] = [];
  readonly outcome: Promise<Outcome>;
  /** Set once the TCP connection is gone. */
  closed = false;
  private settle!: (o: Outcome) => void;
  private buf: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private listeners: ((ev: string, data: unknown) => void)[] = [];

  constructor(private readonly opts: RawOptions) {
    this.outcome = new Promise((r) => (this.settle = r));
    const host = opts.host ?? '127.0.0.1';
    this.tcp = connect({ port: opts.port, host, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    this.tcp.setNoDelay(true);
    this.tcp.on('connect', () => {
      const extra = Object.entries(opts.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      this.tcp.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${host}:${opts.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    this.tcp.on('data', (chunk: Buffer) => this.onData(chunk));
    this.tcp.on('error', (err) => this.settle({ kind: 'error', message: err.message }));
    this.tcp.on('close', () => {
      this.closed = true;
      if (!this.upgraded && this.buf.length) return this.httpRefusal();
      this.settle({ kind: 'error', message: 'closed' });
    });
  }

  /** Calls `fn` for every event received from now on. */
  on(fn: (ev: string, data: unknown) => void): void {
    this.listeners.push(fn);
  }

  /** Emits a Socket.IO event. */
  emit(ev: string, data?: unknown): void {
    if (this.closed) return;
    this.tcp.write(frame(`42${JSON.stringify(data === undefined ? [ev] : [ev, data])}`));
  }

  close(): void {
    this.tcp.destroy();
  }

  private httpRefusal(): void {
    const text = this.buf.toString();
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
    this.settle({ kind: 'http', status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.upgraded) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!this.buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return; // the rest of a refusal comes before close
      this.upgraded = true;
      this.buf = this.buf.subarray(end + 4);
    }
    // Server frames are unmasked and, from `ws`, never fragmented.
    while (this.buf.length >= 2) {
      const opcode = this.buf[0]! & 0x0f;
      let len = this.buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buf.length < at + len) return;
      const payload = this.buf.subarray(at, at + len);
      this.buf = this.buf.subarray(at + len);
      if (opcode === 0x1) this.onPacket(payload.toString());
      else if (opcode === 0x9) this.tcp.write(frame(payload.toString(), 0xa));
      else if (opcode === 0x8) this.tcp.end();
    }
  }

  /** One Engine.IO packet: 0 open, 2 ping, 4 message (a Socket.IO packet: 0 connect, 2 event, 4 connect_error). */
  private onPacket(p: string): void {
    if (p[0] === '0') return void this.tcp.write(frame(`40${this.opts.auth ? JSON.stringify(this.opts.auth) : ''}`));
    if (p[0] === '2') return void this.tcp.write(frame('3'));
    if (p[0] !== '4') return;
    if (p[1] === '4') {
      const e = JSON.parse(p.slice(2)) as { message: string; data?: { code?: string } };
      return this.settle({ kind: 'told', code: e.data?.code ?? '', message: e.message });
    }
    if (p[1] !== '2') return;
    const [ev, data] = JSON.parse(p.slice(2)) as [string, unknown];
    this.events.push([ev, data]);
    if (ev === 'client-id') this.settle({ kind: 'joined' });
    for (const fn of this.listeners) fn(ev, data);
  }
}
