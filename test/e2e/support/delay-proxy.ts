/**
 * Latency without netem (ENVIRONMENT.md): a userspace proxy in front of coturn, UDP and TCP on
 * one 127.0.0.1 port, that holds every datagram and every TCP chunk `delayMs` in each
 * direction before passing it on. Relay-only calls (ice-policy relay) send all media through
 * it twice (A → coturn, coturn → B), so the peers' round trip grows by 4 × delayMs.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, connect, type Socket as TcpSocket } from 'node:net';
import { freeTcpUdpPort } from './ports.js';

export interface DelayProxy {
  port: number;
  /** `turn:` URLs through the proxy (UDP and TCP), for the relay's TURN_URLS. */
  urls: string[];
  /** Datagrams and TCP chunks passed on so far (both directions). */
  readonly forwarded: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: number, delayMs: number): Promise<DelayProxy> {
  const port = await freeTcpUdpPort();
  let forwarded = 0;
  const later = (fn: () => void): void => void setTimeout(() => (forwarded++, fn()), delayMs);

  // UDP: one upstream socket per client address, so coturn sees each client as its own 5-tuple.
  const front = createSocket('udp4');
  const upstreams = new Map<string, UdpSocket>();
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let up = upstreams.get(key);
    if (!up) {
      const u = (up = createSocket('udp4'));
      upstreams.set(key, u);
      u.on('message', (back) => later(() => front.send(back, from.port, from.address)));
      u.on('error', () => undefined);
      u.bind(0, '127.0.0.1');
    }
    const u = up;
    later(() => u.send(msg, target, '127.0.0.1'));
  });
  front.on('error', () => undefined);
  await new Promise<void>((r) => front.bind(port, '127.0.0.1', r));

  // TCP: each chunk delayed, order kept (timers of equal delay fire in order).
  const open = new Set<TcpSocket>();
  const tcp = createServer((client) => {
    const up = connect(target, '127.0.0.1');
    for (const s of [client, up]) {
      open.add(s);
      s.on('error', () => undefined);
      s.once('close', () => (open.delete(s), client.destroy(), up.destroy()));
    }
    client.on('data', (c) => later(() => up.writable && up.write(c)));
    up.on('data', (c) => later(() => client.writable && client.write(c)));
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));

  return {
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    get forwarded() {
      return forwarded;
    },
    close: async () => {
      for (const s of open) s.destroy();
      for (const u of upstreams.values()) u.close();
      front.close();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}
