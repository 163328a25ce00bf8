/** Public API of `rtc-call/relay`. */
export { buildRelay, type BuildRelayOptions } from './build.js';
export { relayPlugin, type RelayContext } from './plugin.js';
export type { HealthCheck } from './http/health.js';
export type { RelayMetrics } from './http/metrics.js';
export {
  ConfigError,
  DEFAULT_OPTIONS,
  optionsFromEnv,
  resolveOptions,
  type Authorize,
  type LogLevel,
  type RelayOptions,
  type TurnOptions,
} from './config/options.js';
export { iceConfig, mintTurnCredential, turnPassword, type TurnCredential } from './tokens/turn.js';
export { Rooms, type JoinResult } from './calls/rooms.js';
export type { SignalingStats } from './http/stats.js';
export type { StaticDirs } from './http/static.js';
export type { RelaySocket, RelayServer, SocketData } from './types.js';
