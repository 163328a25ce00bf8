/**
 * The relay's Socket.IO server, attached to Fastify's HTTP server: what the engine accepts
 * before any handshake runs (origin, the connection limits of limits/guard.ts, frame size,
 * transports). Per-handshake checks are in handshake.ts.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { LIMITS } from '../src/protocol/index.js';
import { originAllowed } from './http/cors.js';
import { PLAIN_HEADERS } from './http/security-headers.js';
import { dropIdleTimer } from './engine-patches.js';
import type { ConnectionGuard } from './limits/guard.js';
import type { RelayOptions } from './config/options.js';
import type { RelayServer } from './types.js';

/** A client that opened the engine but has not joined in this long is closed (Socket.IO's default is 45 s). */
const CONNECT_TIMEOUT_MS = 10_000;

export function createSocketServer(http: HttpServer, opts: Pick<RelayOptions, 'socketPath' | 'allowedOrigins'>, guard: ConnectionGuard): RelayServer {
  const io: RelayServer = new Server(http, {
    path: opts.socketPath,
    // Serves /socket.io/socket.io.js as a stock Socket.IO server does, for pages written like the
    // tutorial that load the client from their signaling server.
    serveClient: true,
    // Caps a whole frame (SDP + envelope) before it is parsed; a bigger one closes the socket.
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // ~236 KB of zlib state per socket when on; signaling payloads are small anyway.
    perMessageDeflate: false,
    transports: ['websocket', 'polling'],
    connectTimeout: CONNECT_TIMEOUT_MS,
    cors: { origin: opts.allowedOrigins === '*' ? '*' : [...opts.allowedOrigins], methods: ['GET', 'POST'] },
    // Runs for each new engine connection (a request without a sid), before anything is made for it.
    allowRequest: (req, cb) => {
      // CORS covers polling only; browsers send Origin on WebSocket upgrades but do not enforce it.
      if (!originAllowed(opts.allowedOrigins, req.headers.origin)) return cb(`origin ${req.headers.origin} is not in ALLOWED_ORIGINS`, false);
      const refused = guard.check(req, io.engine.clientsCount);
      cb(refused, refused === null);
    },
  });
  // Socket.IO answers its path itself (polling, the client script), before Fastify sees the
  // request: the headers go on first, and its own Content-Type and CORS headers join them.
  const base = `${opts.socketPath.replace(/\/$/, '')}/`;
  http.prependListener('request', (req, res) => {
    if (req.url?.startsWith(base)) for (const [k, v] of Object.entries(PLAIN_HEADERS)) res.setHeader(k, v);
  });
  // First of the engine's own listeners after Socket.IO's: it still sees the handshake request.
  guard.attach(io);
  // The HTTP server's idle timeout (build.ts, 60 s) stays armed on a connection that became a
  // WebSocket: a timer per idle socket, refreshed on every frame, which only duplicates what
  // Engine.IO's ping/pong already does (a peer silent for pingInterval + pingTimeout is closed).
  // The request had arrived whole before the upgrade; from here the ping is the only clock
  // (engine-patches.ts).
  http.on('upgrade', dropIdleTimer);
  return io;
}
