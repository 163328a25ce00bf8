import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

/** A TCP port on 127.0.0.1 the OS just handed out (closed again before returning). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when `port` can also be bound for UDP on 127.0.0.1 (coturn listens on both). */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (TURN listens on both transports). */
export async function freeTcpUdpPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await freeTcpPort();
    if (await udpFree(p)) return p;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1');
}
