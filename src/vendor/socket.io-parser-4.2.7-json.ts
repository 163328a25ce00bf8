/**
 * A JSON-only drop-in for `socket.io-parser` (Socket.IO protocol v5). The
 * script-tag bundle uses it instead of the original (rollup.config.mjs aliases
 * the import): the widget never sends or expects binary payloads, and the
 * original's binary machinery costs ~1.3 KB of the 24 KB min+gzip budget.
 * A binary or malformed packet from a server throws, which Socket.IO's Manager
 * treats as a parse error (it closes and reconnects), exactly like the original.
 */

export const protocol = 5;

export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

export interface Packet {
  type: number;
  nsp: string;
  data?: unknown;
  id?: number;
}

/** Event names a server may not use (they mean something to the client itself). */
const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

const isObject = (v: unknown): boolean => Object.prototype.toString.call(v) === '[object Object]';

function payloadValid(type: number, data: unknown): boolean {
  switch (type) {
    case PacketType.CONNECT:
      return isObject(data);
    case PacketType.CONNECT_ERROR:
      return typeof data === 'string' || isObject(data);
    case PacketType.EVENT:
      return Array.isArray(data) && (typeof data[0] === 'number' || (typeof data[0] === 'string' && !RESERVED.includes(data[0])));
    case PacketType.ACK:
      return Array.isArray(data);
    default:
      return false; // DISCONNECT carries no payload; binary types are refused earlier
  }
}

export class Encoder {
  encode(p: Packet): string[] {
    let s = String(p.type);
    if (p.nsp && p.nsp !== '/') s += p.nsp + ',';
    if (p.id != null) s += p.id;
    if (p.data != null) s += JSON.stringify(p.data);
    return [s];
  }
}

type DecodedListener = (packet: Packet) => void;

export class Decoder {
  #listeners: DecodedListener[] = [];

  on(_event: 'decoded', fn: DecodedListener): this {
    this.#listeners.push(fn);
    return this;
  }

  off(_event?: 'decoded', fn?: DecodedListener): this {
    this.#listeners = fn ? this.#listeners.filter((l) => l !== fn) : [];
    return this;
  }

  add(chunk: unknown): void {
    if (typeof chunk !== 'string') throw new Error('binary packets are not supported');
    const packet = decodeString(chunk);
    for (const l of [...this.#listeners]) l(packet);
  }

  destroy(): void {}
}

export function decodeString(str: string): Packet {
  const type = Number(str.charAt(0));
  if (!(type >= 0 && type <= 4) || str.charAt(0) === '') throw new Error(`unsupported packet type ${str.charAt(0)}`);
  let i = 1;
  let nsp = '/';
  if (str.charAt(1) === '/') {
    const comma = str.indexOf(',', 1);
    const end = comma === -1 ? str.length : comma;
    nsp = str.slice(1, end);
    i = end + 1;
  }
  const p: Packet = { type, nsp };
  const digits = /^\d+/.exec(str.slice(i));
  if (digits) {
    p.id = Number(digits[0]);
    i += digits[0].length;
  }
  if (i < str.length) {
    let data: unknown;
    try {
      data = JSON.parse(str.slice(i));
    } catch {
      throw new Error('invalid payload');
    }
    if (!payloadValid(type, data)) throw new Error('invalid payload');
    p.data = data;
  } else if (type !== PacketType.DISCONNECT && type !== PacketType.CONNECT) {
    throw new Error('invalid payload');
  }
  return p;
}
