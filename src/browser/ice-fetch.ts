/** Fetching the relay's ICE configuration (`GET /ice-servers`, short-lived TURN credentials). */
import { parseIceConfig, type IceConfig } from '../protocol/index.js';

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
