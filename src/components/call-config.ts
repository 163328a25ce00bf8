/**
 * The call button's attributes that configure the page's call (server, room, token, ice-policy,
 * incoming, queue, name, connect, ring-timeout, preconnect, outgoing), read into the Phone's
 * CallConfig. The Phone applies a new configuration while idle.
 */
import { defaultServer } from '../browser/instance.js';
import { tokenRole } from '../browser/token-role.js';
import type { CallConfig } from '../core/phone-types.js';

/** The attributes, as the call button holds them. */
export interface ConfigAttributes {
  server: string | null;
  room: string | null;
  token: string | null;
  icePolicy: 'all' | 'relay' | null;
  incoming: 'ring' | 'off';
  queue: 'on' | 'off' | undefined;
  name: string | null;
  connect: 'load' | 'intent' | 'click' | undefined;
  ringTimeout: number;
  preconnect: string | null;
  outgoing: 'on' | 'off' | undefined;
}

/** The properties whose change configures the call again. */
export const CONFIG_KEYS = ['server', 'room', 'token', 'icePolicy', 'incoming', 'name', 'ringTimeout', 'connect', 'outgoing', 'preconnect', 'queue'];

/**
 * The relay's origin: Socket.IO would read a URL path as a namespace, and the relay
 * serves /socket.io/ and /ice-servers at its root. Relative values resolve against
 * the page; an unparsable one falls back to the bundle's origin.
 */
const relayOrigin = (server: string | null): string => {
  try {
    return server ? new URL(server, document.baseURI).origin : defaultServer();
  } catch {
    return defaultServer();
  }
};

/** A desk only answers: `outgoing="off"`, or by default a token whose role is `answerer`. */
export const isDesk = (a: ConfigAttributes): boolean => (a.outgoing ? a.outgoing === 'off' : tokenRole(a.token) === 'answerer');

export function callConfig(a: ConfigAttributes): CallConfig {
  const policy = a.icePolicy === 'relay' || a.icePolicy === 'all' ? a.icePolicy : undefined;
  return {
    server: relayOrigin(a.server),
    ...(a.room ? { room: a.room } : {}),
    ...(a.token ? { token: a.token } : {}),
    ...(policy ? { icePolicy: policy } : {}),
    ...(a.incoming === 'off' ? { incoming: false } : {}),
    ...(a.queue === 'off' ? { queue: false } : {}),
    ...(a.name ? { name: a.name } : {}),
    ...(isDesk(a) ? { outgoing: false } : {}),
    connect: a.connect ?? (a.incoming === 'off' ? 'intent' : 'load'),
    ringTimeoutMs: (a.ringTimeout > 0 ? a.ringTimeout : 45) * 1000,
    preconnect: a.preconnect !== 'off',
  };
}
