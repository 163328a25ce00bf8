/**
 * Just enough of a TURN client (RFC 8656 Allocate with RFC 8489 long-term credentials)
 * to ask a real coturn whether it accepts a username/credential pair, over UDP.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const ALLOCATE_OK = 0x0103;
const ALLOCATE_ERR = 0x0113;
const ATTR = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, REALM: 0x0014, NONCE: 0x0015, REQUESTED_TRANSPORT: 0x0019, LIFETIME: 0x000d } as const;

const attr = (type: number, value: Buffer): Buffer => {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16BE(type, 0);
  b.writeUInt16BE(value.length, 2);
  value.copy(b, 4);
  return b;
};

function message(type: number, attrs: Buffer[], integrityKey?: Buffer): Buffer {
  const tid = randomBytes(12);
  const body = Buffer.concat(attrs);
  const header = (len: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    tid.copy(h, 8);
    return h;
  };
  if (!integrityKey) return Buffer.concat([header(body.length), body]);
  // MESSAGE-INTEGRITY covers the message with the length already counting itself (24 bytes).
  const mac = createHmac('sha1', integrityKey).update(Buffer.concat([header(body.length + 24), body])).digest();
  return Buffer.concat([header(body.length + 24), body, attr(ATTR.MESSAGE_INTEGRITY, mac)]);
}

interface Parsed {
  type: number;
  attrs: Map<number, Buffer>;
}

function parse(b: Buffer): Parsed {
  const attrs = new Map<number, Buffer>();
  const end = 20 + b.readUInt16BE(2);
  for (let i = 20; i + 4 <= end; ) {
    const t = b.readUInt16BE(i);
    const len = b.readUInt16BE(i + 2);
    attrs.set(t, b.subarray(i + 4, i + 4 + len));
    i += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: b.readUInt16BE(0), attrs };
}

/** One UDP socket per allocation attempt: coturn binds its nonce to the client's address and port. */
function udpClient(port: number): { exchange(req: Buffer): Promise<Parsed>; close(): void } {
  const s = createSocket('udp4');
  return {
    exchange: (req) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no TURN answer from 127.0.0.1:${port}`)), 3000);
        s.once('message', (msg) => {
          clearTimeout(timer);
          resolve(parse(msg));
        });
        s.send(req, port, '127.0.0.1');
      }),
    close: () => s.close(),
  };
}

const errorCode = (p: Parsed): number | undefined => {
  const e = p.attrs.get(ATTR.ERROR_CODE);
  return e ? (e[2]! & 7) * 100 + e[3]! : undefined;
};

/** The STUN/TURN error codes the tests meet (RFC 8489, RFC 8656). */
export const TURN_ERROR = {
  /** Bad or expired credential. */
  unauthorized: 401,
  /** The username holds its allocations already (coturn `--user-quota`). */
  quotaReached: 486,
  /** The server holds its allocations already (coturn `--total-quota`). */
  insufficientCapacity: 508,
} as const;

/**
 * Tries a TURN allocation with `username`/`credential`. Resolves 'allocated' on success,
 * otherwise the STUN error code coturn answered (TURN_ERROR). A granted allocation stays
 * for its 60 s lifetime after the socket that asked is closed, counting against the quotas.
 */
export async function tryAllocate(port: number, username: string, credential: string): Promise<'allocated' | number> {
  const udp = udpClient(port);
  try {
    return await allocate(udp.exchange, username, credential);
  } finally {
    udp.close();
  }
}

async function allocate(exchange: (req: Buffer) => Promise<Parsed>, username: string, credential: string): Promise<'allocated' | number> {
  const transport = attr(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])); // UDP
  // First without credentials: coturn answers 401 with its realm and a nonce.
  const challenge = await exchange(message(ALLOCATE, [transport]));
  const realm = challenge.attrs.get(ATTR.REALM);
  const nonce = challenge.attrs.get(ATTR.NONCE);
  if (challenge.type !== ALLOCATE_ERR || !realm || !nonce) throw new Error(`unexpected first answer 0x${challenge.type.toString(16)}`);
  const key = createHash('md5').update(`${username}:${realm.toString()}:${credential}`).digest();
  const res = await exchange(
    message(
      ALLOCATE,
      [
        transport,
        attr(ATTR.LIFETIME, Buffer.from([0, 0, 0, 60])),
        attr(ATTR.USERNAME, Buffer.from(username)),
        attr(ATTR.REALM, realm),
        attr(ATTR.NONCE, nonce),
      ],
      key,
    ),
  );
  if (res.type === ALLOCATE_OK) return 'allocated';
  return errorCode(res) ?? -1;
}
