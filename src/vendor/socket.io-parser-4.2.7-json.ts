/**
 * socket.io-parser 4.2.7, JSON packets only: a drop-in for the `socket.io-parser` that socket.io-client
 * imports, used by the script-tag bundle (rollup.config.mjs aliases the import for dist/rtc-call.js; the
 * ESM build keeps the real package).
 *
 * Derived from: npm `socket.io-parser` 4.2.7, build/esm/index.js (MIT License, Copyright (c) 2014-present
 * Guillermo Rauch and Socket.IO contributors; https://github.com/socketio/socket.io, packages/socket.io-parser).
 * Kept, as TypeScript: `protocol`, `PacketType`, the reserved event names, Encoder#encodeAsString,
 * Decoder#decodeString and Decoder.isPayloadValid.
 *
 * Left out: binary packets (BINARY_EVENT 5, BINARY_ACK 6: binary.js, is-binary.js, BinaryReconstructor),
 * the Encoder's replacer, the Decoder's reviver and maxAttachments options, isPacketValid (only the server
 * uses it), and the Emitter base class (the Decoder keeps on/off for 'decoded', all socket.io-client calls).
 * Why: the widget never sends or expects binary payloads, and that machinery is ~1 KB min+gzip of the
 * bundle's 30 KB budget.
 *
 * So, on purpose, unlike upstream: a string packet of type 5 or 6 throws (upstream waits for its
 * attachments), which socket.io-client's Manager treats as a parse error (it closes and reconnects); data
 * holding an ArrayBuffer, typed array or Blob is encoded as plain JSON in one string, not as a binary
 * packet. Everything else behaves as upstream does, leniencies included: '' is a CONNECT without data,
 * whitespace counts as digits of an ack id, a packet without data is accepted whatever its type.
 *
 * Tested by test/vendor/socket.io-parser.test.ts: a differential test against the real socket.io-parser
 * (devDependency, same version), over a corpus of valid and malformed packets and seeded fast-check runs.
 * When socket.io-client moves to a newer socket.io-parser: bump the devDependency, diff its
 * build/esm/index.js against 4.2.7's, port the change, rename this file and run that test.
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
    let s = '' + p.type;
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
  // Number() of one character: a digit, 0 for '' and whitespace (as upstream reads them), else NaN.
  const type = +str.charAt(0);
  if (!(type < 5)) throw new Error('unsupported packet type ' + str.charAt(0));
  let i = 1;
  let nsp = '/';
  if (str.charAt(1) === '/') {
    const comma = str.indexOf(',');
    i = comma < 0 ? str.length : comma;
    nsp = str.slice(1, i++);
  }
  const p: Packet = { type, nsp };
  // Upstream's id loop takes each character c with Number(c) == c: the digits and the whitespace
  // Number() skips, which is exactly \s. So ' 7' is id 7, ' ' is id 0 and '1 2' is id NaN.
  const id = /^[\d\s]+/.exec(str.slice(i));
  if (id) {
    p.id = +id[0];
    i += id[0].length;
  }
  // Like upstream, only data that is present is checked.
  if (i < str.length) {
    const data: unknown = JSON.parse(str.slice(i));
    if (!payloadValid(type, data)) throw new Error('invalid payload');
    p.data = data;
  }
  return p;
}
