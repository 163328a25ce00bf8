/**
 * The kinds of value the relay's options take. Each one reads its environment variable's text
 * (`parse`) and checks a value given in code (`check`), with its range or format in one place, and
 * spells a value back the variable's way (`format`, for the docs' default column). A bad value
 * throws `Invalid`; config/options.ts turns that into a ConfigError naming the variable or key.
 */
import { parseRoom } from '../../src/protocol/index.js';
import { parseTrustProxy } from '../limits/address.js';

/** What a good value looks like; `value` is what the error quotes instead of the whole input (an item of a list, a redacted URL). */
export class Invalid extends Error {
  constructor(
    readonly expected: string,
    readonly shown?: { value: unknown },
  ) {
    super(expected);
  }
}

/** A check of a value given in code: the value to use (normalised), or throws Invalid. */
export interface Check<T> {
  check(v: unknown): T;
  /** Named in errors, never quoted. */
  readonly secret?: boolean;
}

/** A check that can also read the value from an environment variable. */
export interface Parser<T> extends Check<T> {
  parse(raw: string): T;
  /** The value as the variable spells it ('' for none). */
  format(v: T): string;
}

/** A check from a predicate: `ok` sees the value as T and says whether it is acceptable. */
export const check = <T>(expected: string, ok: (v: T) => boolean): Check<T> => ({
  check(v) {
    if (v === undefined || v === null || !ok(v as T)) throw new Invalid(expected);
    return v as T;
  },
});

const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** An integer min..max; `unit` names it in code (`seconds 60..604800`), where the variable says `an integer`. */
export const int = (min: number, max: number, unit?: string): Parser<number> => ({
  parse(raw) {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !isInt(n, min, max)) throw new Invalid(`an integer ${min}..${max}`);
    return n;
  },
  check(v) {
    if (!isInt(v, min, max)) throw new Invalid(unit ? `${unit} ${min}..${max}` : `an integer ${min}..${max}`);
    return v;
  },
  format: String,
});

/** Seconds min..max in the variable, milliseconds in code (QUEUE_WAIT=300 is queueWaitMs 300000). */
export const secondsAsMs = (min: number, max: number): Parser<number> => {
  const p = int(min, max);
  return {
    parse: (raw) => p.parse(raw) * 1000,
    // Code may ask for less (tests wait milliseconds, not seconds).
    check(v) {
      if (!isInt(v, 1, Number.MAX_SAFE_INTEGER)) throw new Invalid('a positive integer of milliseconds');
      return v;
    },
    format: (v) => String(v / 1000),
  };
};

/** One of `values`, spelled as they are. */
export const oneOf = <const V extends string>(values: readonly V[]): Parser<V> => {
  const expected = values.length === 2 ? values.join(' or ') : values.join('|');
  const ok = (v: unknown): v is V => (values as readonly unknown[]).includes(v);
  return {
    parse(raw) {
      if (!ok(raw)) throw new Invalid(expected);
      return raw;
    },
    check(v) {
      if (!ok(v)) throw new Invalid(expected);
      return v;
    },
    format: (v) => v,
  };
};

/** `on` or `off`; a boolean in code. */
export const onOff = (): Parser<boolean> => ({
  parse(raw) {
    if (raw !== 'on' && raw !== 'off') throw new Invalid('on or off');
    return raw === 'on';
  },
  check(v) {
    if (typeof v !== 'boolean') throw new Invalid('true or false');
    return v;
  },
  format: (v) => (v ? 'on' : 'off'),
});

/** Any non-empty text (a host name or address). */
export const text = (): Parser<string> => ({
  parse: (raw) => raw,
  check(v) {
    if (typeof v !== 'string' || !v) throw new Invalid('a non-empty string');
    return v;
  },
  format: (v) => v,
});

/** A secret: `ok` says whether it is good enough; errors name it and say `expected`, never the value. */
export const secret = (expected: string, ok: (s: string) => boolean): Parser<string> => ({
  secret: true,
  parse(raw) {
    if (!ok(raw)) throw new Invalid(expected);
    return raw;
  },
  check(v) {
    if (typeof v !== 'string' || !ok(v)) throw new Invalid(expected);
    return v;
  },
  format: () => '',
});

