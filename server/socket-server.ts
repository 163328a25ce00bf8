/**
 * The relay's Socket.IO server, attached to Fastify's HTTP server: what the engine accepts
 * before any handshake runs (origin, frame size, transports). Per-handshake checks are in
 * handshake.ts.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS } from '../src/protocol.js';
import { originAllowed } from './cors.js';
import type { RelayOptions } from './options.js';
import type { RelayServer } from './types.js';

export function createSocketServer(http: HttpServer, opts: Pick<RelayOptions, 'socketPath' | 'allowedOrigins'>): RelayServer {
  return new Server(http, {
    path: opts.socketPath,
    // Serves /socket.io/socket.io.js as a stock Socket.IO server does, for pages written like the
    // tutorial that load the client from their signaling server.
    serveClient: true,
    // Caps a whole frame (SDP + envelope) before it is parsed; a bigger one closes the socket.
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // ~236 KB of zlib state per socket when on; signaling payloads are small anyway.
    perMessageDeflate: false,
    transports: ['websocket', 'polling'],
    cors: { origin: opts.allowedOrigins === '*' ? '*' : [...opts.allowedOrigins], methods: ['GET', 'POST'] },
    // CORS covers polling only; browsers send Origin on WebSocket upgrades but do not enforce it.
    allowRequest: (req, cb) => {
      const ok = originAllowed(opts.allowedOrigins, req.headers.origin);
      cb(ok ? null : `origin ${req.headers.origin} is not in ALLOWED_ORIGINS`, ok);
    },
  });
}
