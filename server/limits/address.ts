/**
 * Whose request is it: the client address the limits count (limits.ts). The TCP peer, unless
 * the peer is a proxy the operator trusts (TRUST_PROXY: addresses, CIDRs, `loopback`): then
 * X-Forwarded-For is read from the right, skipping trusted proxies, as nginx's
 * `$proxy_add_x_forwarded_for` builds it (whatever a client wrote itself stays on the left).
 * IPv6 clients are counted per /64: one host usually holds a whole /64.
 */
import { BlockList, isIP } from 'node:net';

/** Whether a (normalised) address is a proxy whose X-Forwarded-For is believed. */
export type Trust = (address: string) => boolean;

/** Trusts nobody: the TCP peer is the client. */
export const TRUST_NOBODY: Trust = () => false;

/** At most this many X-Forwarded-For hops are read (a longer header is someone's invention). */
const MAX_HOPS = 16;

/**
 * An address as the limits compare it: no IPv6 zone, lower case, an IPv4-mapped IPv6 address
 * as IPv4; brackets and a port (`[::1]:443`, `10.0.0.1:5000`) dropped. '' when it is no address.
 */
export function normaliseAddress(raw: string | undefined): string {
  if (!raw) return '';
  let a = raw.trim().toLowerCase();
  if (a.startsWith('[')) a = a.slice(1, a.indexOf(']') < 0 ? undefined : a.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  if (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4) a = a.slice(7);
  return isIP(a) ? a : '';
}

/**
 * TRUST_PROXY as a predicate: `loopback` (127.0.0.0/8, ::1), addresses and CIDRs, IPv4 or IPv6.
 * Throws an Error naming the first entry it cannot read.
 */
export function parseTrustProxy(entries: readonly string[]): Trust {
  if (entries.length === 0) return TRUST_NOBODY;
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [addr = '', bits, ...rest] = entry.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || rest.length || !(prefix >= 0 && prefix <= max)) throw new Error(`${raw} is not an address, a CIDR (10.0.0.0/8, fd00::/8) or loopback`);
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address: the TCP `peer`, or, when the peer is trusted, the rightmost
 * X-Forwarded-For entry that is not (an entry that is no address stops the walk at the last
 * trusted hop: a proxy forwarded nonsense, so the proxy is what we know).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trust: Trust): string {
  let addr = normaliseAddress(peer);
  if (forwardedFor === undefined || !trust(addr)) return addr;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1, n = 0; i >= 0 && n < MAX_HOPS; i--, n++) {
    const hop = normaliseAddress(hops[i]);
    if (hop === '') {
      if (hops[i]!.trim() === '') continue;
      return addr;
    }
    addr = hop;
    if (!trust(addr)) return addr;
  }
  return addr;
}

/** The first 64 bits of an IPv6 address, written `a:b:c:d::/64`. */
function prefix64(a: string): string {
  const halves = a.split('::');
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) takes two groups.
  const width = (gs: string[]): number => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const all = halves.length === 2 ? [...head, ...Array<string>(8 - width(head) - width(tail)).fill('0'), ...tail] : head;
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** What the limits count an address under: IPv4 as it is, IPv6 by its /64, anything else as given. */
export function addressKey(address: string): string {
  return isIP(address) === 6 ? prefix64(address) : address;
}
