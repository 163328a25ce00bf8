/** Public API of `rtc-call/relay`. */
export { buildRelay, type BuildRelayOptions } from './build.js';
export { relayPlugin, type RelayContext } from './plugin.js';
export type { HealthCheck } from './routes-health.js';
export type { RelayMetrics } from './metrics.js';
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
export { iceConfig, mintTurnCredential, turnPassword, type TurnCredential } from './turn.js';
export { Rooms, type JoinResult } from './rooms.js';
export type { SignalingStats } from './stats.js';
export type { StaticDirs } from './static.js';
export type { RelaySocket, RelayServer, SocketData } from './types.js';
