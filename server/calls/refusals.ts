/**
 * How the relay says no. The codes and whether each is fatal to the link come from ERRORS in
 * src/protocol/codes.ts; this file only turns them into what goes on the wire and, for a socket
 * that must go, into the matching way of closing it.
 */
import type { ExtendedError } from 'socket.io';
import { fatalCode, type ErrorCode, type ErrorPayload } from '../../src/protocol/index.js';
import type { RelaySocket } from '../types.js';

export const refusal = (code: ErrorCode, message: string, type?: string): ErrorPayload =>
  type === undefined ? { code, message } : { code, message, type };

/** The `room-full` refusal, worded the same wherever it is decided (this node or, over Redis, another). */
export const roomFull = (room: string): ErrorPayload => refusal('room-full', `room ${room} is full`);

/** Socket.IO's handshake `connect_error` carries `data`; the protocol's ErrorPayload goes there. */
export function handshakeError(code: ErrorCode, message: string): ExtendedError {
  const err: ExtendedError = new Error(message);
  err.data = refusal(code, message);
  return err;
}

/**
 * Ends a socket refused with `code`. After a fatal code a server-side disconnect, which
 * socket.io-client does not retry (retrying cannot help); otherwise only the transport closes,
 * and the client reconnects by itself.
 */
export function dropSocket(socket: RelaySocket, code: ErrorCode): void {
  if (fatalCode(code)) socket.disconnect(true);
  else socket.conn.close();
}
