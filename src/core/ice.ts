/** Fetching the relay's ICE configuration (`GET /ice-servers`, short-lived TURN credentials). */
import type { IceConfig, IceServer } from '../protocol.js';

const isServer = (s: unknown): s is IceServer => {
  if (typeof s !== 'object' || s === null) return false;
  const u = (s as { urls?: unknown }).urls;
  return typeof u === 'string' || (Array.isArray(u) && u.every((x) => typeof x === 'string'));
};

/** Parses an untrusted /ice-servers body; throws on anything that is not an IceConfig. */
export function parseIceConfig(body: unknown): IceConfig {
  const b = body as Partial<IceConfig> | null;
  if (!b || !Array.isArray(b.iceServers) || !b.iceServers.every(isServer)) throw new Error('bad /ice-servers response');
  return {
    iceServers: b.iceServers,
    iceTransportPolicy: b.iceTransportPolicy === 'relay' ? 'relay' : 'all',
    ...(typeof b.ttl === 'number' ? { ttl: b.ttl } : {}),
  };
}

export async function fetchIceConfig(server: string, timeoutMs = 5000): Promise<IceConfig> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetch(new URL('/ice-servers', server), { signal: ctl.signal, credentials: 'omit' });
    if (!res.ok) throw new Error(`/ice-servers: HTTP ${res.status}`);
    return parseIceConfig(await res.json());
  } finally {
    clearTimeout(t);
  }
}

/** TURN credentials are minted with a TTL; refetch once half of it has passed. */
export const iceConfigFresh = (cfg: IceConfig, fetchedAt: number, now: number): boolean =>
  cfg.ttl === undefined || now - fetchedAt < (cfg.ttl * 1000) / 2;
