/** When the cached ICE configuration (short-lived TURN credentials) must be fetched again. */
import type { IceConfig } from '../protocol/index.js';

/** TURN credentials are minted with a TTL; refetch once half of it has passed. */
export const iceConfigFresh = (cfg: IceConfig, fetchedAt: number, now: number): boolean =>
  cfg.ttl === undefined || now - fetchedAt < (cfg.ttl * 1000) / 2;