const ROOM_EXPECTED = '1-64 characters of A-Z a-z 0-9 _ . : @ -';
/** A room name (ROOM_PATTERN in src/protocol/limits.ts). */
export const room = (): Parser<string> => ({
  parse: (raw) => parseRoom(raw, '') ?? throwInvalid(ROOM_EXPECTED),
  check(v) {
    if (typeof v !== 'string' || parseRoom(v, '') !== v) throw new Invalid(ROOM_EXPECTED);
    return v;
  },
  format: (v) => v,
});

const throwInvalid = (expected: string, shown?: { value: unknown }): never => {
  throw new Invalid(expected, shown);
};

/** Comma-separated, blanks dropped. */
export const splitList = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A list in code, a comma-separated one in the variable; `item` checks (and may normalise) each, `atLeastOne` refuses none. */
const listOf = (item: (s: string) => string, what: string, atLeastOne?: string): Parser<string[]> => ({
  parse: (raw) => splitList(raw).map(item),
  check(v) {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Invalid(what);
    if (atLeastOne && v.length === 0) throw new Invalid(atLeastOne);
    return (v as string[]).map(item);
  },
  format: (v) => v.join(','),
});

/** http:// or https:// URLs (webhook endpoints); quoted redacted when bad. */
export const httpUrls = (): Parser<string[]> => {
  const expected = 'comma-separated http:// or https:// URLs';
  return listOf(
    (u) => {
      let url: URL | undefined;
      try {
        url = new URL(u);
      } catch {
        // refused below
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throwInvalid(expected, { value: redactUrl(u) });
      return u;
    },
    expected,
  );
};

/** `stun:`/`turn:` URLs (RFC 7064/7065: host[:port][?transport=udp|tcp], no `//`). */
export const iceUrls = (schemes: [string, string], atLeastOne?: string): Parser<string[]> => {
  const expected = `comma-separated ${schemes.join(':/')}: URLs like ${schemes[0]}:host:port`;
  return listOf(
    (u) => {
      const scheme = u.slice(0, u.indexOf(':'));
      if (!schemes.includes(scheme) || !/^[a-z]+:[^\s/?#]+(\?transport=(udp|tcp))?$/.test(u)) throwInvalid(expected, { value: u });
      return u;
    },
    expected,
    atLeastOne,
  );
};

const origin = (o: string): string => {
  let parsed: string;
  try {
    parsed = new URL(o).origin;
  } catch {
    return throwInvalid('comma-separated origins like https://shop.example (scheme://host[:port]) or *', { value: o });
  }
  if (parsed !== o.replace(/\/$/, '') || parsed === 'null') throwInvalid('an origin only (scheme://host[:port], no path)', { value: o });
  return parsed;
};

/** Origins (`https://shop.example`, a trailing slash dropped), or `*` for any: none or a `*` among them is any. */
export const origins = (): Parser<'*' | string[]> => {
  const list = listOf(origin, 'origins like https://shop.example, or *');
  return {
    parse(raw) {
      const v = splitList(raw);
      return v.length === 0 || v.includes('*') ? '*' : list.parse(raw);
    },
    check: (v) => (v === '*' ? '*' : list.check(v)),
    format: (v) => (v === '*' ? '*' : v.join(',')),
  };
};

/** Proxies whose X-Forwarded-For is believed: addresses, CIDRs or `loopback` (limits/address.ts). */
export const proxies = (): Parser<string[]> => {
  const valid = (v: string[], raw: unknown): string[] => {
    try {
      parseTrustProxy(v);
    } catch (e) {
      throwInvalid(`comma-separated addresses, CIDRs or loopback (${(e as Error).message})`, { value: raw });
    }
    return v;
  };
  return {
    parse: (raw) => valid(splitList(raw), raw),
    check(v) {
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Invalid('a list of addresses, CIDRs or loopback');
      return valid(v as string[], v);
    },
    format: (v) => v.join(','),
  };
};

/** `url` with its password (and user name) replaced: what a log line or an error may say of REDIS_URL. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !u.username) return url;
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: anything between `//` and `@` may be a password.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** A Redis URL; quoted redacted when bad. */
export const redisUrl = (): Parser<string> => {
  const valid = (v: string): string =>
    /^rediss?:\/\/\S+$/.test(v) ? v : throwInvalid('redis://host:port or rediss://host:port', { value: redactUrl(v) });
  return {
    parse: valid,
    check: (v) => (typeof v === 'string' ? valid(v) : throwInvalid('redis://host:port or rediss://host:port', { value: typeof v })),
    format: redactUrl,
  };
};
