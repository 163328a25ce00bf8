/**
 * The floor for `npm run bench:relay`: a bare Socket.IO relay of a few lines, as a
 * tutorial would write it. No validation, no stamping, no rate limit, no metrics,
 * Socket.IO defaults (perMessageDeflate is off by default; the handshake request is
 * kept, as Socket.IO does unless told otherwise), and a one-line GET /healthz as any
 * deployment behind a load balancer has. The real relay's own logic is measured as the
 * distance from this.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

export interface BareRelay {
  port: number;
  close(): Promise<void>;
}

export async function startBareRelay(host = '127.0.0.1'): Promise<BareRelay> {
  const http = createServer((req, res) => {
    // Socket.IO answers its own path; everything else is the health check.
    if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(404).end();
  });
  const io = new Server(http);
  io.on('connection', (socket) => {
    const auth = socket.handshake.auth as { room?: unknown };
    const room = typeof auth.room === 'string' ? auth.room : 'lobby';
    void socket.join(room);
    socket.emit('client-id', { id: socket.id });
    socket.on('message', (m: unknown) => {
      socket.to(room).emit('message', m);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
