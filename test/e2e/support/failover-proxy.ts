/**
 * A TCP front for several relay nodes, as a load balancer with health checks would be: each new
 * connection goes to the first node in order that accepts it, so every page starts on the first
 * node and, once that one is killed, lands on the next.
 */
import { connect, createServer, type Socket } from 'node:net';
import { freeTcpPort } from './ports.js';

export interface FailoverProxy {
  url: string;
  /** Connections handed to each node so far (by index). */
  readonly routed: number[];
  close(): Promise<void>;
}

export async function startFailoverProxy(ports: number[]): Promise<FailoverProxy> {
  const routed = ports.map(() => 0);
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const tryNode = (i: number): void => {
      if (i === ports.length) return void client.destroy();
      const up = connect(ports[i]!, '127.0.0.1');
      up.once('error', () => (up.destroy(), tryNode(i + 1)));
      up.once('connect', () => {
        routed[i]!++;
        open.add(up);
        up.removeAllListeners('error');
        up.on('error', () => client.destroy());
        up.once('close', () => (open.delete(up), client.destroy()));
        client.once('close', () => up.destroy());
        client.pipe(up).pipe(client);
        client.resume();
      });
    };
    tryNode(0);
  });
  const port = await freeTcpPort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
