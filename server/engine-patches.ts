/**
 * Every place the relay reaches into Socket.IO's engine (engine.io) or Node past their public
 * API, in one file. Each patch only lets memory go that an idle socket would otherwise hold for
 * its life (docs/scaling.md, "What the relay no longer keeps per socket"); none changes what a
 * client sees. Each is written for the versions in WRITTEN_FOR, and
 * test/server/engine-patches.test.ts fails when the installed ones differ (major.minor), so an
 * upgrade re-checks them; it also proves each still takes effect on a real relay. A patch that
 * finds nothing to patch does nothing: the relay then keeps the memory, and works as before.
 *
 * 1. The room in the query string (`queryRoom`): engine.io parses the handshake's query into
 *    the request's private `_query` (server.js `prepare()`); Socket.IO copies it into
 *    `socket.handshake.query` only later, when the request is gone (handshake.ts drops it, as
 *    Socket.IO's memory-usage guide advises). The relay reads the one field it needs here
 *    rather than parse the URL again.
 * 2. The upgrade response (`releaseRequest`): after a WebSocket handshake engine.io's
 *    WebSocketResponse (a stand-in `res` for its middlewares) stays reachable from the TCP
 *    socket through one `close` listener, and with it the IncomingMessage (its stream state,
 *    the response headers engine.io stored on it): ~0.8 KB per idle socket. The relay uses no
 *    engine middlewares, so nothing listens on that response once the handshake is done. The
 *    listener is found by its source text (RESPONSE_CLOSE).
 * 3. The HTTP idle timer (`dropIdleTimer`): the HTTP server's idle timeout (build.ts, 60 s)
 *    stays armed on a connection that became a WebSocket, refreshed on every frame: a timer per
 *    socket that duplicates engine.io's ping/pong. `setTimeout(0)` (public) stops it, but
 *    node:net keeps the timer object (120 B) in a private symbol slot described `timeout`, which
 *    is set to null, its initial value (node:net reads it null-safely).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The versions these patches were written for and checked against (major.minor). */
export const WRITTEN_FOR = { 'socket.io': '4.8', 'engine.io': '6.6', node: '20.20' } as const;

/** What engine.io's request carries beyond an IncomingMessage. */
type EngineRequest = IncomingMessage & { _query?: Record<string, unknown> };

/** Patch 1: the `room` query parameter of an engine.io handshake request, as engine.io parsed it. */
export function queryRoom(req: IncomingMessage): unknown {
  return (req as EngineRequest)._query?.room;
}

/** engine.io 6.6 server.js, WebSocketResponse's constructor: `socket.once("close", () => this.emit("close"))`. */
export const RESPONSE_CLOSE = '() => this.emit("close")';

/** Is `l` (one of a TCP socket's raw `close` listeners) engine.io's upgrade response's? A once() wrapper's `listener` is the function given. */
export function isUpgradeResponseClose(l: Function): boolean {
  const given = (l as { listener?: unknown }).listener;
  return typeof given === 'function' && String(given) === RESPONSE_CLOSE;
}

/**
 * Patch 2, with what handshake.ts read of the request done: empties the request (query,
 * headers, in case something still holds it) and removes engine.io's upgrade response's
 * `close` listener, the last thing that does.
 */
export function releaseRequest(req: IncomingMessage): void {
  (req as EngineRequest)._query = {};
  req.headers = {};
  req.rawHeaders = [];
  const tcp = req.socket as typeof req.socket | null;
  if (!tcp) return;
  for (const l of tcp.rawListeners('close')) if (isUpgradeResponseClose(l)) tcp.removeListener('close', l as (...a: unknown[]) => void);
}

/** node:net's own slot for a socket's idle timer (found once, on the first upgrade). */
let timerSlot: symbol | null | undefined;

/** node:net's private slot for a socket's idle timer, or null when there is none. */
export function idleTimerSlot(socket: Socket): symbol | null {
  timerSlot ??= Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout') ?? null;
  return timerSlot;
}

/** Patch 3: an HTTP server `upgrade` listener that stops the connection's HTTP idle timer and lets its object go. */
export function dropIdleTimer(_req: IncomingMessage, socket: Duplex): void {
  // Always a net.Socket (or a TLSSocket) for an HTTP server's upgrade.
  const tcp = socket as Socket;
  tcp.setTimeout(0);
  const slot = idleTimerSlot(tcp);
  if (slot) (tcp as unknown as Record<symbol, unknown>)[slot] = null;
}
