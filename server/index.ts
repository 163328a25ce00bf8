/** Public API of `rtc-call/relay`. */
export { buildRelay, relayPlugin, type BuildRelayOptions, type HealthCheck, type RelayContext } from './relay.js';
export {
  ConfigError,
  DEFAULT_OPTIONS,
  optionsFromEnv,
  resolveOptions,
  type Authorize,
  type LogLevel,
  type RelayOptions,
  type TurnOptions,
} from './options.js';
export { iceConfig, mintTurnCredential, turnPassword, type TurnCredential } from './turn.js';
export { Rooms, type JoinResult } from './rooms.js';
export type { SignalingStats } from './signaling.js';
export type { StaticDirs } from './static.js';
export type { RelayServer, RelaySocket, SocketData } from './types.js';
